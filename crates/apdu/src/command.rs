use std::fmt;

use crate::ApduError;

/// Largest data field of a short APDU (Lc is one byte, 1..=255).
pub const MAX_SHORT_DATA: usize = 255;
/// Largest expected response length of a short APDU (Le = 00 means 256).
pub const MAX_SHORT_NE: usize = 256;
/// Largest data field of an extended APDU (Lc is two bytes, 1..=65535).
pub const MAX_EXTENDED_DATA: usize = 65_535;
/// Largest expected response length of an extended APDU (Le = 0000 means 65536).
pub const MAX_EXTENDED_NE: usize = 65_536;

/// How the length fields Lc/Le are encoded (ISO/IEC 7816-4 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LengthEncoding {
    /// Short when everything fits, extended otherwise.
    #[default]
    Auto,
    /// One-byte Lc and Le; encoding fails if the command needs more.
    Short,
    /// Three-byte (and two-byte) Lc/Le fields, even for small values.
    Extended,
}

/// A command APDU (ISO/IEC 7816-4 §5.1): header CLA INS P1 P2, an optional data field and an
/// optional expected response length Ne.
///
/// Ne is kept as the number of bytes expected (1..=65536), not as its encoding, so the
/// special cases (`Le = 00` means 256, extended `Le = 0000` means 65536) live in one place:
/// [`Command::to_bytes`] and [`Command::from_bytes`].
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    data: Vec<u8>,
    ne: Option<usize>,
    encoding: LengthEncoding,
}

impl Command {
    /// A case 1 command (header only).
    pub const fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            ne: None,
            encoding: LengthEncoding::Auto,
        }
    }

    /// Sets the data field (cases 3 and 4). An empty data field means no Lc.
    #[must_use]
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets the expected response length Ne in bytes (cases 2 and 4): 256 is short `Le = 00`,
    /// 65536 is extended `Le = 0000`. Validated by [`Command::to_bytes`].
    #[must_use]
    pub fn with_ne(mut self, ne: usize) -> Self {
        self.ne = Some(ne);
        self
    }

    /// Removes the expected response length.
    #[must_use]
    pub fn without_ne(mut self) -> Self {
        self.ne = None;
        self
    }

    /// Forces a length encoding.
    #[must_use]
    pub fn with_encoding(mut self, encoding: LengthEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The data field.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The expected response length, if any.
    pub fn ne(&self) -> Option<usize> {
        self.ne
    }

    /// The length encoding asked for.
    pub fn encoding(&self) -> LengthEncoding {
        self.encoding
    }

    /// True when the command needs extended length fields with its current data and Ne.
    pub fn needs_extended(&self) -> bool {
        self.data.len() > MAX_SHORT_DATA || self.ne.is_some_and(|ne| ne > MAX_SHORT_NE)
    }

    /// True when [`Command::to_bytes`] will use extended length fields.
    pub fn is_extended(&self) -> bool {
        match self.encoding {
            LengthEncoding::Auto => self.needs_extended(),
            LengthEncoding::Short => false,
            LengthEncoding::Extended => !self.data.is_empty() || self.ne.is_some(),
        }
    }

    /// Encodes the command (ISO/IEC 7816-4 §5.1, cases 1, 2S, 3S, 4S, 2E, 3E, 4E).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        if let Some(ne) = self.ne
            && !(1..=MAX_EXTENDED_NE).contains(&ne)
        {
            return Err(ApduError::InvalidNe { ne });
        }
        if self.data.len() > MAX_EXTENDED_DATA {
            return Err(ApduError::DataTooLong {
                len: self.data.len(),
                max: MAX_EXTENDED_DATA,
            });
        }
        if self.encoding == LengthEncoding::Short && self.needs_extended() {
            return Err(ApduError::NeedsExtended {
                data: self.data.len(),
                ne: self.ne.unwrap_or(0),
            });
        }
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 2);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(ne) = self.ne {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                // 65536 encodes as 0000; the truncation is the encoding rule.
                out.extend_from_slice(&((ne % 65_536) as u16).to_be_bytes());
            } else {
                // 256 encodes as 00.
                out.push((ne % 256) as u8);
            }
        }
        Ok(out)
    }

    /// Decodes a command APDU, recognising all seven cases of ISO/IEC 7816-4 §5.1. The
    /// resulting command remembers whether it came in short or extended form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ApduError> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(ApduError::MalformedCommand(
                "shorter than the 4-byte header",
            ));
        };
        let mut cmd = Self::new(*cla, *ins, *p1, *p2);
        match body {
            [] => {}
            [le] => {
                cmd = cmd
                    .with_ne(if *le == 0 { 256 } else { *le as usize })
                    .with_encoding(LengthEncoding::Short)
            }
            [0, rest @ ..] if rest.len() >= 2 => {
                cmd.encoding = LengthEncoding::Extended;
                let n = u16::from_be_bytes([rest[0], rest[1]]) as usize;
                let tail = &rest[2..];
                if tail.is_empty() {
                    cmd.ne = Some(if n == 0 { 65_536 } else { n });
                } else {
                    if n == 0 {
                        return Err(ApduError::MalformedCommand("extended Lc of zero"));
                    }
                    if tail.len() < n {
                        return Err(ApduError::MalformedCommand("data field shorter than Lc"));
                    }
                    cmd.data = tail[..n].to_vec();
                    match &tail[n..] {
                        [] => {}
                        [a, b] => {
                            let le = u16::from_be_bytes([*a, *b]) as usize;
                            cmd.ne = Some(if le == 0 { 65_536 } else { le });
                        }
                        _ => {
                            return Err(ApduError::MalformedCommand(
                                "bytes after the data field do not form an extended Le",
                            ));
                        }
                    }
                }
            }
            [lc, rest @ ..] => {
                if *lc == 0 {
                    return Err(ApduError::MalformedCommand("short Lc of zero"));
                }
                let n = *lc as usize;
                if rest.len() < n {
                    return Err(ApduError::MalformedCommand("data field shorter than Lc"));
                }
                cmd.encoding = LengthEncoding::Short;
                cmd.data = rest[..n].to_vec();
                match &rest[n..] {
                    [] => {}
                    [le] => cmd.ne = Some(if *le == 0 { 256 } else { *le as usize }),
                    _ => {
                        return Err(ApduError::MalformedCommand(
                            "bytes after the data field do not form a short Le",
                        ));
                    }
                }
            }
        }
        Ok(cmd)
    }
}

impl fmt::Debug for Command {
    // The data field may hold personal data or key material: only its length is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, data: {} bytes, ne: {:?}",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.ne
        )?;
        if self.is_extended() {
            f.write_str(", extended")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap_or_else(|e| panic!("bad test hex {s}: {e}"))
    }

    #[test]
    fn encoding_table() {
        let base = Command::new(0x00, 0xB0, 0x00, 0x00);
        let long_case = format!("00A4020C000100{}0100", "AB".repeat(256));
        let cases: Vec<(Command, &str)> = vec![
            (
                Command::new(0x00, 0x84, 0, 0).with_encoding(LengthEncoding::Auto),
                "00840000",
            ),
            (base.clone().with_ne(8), "00B0000008"),
            (base.clone().with_ne(255), "00B00000FF"),
            (base.clone().with_ne(256), "00B0000000"),
            (base.clone().with_ne(257), "00B00000000101"),
            (base.clone().with_ne(65_535), "00B0000000FFFF"),
            (base.clone().with_ne(65_536), "00B00000000000"),
            (
                base.clone()
                    .with_ne(1)
                    .with_encoding(LengthEncoding::Extended),
                "00B00000000001",
            ),
            (
                Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(hex("A0000002471001")),
                "00A4040C07A0000002471001",
            ),
            (
                Command::new(0x00, 0xA4, 0x02, 0x0C)
                    .with_data(hex("011C"))
                    .with_ne(256),
                "00A4020C02011C00",
            ),
            (
                Command::new(0x00, 0xA4, 0x02, 0x0C)
                    .with_data(hex("011C"))
                    .with_ne(65_536)
                    .with_encoding(LengthEncoding::Extended),
                "00A4020C000002011C0000",
            ),
            (
                Command::new(0x00, 0xA4, 0x02, 0x0C)
                    .with_data(hex("011C"))
                    .with_encoding(LengthEncoding::Extended),
                "00A4020C000002011C",
            ),
            (
                Command::new(0x00, 0xA4, 0x02, 0x0C)
                    .with_data(vec![0xAB; 256])
                    .with_ne(256),
                &long_case,
            ),
        ];
        for (cmd, want) in cases {
            assert_eq!(
                hex::encode_upper(cmd.to_bytes().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))),
                want,
                "{cmd:?}"
            );
            let back = Command::from_bytes(&hex(want)).unwrap_or_else(|e| panic!("{want}: {e}"));
            assert_eq!(back.data(), cmd.data(), "{want}");
            assert_eq!(back.ne(), cmd.ne(), "{want}");
            assert_eq!(back.is_extended(), cmd.is_extended(), "{want}");
        }
    }

    #[test]
    fn impossible_lengths_are_rejected() {
        let base = Command::new(0x00, 0xB0, 0x00, 0x00);
        assert_eq!(
            base.clone().with_ne(0).to_bytes(),
            Err(ApduError::InvalidNe { ne: 0 })
        );
        assert_eq!(
            base.clone().with_ne(65_537).to_bytes(),
            Err(ApduError::InvalidNe { ne: 65_537 })
        );
        assert_eq!(
            base.clone().with_data(vec![0; 65_536]).to_bytes(),
            Err(ApduError::DataTooLong {
                len: 65_536,
                max: 65_535
            })
        );
        assert_eq!(
            base.clone()
                .with_ne(257)
                .with_encoding(LengthEncoding::Short)
                .to_bytes(),
            Err(ApduError::NeedsExtended { data: 0, ne: 257 })
        );
        assert!(
            base.with_data(vec![0; 256])
                .with_encoding(LengthEncoding::Short)
                .to_bytes()
                .is_err()
        );
    }

    #[test]
    fn malformed_commands_are_rejected() {
        for bad in [
            "",
            "00",
            "00A404",
            "00A4040C0201",
            "00A4040C02011C0000",
            "00A4040C0001",
            "00A4040C00000501",
            "00A4040C000002011C00",
        ] {
            assert!(
                Command::from_bytes(&hex(bad)).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn debug_hides_data() {
        let cmd = Command::new(0, 0x22, 0xC1, 0xA4).with_data(hex("800A04007F00070202040202"));
        assert_eq!(
            format!("{cmd:?}"),
            "Command(00 22 C1 A4, data: 12 bytes, ne: None)"
        );
    }

    proptest! {
        #[test]
        fn encode_decode_round_trip(
            header in any::<[u8; 4]>(),
            data in proptest::collection::vec(any::<u8>(), 0..600),
            ne in proptest::option::of(1usize..=65_536),
            forced in any::<bool>(),
        ) {
            let mut cmd = Command::new(header[0], header[1], header[2], header[3]).with_data(data);
            if let Some(ne) = ne { cmd = cmd.with_ne(ne); }
            if forced { cmd = cmd.with_encoding(LengthEncoding::Extended); }
            let bytes = cmd.to_bytes().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = Command::from_bytes(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back.data(), cmd.data());
            prop_assert_eq!(back.ne(), cmd.ne());
            prop_assert_eq!(back.to_bytes().map_err(|e| TestCaseError::fail(e.to_string()))?, bytes);
        }

        #[test]
        fn decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Command::from_bytes(&bytes);
        }
    }
}
