//! A tile's image as plain RGBA bytes, what the map module hands the window (which makes
//! textures of it).

/// An image: `size` is `[width, height]` in pixels, `rgba` four bytes a pixel, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width and height, pixels.
    pub size: [usize; 2],
    /// Red, green, blue, alpha: four bytes a pixel, rows top to bottom.
    pub rgba: Vec<u8>,
    /// True when the colours are premultiplied by alpha (drawn tiles), false when not (decoded
    /// PNG, JPEG, WebP).
    pub premultiplied: bool,
}

impl Image {
    /// An image of premultiplied colours; `None` when `rgba` does not hold `size` pixels.
    pub fn premultiplied(size: [usize; 2], rgba: Vec<u8>) -> Option<Image> {
        Self::checked(size, rgba, true)
    }

    /// An image of colours not premultiplied; `None` when `rgba` does not hold `size` pixels.
    pub fn unmultiplied(size: [usize; 2], rgba: Vec<u8>) -> Option<Image> {
        Self::checked(size, rgba, false)
    }

    fn checked(size: [usize; 2], rgba: Vec<u8>, premultiplied: bool) -> Option<Image> {
        let want = size[0].checked_mul(size[1])?.checked_mul(4)?;
        (rgba.len() == want).then_some(Image {
            size,
            rgba,
            premultiplied,
        })
    }

    /// An image decoded by the `image` crate.
    pub fn from_decoded(img: &image::DynamicImage) -> Image {
        let rgba = img.to_rgba8();
        let size = [rgba.width() as usize, rgba.height() as usize];
        Image {
            size,
            rgba: rgba.into_raw(),
            premultiplied: false,
        }
    }

    /// The pixel at `(x, y)` as `[r, g, b, a]`; `None` outside the image.
    pub fn pixel(&self, x: usize, y: usize) -> Option<[u8; 4]> {
        if x >= self.size[0] {
            return None;
        }
        let i = y
            .checked_mul(self.size[0])?
            .checked_add(x)?
            .checked_mul(4)?;
        let p = self.rgba.get(i..i + 4)?;
        <[u8; 4]>::try_from(p).ok()
    }
}
