use std::fmt;

use crate::{ApduError, StatusWord};

/// A response APDU (ISO/IEC 7816-4 §5.1): a data field followed by the status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The data field (may be empty).
    pub data: Vec<u8>,
    /// The trailing status word.
    pub sw: StatusWord,
}

impl Response {
    /// A response with data and a status word.
    pub fn new(data: impl Into<Vec<u8>>, sw: StatusWord) -> Self {
        Self {
            data: data.into(),
            sw,
        }
    }

    /// A response with no data.
    pub const fn status(sw: StatusWord) -> Self {
        Self {
            data: Vec::new(),
            sw,
        }
    }

    /// Splits the raw bytes of a response into data and status word.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ApduError> {
        match bytes {
            [data @ .., sw1, sw2] => Ok(Self {
                data: data.to_vec(),
                sw: StatusWord::from_bytes(*sw1, *sw2),
            }),
            _ => Err(ApduError::MalformedResponse(
                "fewer than the 2 status bytes",
            )),
        }
    }

    /// Raw bytes: data followed by SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }

    /// True when the status word is 9000.
    pub fn is_success(&self) -> bool {
        self.sw.is_success()
    }
}

impl fmt::Debug for Response {
    // The data may be personal data: only its length is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({} bytes, {})", self.data.len(), self.sw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_data_and_status() {
        let r = Response::from_bytes(&[1, 2, 3, 0x90, 0x00]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.data, vec![1, 2, 3]);
        assert!(r.is_success());
        assert_eq!(r.to_bytes(), vec![1, 2, 3, 0x90, 0x00]);
        let r = Response::from_bytes(&[0x6A, 0x82]).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.data.is_empty());
        assert_eq!(r.sw, StatusWord::FILE_NOT_FOUND);
        assert!(Response::from_bytes(&[0x90]).is_err());
        assert!(Response::from_bytes(&[]).is_err());
        assert_eq!(format!("{r:?}"), "Response(0 bytes, 6A82)");
    }
}
