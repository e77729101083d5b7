//! BER-TLV (ISO/IEC 7816-4 §5.2 and ISO/IEC 8825-1) helpers.
//!
//! Whole-object parsing is done by `iso7816-tlv`, re-exported here. What it does not offer, and
//! file reading needs, is decoding only the header of an object from its first bytes, to learn
//! how long a file is before it has been read in full.

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
}
