//! CRC-16/X-25 (CRC-ITU as the GT06 notes call it) and the builder of frames a platform sends.
//!
//! Reflected polynomial 0x8408, initial value 0xFFFF, final XOR 0xFFFF, computed over
//! everything from the length byte(s) through the serial number.

/// CRC-16/X-25 of `data`.
pub fn crc16_x25(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &byte in data {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
        }
    }
    crc ^ 0xffff
}

/// A whole frame: start, length, `ty`, `content`, `serial`, CRC and `0D 0A`. Short form
/// (`78 78`, 1-byte length) unless `extended` or the content does not fit one length byte.
pub fn build(extended: bool, ty: u8, content: &[u8], serial: u16) -> Vec<u8> {
    let len = 1 + content.len() + 2 + 2;
    let extended = extended || len > usize::from(u8::MAX);
    let mut out = Vec::with_capacity(len + 6);
    if extended {
        out.extend_from_slice(&[0x79, 0x79]);
        out.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
    } else {
        out.extend_from_slice(&[0x78, 0x78]);
        out.push(u8::try_from(len).unwrap_or(u8::MAX));
    }
    out.push(ty);
    out.extend_from_slice(content);
    out.extend_from_slice(&serial.to_be_bytes());
    let crc = crc16_x25(out.get(2..).unwrap_or(&[]));
    out.extend_from_slice(&crc.to_be_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_of_the_catalogue() {
        // CRC-16/X-25 of ASCII "123456789" is 0x906E (the standard check value).
        assert_eq!(crc16_x25(b"123456789"), 0x906e);
    }

    #[test]
    fn login_and_its_answer_from_the_notes() {
        // 78 78 | 0D | 01 | 08 64 71 70 03 28 35 81 | 00 09 | 3F 04 | 0D 0A
        let login = [
            0x0d, 0x01, 0x08, 0x64, 0x71, 0x70, 0x03, 0x28, 0x35, 0x81, 0x00, 0x09,
        ];
        assert_eq!(crc16_x25(&login), 0x3f04);
        // 78 78 | 05 | 01 | 00 09 | 55 94 | 0D 0A
        assert_eq!(
            build(false, 0x01, &[], 9),
            [0x78, 0x78, 0x05, 0x01, 0x00, 0x09, 0x55, 0x94, 0x0d, 0x0a]
        );
    }
}
