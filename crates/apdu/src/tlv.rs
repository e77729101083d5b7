//! BER-TLV (ISO/IEC 7816-4 §5.2 and ISO/IEC 8825-1) helpers.
//!
//! Whole-object parsing is done by `iso7816-tlv`, re-exported here. What it does not offer, and
//! file reading needs, is decoding only the header of an object from its first bytes, to learn
//! how long a file is before it has been read in full; and the protocols build their data
//! objects straight into a command buffer ([`push_tlv`]) rather than through its tree of owned
//! values with fallible tags.

pub use iso7816_tlv::ber;

/// The header of a BER-TLV object: tag bytes and the length of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag as a big-endian number of its 1 to 3 bytes.
    pub tag: u32,
    /// Number of bytes taken by tag and length fields.
    pub header_len: usize,
    /// Length of the value field.
    pub value_len: usize,
}

impl Header {
    /// Total size of the object: header plus value.
    pub fn total_len(&self) -> usize {
        self.header_len + self.value_len
    }
}

/// Appends a BER-TLV length field for `len` bytes in its shortest definite form (ISO/IEC 7816-4
/// §5.2, ISO/IEC 8825-1 §8.1.3): one byte up to 127, else `81`, `82` or `83` and the length.
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

/// Appends the BER-TLV object with the (already encoded) `tag` and `value`.
pub fn push_tlv(out: &mut Vec<u8>, tag: &[u8], value: &[u8]) {
    out.extend_from_slice(tag);
    push_length(out, value.len());
    out.extend_from_slice(value);
}

/// The BER-TLV object with a one-byte `tag` and `value`.
pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 5);
    push_tlv(&mut out, &[tag], value);
    out
}

/// Why a TLV header could not be decoded.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// More bytes are needed to finish the header.
    #[error("TLV header incomplete: {needed} bytes needed")]
    Incomplete {
        /// How many bytes the header needs at least.
        needed: usize,
    },
    /// The header is not valid BER-TLV (tag longer than 3 bytes, indefinite or over-long length).
    #[error("invalid TLV header at byte {0}")]
    Invalid(usize),
}

/// Decodes the header of the BER-TLV object at the start of `bytes` (definite lengths only:
/// the LDS forbids the indefinite form in data groups).
pub fn decode_header(bytes: &[u8]) -> Result<Header, HeaderError> {
    let first = *bytes.first().ok_or(HeaderError::Incomplete { needed: 2 })?;
    let mut tag = first as u32;
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *bytes
                .get(i)
                .ok_or(HeaderError::Incomplete { needed: i + 2 })?;
            tag = (tag << 8) | b as u32;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i >= 3 {
                return Err(HeaderError::Invalid(i));
            }
        }
    }
    let l = *bytes
        .get(i)
        .ok_or(HeaderError::Incomplete { needed: i + 1 })?;
    i += 1;
    let value_len = match l {
        0..=0x7F => l as usize,
        0x81..=0x84 => {
            let n = (l & 0x7F) as usize;
            let len_bytes = bytes
                .get(i..i + n)
                .ok_or(HeaderError::Incomplete { needed: i + n })?;
            i += n;
            len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | *b as usize)
        }
        _ => return Err(HeaderError::Invalid(i - 1)),
    };
    Ok(Header {
        tag,
        header_len: i,
        value_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            decode_header(&[0x60, 0x16]),
            Ok(Header {
                tag: 0x60,
                header_len: 2,
                value_len: 0x16
            })
        );
        assert_eq!(
            decode_header(&[0x77, 0x82, 0x07, 0xD0, 0x30]),
            Ok(Header {
                tag: 0x77,
                header_len: 4,
                value_len: 2000
            })
        );
        assert_eq!(
            decode_header(&[0x5F, 0x1F, 0x81, 0x90]),
            Ok(Header {
                tag: 0x5F1F,
                header_len: 4,
                value_len: 0x90
            })
        );
        assert_eq!(
            decode_header(&[0x7F, 0x61, 0x83, 0x01, 0x00, 0x00]).map(|h| h.total_len()),
            Ok(6 + 65_536)
        );
        assert_eq!(
            decode_header(&[0x77, 0x82, 0x07]),
            Err(HeaderError::Incomplete { needed: 4 })
        );
        assert_eq!(
            decode_header(&[]),
            Err(HeaderError::Incomplete { needed: 2 })
        );
        assert_eq!(decode_header(&[0x30, 0x80]), Err(HeaderError::Invalid(1)));
        assert_eq!(
            decode_header(&[0x5F, 0x81, 0x81, 0x81, 0x01]),
            Err(HeaderError::Invalid(3))
        );
    }

    #[test]
    fn encoded_objects_decode_to_their_own_header() {
        for (len, length_field) in [
            (0, vec![0x00]),
            (0x7F, vec![0x7F]),
            (0x80, vec![0x81, 0x80]),
            (0xFF, vec![0x81, 0xFF]),
            (0x100, vec![0x82, 0x01, 0x00]),
            (0xFFFF, vec![0x82, 0xFF, 0xFF]),
            (0x1_0000, vec![0x83, 0x01, 0x00, 0x00]),
        ] {
            let value = vec![0xA5; len];
            let one = tlv(0x53, &value);
            assert_eq!(one[1..1 + length_field.len()], length_field[..], "{len}");
            let h = decode_header(&one).unwrap();
            assert_eq!((h.tag, h.value_len, h.total_len()), (0x53, len, one.len()));
            let mut two = vec![0xEE];
            push_tlv(&mut two, &[0x7F, 0x49], &value);
            assert_eq!(two[0], 0xEE, "appends");
            let h = decode_header(&two[1..]).unwrap();
            assert_eq!(
                (h.tag, h.value_len, h.total_len()),
                (0x7F49, len, two.len() - 1)
            );
            assert_eq!(&two[two.len() - len..], &value[..]);
        }
    }
}
