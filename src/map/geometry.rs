//! Points, boxes and clipping in the plane (pixels or tile units): a polygon's rings and a
//! line's pieces clipped to a square, lengths, the point part-way along a line. Drawing vector
//! tiles, placing their labels and writing tiles (the vector sample) all use these.

/// A point, `(x, y)`.
pub type P = (f64, f64);

/// Bounding box of points: `(min x, min y, max x, max y)`.
pub fn bbox(points: &[P]) -> (f64, f64, f64, f64) {
    points.iter().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
    )
}

/// A ring clipped to the square `lo..=hi` (Sutherland–Hodgman).
pub fn clip_ring(ring: &[P], lo: f64, hi: f64) -> Vec<P> {
    let mut out = ring.to_vec();
    for edge in 0..4 {
        let input = std::mem::take(&mut out);
        let Some(&last) = input.last() else {
            return out;
        };
        let inside = |p: P| match edge {
            0 => p.0 >= lo,
            1 => p.0 <= hi,
            2 => p.1 >= lo,
            _ => p.1 <= hi,
        };
        // Only called with one point inside and one outside, so the divisor is not zero.
        let cross = |a: P, b: P| -> P {
            match edge {
                0 | 1 => {
                    let x = if edge == 0 { lo } else { hi };
                    let t = (x - a.0) / (b.0 - a.0);
                    (x, a.1 + t * (b.1 - a.1))
                }
                _ => {
                    let y = if edge == 2 { lo } else { hi };
                    let t = (y - a.1) / (b.1 - a.1);
                    (a.0 + t * (b.0 - a.0), y)
                }
            }
        };
        let mut prev = last;
        for &cur in &input {
            match (inside(prev), inside(cur)) {
                (true, true) => out.push(cur),
                (false, true) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (true, false) => out.push(cross(prev, cur)),
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

/// A segment clipped to the square `lo..=hi` (Liang–Barsky): its ends, and whether the start
/// is the segment's own start.
pub fn clip_segment(a: P, b: P, lo: f64, hi: f64) -> Option<(P, P, bool)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - lo),
        (dx, hi - a.0),
        (-dy, a.1 - lo),
        (dy, hi - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    let at = |t: f64| (a.0 + t * dx, a.1 + t * dy);
    Some((at(t0), at(t1), t0 == 0.0))
}

/// A line clipped to the square `lo..=hi`: the pieces inside.
pub fn clip_line(line: &[P], lo: f64, hi: f64) -> Vec<Vec<P>> {
    let mut pieces = Vec::new();
    let mut cur: Vec<P> = Vec::new();
    for w in line.windows(2) {
        let (Some(&a), Some(&b)) = (w.first(), w.get(1)) else {
            continue;
        };
        match clip_segment(a, b, lo, hi) {
            Some((p, q, from_start)) => {
                if !from_start || cur.is_empty() {
                    if cur.len() >= 2 {
                        pieces.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(p);
                }
                cur.push(q);
            }
            None => {
                if cur.len() >= 2 {
                    pieces.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        pieces.push(cur);
    }
    pieces
}

/// The length of a line.
pub fn length(line: &[P]) -> f64 {
    line.windows(2)
        .filter_map(|w| Some((w.first()?, w.get(1)?)))
        .map(|(a, b)| (b.0 - a.0).hypot(b.1 - a.1))
        .sum()
}

/// The point `at` pixels along `line` (its end if shorter).
pub fn point_along(line: &[P], mut at: f64) -> Option<P> {
    for w in line.windows(2) {
        let (Some(&a), Some(&b)) = (w.first(), w.get(1)) else {
            continue;
        };
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        if at <= len && len > 0.0 {
            let t = at / len;
            return Some((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
        }
        at -= len;
    }
    line.last().copied()
}
