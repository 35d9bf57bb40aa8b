//! LEB128 varints (7 bits a byte, low group first) and zigzag signed numbers, as the protobuf of
//! vector tiles, PMTiles directories and the built-in basemap store them: reading with every
//! byte checked, and writing.

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarintError {
    /// The bytes end inside the number.
    CutShort,
    /// More than ten bytes (64 bits) of number.
    TooLong,
}

/// Reads the varint at `*pos` and moves `pos` past it (past each byte read, on an error).
pub fn read(bytes: &[u8], pos: &mut usize) -> Result<u64, VarintError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos).ok_or(VarintError::CutShort)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(VarintError::TooLong)
}

/// A zigzag-encoded number decoded: 0, 1, 2, 3, ... to 0, -1, 1, -2, ...
pub fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

/// A signed number zigzag-encoded: 0, -1, 1, -2, ... to 0, 1, 2, 3, ...
pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Appends `v` as a varint.
pub fn write(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_errors() {
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            write(&mut out, v);
            let mut pos = 0;
            assert_eq!(read(&out, &mut pos), Ok(v));
            assert_eq!(pos, out.len());
        }
        for v in [0, -1, 1, -2, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        assert_eq!(zigzag(-1), 1);
        let mut pos = 0;
        assert_eq!(read(&[0x80, 0x80], &mut pos), Err(VarintError::CutShort));
        assert_eq!(pos, 2);
        let mut pos = 0;
        assert_eq!(read(&[0xff; 11], &mut pos), Err(VarintError::TooLong));
    }
}
