use std::fmt;

/// A status word SW1-SW2 that ends every response APDU (ISO/IEC 7816-4 §5.6).
///
/// Constants name the values this project meets; [`StatusWord::meaning`] explains any value in
/// words a technician can act on.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// 9000: normal processing.
    pub const SUCCESS: Self = Self(0x9000);
    /// 6282: end of file reached before reading Ne bytes (a warning; data is valid).
    pub const END_OF_FILE: Self = Self(0x6282);
    /// 6700: wrong length (Lc or Le).
    pub const WRONG_LENGTH: Self = Self(0x6700);
    /// 6882: secure messaging not supported.
    pub const SM_NOT_SUPPORTED: Self = Self(0x6882);
    /// 6982: security status not satisfied (access control needed first).
    pub const SECURITY_STATUS_NOT_SATISFIED: Self = Self(0x6982);
    /// 6983: authentication method blocked.
    pub const AUTHENTICATION_BLOCKED: Self = Self(0x6983);
    /// 6985: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    /// 6986: command not allowed (no current EF).
    pub const COMMAND_NOT_ALLOWED: Self = Self(0x6986);
    /// 6987: expected secure-messaging data objects missing.
    pub const SM_OBJECTS_MISSING: Self = Self(0x6987);
    /// 6988: incorrect secure-messaging data objects (bad MAC or cryptogram).
    pub const SM_OBJECTS_INCORRECT: Self = Self(0x6988);
    /// 6A80: incorrect parameters in the data field.
    pub const WRONG_DATA: Self = Self(0x6A80);
    /// 6A82: file or application not found.
    pub const FILE_NOT_FOUND: Self = Self(0x6A82);
    /// 6A86: incorrect parameters P1-P2.
    pub const WRONG_P1P2: Self = Self(0x6A86);
    /// 6A88: referenced data not found.
    pub const REFERENCED_DATA_NOT_FOUND: Self = Self(0x6A88);
    /// 6B00: wrong parameters P1-P2 (offset outside the EF).
    pub const WRONG_PARAMETERS: Self = Self(0x6B00);
    /// 6D00: instruction code not supported.
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    /// 6E00: class not supported.
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);
    /// 6F00: no precise diagnosis.
    pub const UNKNOWN_ERROR: Self = Self(0x6F00);

    /// Builds a status word from SW1 and SW2.
    pub const fn from_bytes(sw1: u8, sw2: u8) -> Self {
        Self(((sw1 as u16) << 8) | sw2 as u16)
    }

    /// SW1.
    pub const fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// SW2.
    pub const fn sw2(self) -> u8 {
        self.0 as u8
    }

    /// The two bytes, SW1 first.
    pub const fn to_bytes(self) -> [u8; 2] {
        [self.sw1(), self.sw2()]
    }

    /// True for 9000 only. Warnings such as 6282 are not success: callers decide.
    pub const fn is_success(self) -> bool {
        self.0 == 0x9000
    }

    /// 61xx: `Some(n)` response bytes are still available with GET RESPONSE (ISO/IEC 7816-4
    /// §5.3.4); xx = 00 means 256 or more.
    pub const fn bytes_remaining(self) -> Option<usize> {
        if self.sw1() == 0x61 {
            Some(if self.sw2() == 0 {
                256
            } else {
                self.sw2() as usize
            })
        } else {
            None
        }
    }

    /// 6Cxx: wrong Le, `Some(n)` is the exact length to ask for instead (xx = 00 means 256).
    pub const fn exact_length(self) -> Option<usize> {
        if self.sw1() == 0x6C {
            Some(if self.sw2() == 0 {
                256
            } else {
                self.sw2() as usize
            })
        } else {
            None
        }
    }

    /// What the status word means, in one line (ISO/IEC 7816-4 §5.6, tables 5 and 6).
    pub fn meaning(self) -> String {
        let fixed = match self.0 {
            0x9000 => "success",
            0x6200 => "warning: state of non-volatile memory unchanged",
            0x6281 => "warning: part of returned data may be corrupted",
            0x6282 => "warning: end of file reached before reading Ne bytes",
            0x6283 => "warning: selected file deactivated",
            0x6284 => "warning: file control information not formatted correctly",
            0x6300 => "warning: verification failed",
            0x6581 => "memory failure",
            0x6700 => "wrong length (Lc or Le)",
            0x6881 => "logical channel not supported",
            0x6882 => "secure messaging not supported",
            0x6883 => "last command of the chain expected",
            0x6884 => "command chaining not supported",
            0x6981 => "command incompatible with file structure",
            0x6982 => "security status not satisfied: access control needed first",
            0x6983 => "authentication method blocked",
            0x6984 => "reference data not usable",
            0x6985 => "conditions of use not satisfied",
            0x6986 => "command not allowed (no current EF)",
            0x6987 => "expected secure-messaging data objects missing",
            0x6988 => "incorrect secure-messaging data objects (session lost)",
            0x6A80 => "incorrect parameters in the data field",
            0x6A81 => "function not supported",
            0x6A82 => "file or application not found",
            0x6A83 => "record not found",
            0x6A84 => "not enough memory space in the file",
            0x6A86 => "incorrect parameters P1-P2",
            0x6A87 => "Lc inconsistent with P1-P2",
            0x6A88 => "referenced data not found",
            0x6B00 => "wrong parameters P1-P2 (offset outside the file)",
            0x6D00 => "instruction not supported",
            0x6E00 => "class not supported",
            0x6F00 => "no precise diagnosis (card error)",
            _ => "",
        };
        if !fixed.is_empty() {
            return fixed.to_string();
        }
        match self.sw1() {
            0x61 => format!(
                "{} more response bytes available (GET RESPONSE)",
                self.bytes_remaining().unwrap_or(0)
            ),
            0x6C => format!(
                "wrong Le: exactly {} bytes available",
                self.exact_length().unwrap_or(0)
            ),
            0x63 if self.sw2() & 0xF0 == 0xC0 => {
                format!("verification failed: {} tries left", self.sw2() & 0x0F)
            }
            0x62 | 0x63 => "warning (card specific)".to_string(),
            0x64 => "execution error: state of non-volatile memory unchanged".to_string(),
            0x65 => "execution error: state of non-volatile memory changed".to_string(),
            0x66 => "security-related issue".to_string(),
            0x68 => "function in CLA not supported".to_string(),
            0x69 => "command not allowed".to_string(),
            0x6A => "wrong parameters P1-P2".to_string(),
            0x90 => "success (proprietary SW2)".to_string(),
            _ => "unknown status word".to_string(),
        }
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meanings_of_common_words() {
        assert_eq!(StatusWord::SUCCESS.meaning(), "success");
        assert_eq!(
            StatusWord(0x6A82).meaning(),
            "file or application not found"
        );
        assert_eq!(
            StatusWord(0x6110).meaning(),
            "16 more response bytes available (GET RESPONSE)"
        );
        assert_eq!(
            StatusWord(0x6C00).meaning(),
            "wrong Le: exactly 256 bytes available"
        );
        assert_eq!(
            StatusWord(0x63C2).meaning(),
            "verification failed: 2 tries left"
        );
        assert_eq!(StatusWord(0x1234).meaning(), "unknown status word");
    }

    #[test]
    fn remaining_and_exact_lengths() {
        assert_eq!(StatusWord(0x6100).bytes_remaining(), Some(256));
        assert_eq!(StatusWord(0x61DF).bytes_remaining(), Some(0xDF));
        assert_eq!(StatusWord(0x9000).bytes_remaining(), None);
        assert_eq!(StatusWord(0x6C10).exact_length(), Some(16));
        assert_eq!(StatusWord(0x6700).exact_length(), None);
        assert_eq!(
            StatusWord::from_bytes(0x6A, 0x82),
            StatusWord::FILE_NOT_FOUND
        );
        assert_eq!(StatusWord::FILE_NOT_FOUND.to_bytes(), [0x6A, 0x82]);
        assert_eq!(StatusWord::FILE_NOT_FOUND.to_string(), "6A82");
    }
}
