//! BER-TLV encoding in the shortest definite form (ISO/IEC 7816-4 §5.2, ITU-T X.690 §8.1.3 and
//! its DER restriction §10.1): what command data objects, EF contents and test fixtures are built
//! with. Objects are appended to a buffer rather than built as a tree, since every caller knows
//! its layout.

/// Appends a length field for `len` bytes in its shortest definite form: one byte up to 127,
/// else `81`, `82` or `83` and the length.
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

/// Appends the object with the (already encoded) `tag` and `value`.
pub fn push_tlv(out: &mut Vec<u8>, tag: &[u8], value: &[u8]) {
    out.extend_from_slice(tag);
    push_length(out, value.len());
    out.extend_from_slice(value);
}

/// The object with a one-byte `tag` and `value`.
pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 5);
    push_tlv(&mut out, &[tag], value);
    out
}

/// The contents of a DER INTEGER holding the non-negative `v` (X.690 §8.3: minimal two's
/// complement, a leading zero byte when the high bit is set).
pub fn unsigned_integer_contents(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let start = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut out = Vec::with_capacity(9);
    if bytes[start] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&bytes[start..]);
    out
}

/// A DER INTEGER holding the non-negative `v`.
pub fn unsigned_integer(v: u64) -> Vec<u8> {
    tlv(0x02, &unsigned_integer_contents(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal() {
        assert_eq!(unsigned_integer(0), [0x02, 0x01, 0x00]);
        assert_eq!(unsigned_integer(5), [0x02, 0x01, 0x05]);
        assert_eq!(unsigned_integer(0x80), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(unsigned_integer(0x0100), [0x02, 0x02, 0x01, 0x00]);
        assert_eq!(
            unsigned_integer(u64::MAX),
            [
                0x02, 0x09, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF
            ]
        );
        for v in [0u64, 1, 127, 128, 255, 256, 65_535, 1 << 40, u64::MAX] {
            let c = unsigned_integer_contents(v);
            assert_eq!(crate::ber::uint_of(&c), Some(v));
        }
    }
}
