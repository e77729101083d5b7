//! A card whose answers are the fuzz input, and secure messaging's response unwrapping over it.
//!
//! Each answer is one part of the input ([`crate::parts`]). A plain command gets the part as
//! its raw answer (data and status word). A protected command (CLA with the SM bits, ICAO
//! 9303-11 §9.8.5) is first unwrapped on the chip's side with each session the card knows
//! (keys, initial SSC and the number of protected exchanges so far), then answered according to
//! the part's first byte:
//!
//! - `00`: the rest as the raw answer (a forged or garbled protected response);
//! - `01`: the rest is a plain answer (data, then SW1 SW2) protected as a chip does
//!   ([`CardSecureMessaging::wrap_response`]);
//! - `02`: the rest is data objects of the card's own choosing, then SW1 SW2, with a valid MAC
//!   over them ([`CardSecureMessaging::authenticate_response`]), to reach what the terminal does
//!   after the MAC check;
//! - `03`: the card is taken away (`CardRemoved`), as when a part is missing.
//!
//! Any other first byte counts modulo 4. When no session unwraps the command, the part is the
//! raw answer.

use std::collections::VecDeque;

use apdu::{CardTransaction, Response, StatusWord, TransportError};
use icao9303::Cipher;
use icao9303::read::{FileReader, LdsFile, ReadOptions};
use icao9303::sm::{CardSecureMessaging, SecureMessaging, SmKeys, largest_short_read};

use crate::access::CaChip;
use crate::parts;

/// A secure-messaging session the fuzzed card shares with the terminal.
#[derive(Debug, Clone, Copy)]
pub struct SmSession {
    /// The cipher.
    pub cipher: Cipher,
    /// `KS_enc`, hex.
    pub k_enc: &'static str,
    /// `KS_mac`, hex.
    pub k_mac: &'static str,
    /// The initial send sequence counter, hex.
    pub ssc: &'static str,
}

/// The AES-128 session of ICAO 9303-11 Appendix G.1 (PACE with ECDH generic mapping): what a
/// CCCD opened with PACE uses, SSC zero.
pub const SM_AES_KEYS: SmSession = SmSession {
    cipher: Cipher::Aes128,
    k_enc: "F5F0E35C0D7161EE6724EE513A0D9A7F",
    k_mac: "FE251C7858B356B24514B3BD5F4297D1",
    ssc: "00000000000000000000000000000000",
};

/// The 3DES session of ICAO 9303-11 Appendix D.3 (BAC), with its SSC.
pub const SM_TDES_KEYS: SmSession = SmSession {
    cipher: Cipher::Tdes,
    k_enc: "979EC13B1CBFE9DCD01AB0FED307EAE5",
    k_mac: "F1CB1F1FB5ADF208806B89DC579DC1F8",
    ssc: "887022120C06C226",
};

impl SmSession {
    /// The session keys.
    pub fn keys(&self) -> SmKeys {
        let (enc, mac) = (hex_bytes(self.k_enc), hex_bytes(self.k_mac));
        // The constants above have the cipher's key length.
        SmKeys::new(self.cipher, &enc, &mac).unwrap_or_else(|_| unreachable!("fixed keys"))
    }

    /// The initial SSC.
    pub fn ssc(&self) -> Vec<u8> {
        hex_bytes(self.ssc)
    }
}

/// Hex constants of this crate (always valid).
pub(crate) fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `ssc + n` as a big-endian integer of the same length.
fn ssc_plus(ssc: &[u8], n: u64) -> Vec<u8> {
    let mut out = ssc.to_vec();
    let mut carry = u128::from(n);
    for b in out.iter_mut().rev() {
        let v = u128::from(*b) + (carry & 0xFF);
        *b = (v & 0xFF) as u8;
        carry = (carry >> 8) + (v >> 8);
    }
    out
}

/// A session on the chip's side: keys, initial SSC, protected exchanges so far.
pub(crate) struct ChipSession {
    pub(crate) keys: SmKeys,
    pub(crate) ssc: Vec<u8>,
    pub(crate) exchanges: u64,
}

impl ChipSession {
    pub(crate) fn new(keys: SmKeys, ssc: Vec<u8>) -> Self {
        Self {
            keys,
            ssc,
            exchanges: 0,
        }
    }

    /// The chip's state before the next exchange: each exchange moves the SSC on by two (the
    /// command, then the response, §9.8.2).
    fn chip(&self) -> CardSecureMessaging {
        let ssc = ssc_plus(&self.ssc, 2 * self.exchanges);
        // Same keys and SSC length as the terminal's session.
        CardSecureMessaging::new(self.keys.clone(), &ssc)
            .unwrap_or_else(|_| unreachable!("the keys and SSC come from a working session"))
    }
}

/// The fuzzed card. `strict`: every protected command must verify under the first session (the
/// terminal's protection is then checked on every exchange).
pub(crate) struct FuzzCard<'a> {
    answers: VecDeque<&'a [u8]>,
    pub(crate) sessions: Vec<ChipSession>,
    strict: bool,
    /// The chip's side of chip authentication, when the card does it: it switches the card to
    /// the new keys.
    pub(crate) chip_authentication: Option<CaChip>,
}

impl<'a> FuzzCard<'a> {
    pub(crate) fn new(answers: &[&'a [u8]], sessions: Vec<ChipSession>, strict: bool) -> Self {
        Self {
            answers: answers.iter().copied().collect(),
            sessions,
            strict,
            chip_authentication: None,
        }
    }

    fn protected(&mut self, command: &[u8], part: &[u8]) -> Result<Vec<u8>, TransportError> {
        let unwrapped = self.sessions.iter().enumerate().find_map(|(i, s)| {
            let mut chip = s.chip();
            chip.unwrap_command(command)
                .ok()
                .map(|plain| (i, chip, plain))
        });
        let Some((i, mut chip, plain)) = unwrapped else {
            assert!(
                !self.strict,
                "the terminal's protected command does not verify on the chip's side"
            );
            return Ok(part.to_vec());
        };
        self.sessions[i].exchanges += 1;
        let (mode, rest) = part.split_first().map_or((3, &[][..]), |(m, r)| (m % 4, r));
        let (payload, sw) = match rest.len().checked_sub(2) {
            Some(n) => (&rest[..n], StatusWord::from_bytes(rest[n], rest[n + 1])),
            None => (rest, StatusWord::SUCCESS),
        };
        let answer = match mode {
            0 => return Ok(rest.to_vec()),
            1 => chip.wrap_response(&Response::new(payload.to_vec(), sw)),
            2 => chip.authenticate_response(payload, sw),
            _ => return Err(TransportError::CardRemoved),
        }
        .map_err(TransportError::SessionLost)?;
        if let Some(ca) = &mut self.chip_authentication {
            ca.answered(&mut self.sessions, &plain, sw);
        }
        Ok(answer)
    }
}

impl CardTransaction for FuzzCard<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let part = self
            .answers
            .pop_front()
            .ok_or(TransportError::CardRemoved)?;
        match command.first() {
            Some(cla) if cla & 0x0C == 0x0C => self.protected(command, part),
            _ => Ok(part.to_vec()),
        }
    }
}

/// The files read in turn, as a read asks for them.
const FILES: [LdsFile; 6] = [
    LdsFile::Com,
    LdsFile::Dg(1),
    LdsFile::Dg(13),
    LdsFile::Sod,
    LdsFile::Dg(14),
    LdsFile::Dg(2),
];

/// Reads files over a secure-messaging session with the card until one fails for a reason
/// other than the card's refusal (`6A82`...): the file reader's READ BINARY chunks and secure
/// messaging's unwrapping of each answer. Returns how many files were read.
pub(crate) fn read_files<T: CardTransaction>(sm: &mut SecureMessaging<T>) -> usize {
    let mut reader = FileReader::new(ReadOptions::default());
    reader.set_session_limit(Some(largest_short_read(sm.cipher())));
    let mut read = 0;
    for file in FILES {
        match reader.read_file(sm, file) {
            Ok(_) => read += 1,
            Err(icao9303::Error::CardRefused { .. }) => {}
            Err(_) => break,
        }
    }
    read
}

/// Secure messaging's response unwrapping (ICAO 9303-11 §9.8.5.2) over the fuzzed card: the
/// first byte chooses the session (even: AES-128 of [`SM_AES_KEYS`], odd: 3DES of
/// [`SM_TDES_KEYS`]), the rest is the card's answers to a read of EF.COM, DG1, DG13, EF.SOD,
/// DG14 and DG2 (see the module documentation for what each answer's first byte means). Every
/// command the terminal protects must verify on the chip's side.
pub fn sm_response(data: &[u8]) {
    let _ = sm_files_read(data);
}

/// [`sm_response`], telling how many files were read whole.
pub fn sm_files_read(data: &[u8]) -> usize {
    let Some((&choice, rest)) = data.split_first() else {
        return 0;
    };
    let session = if choice % 2 == 0 {
        SM_AES_KEYS
    } else {
        SM_TDES_KEYS
    };
    let answers = parts(rest);
    let chip = ChipSession::new(session.keys(), session.ssc());
    let card = FuzzCard::new(&answers, vec![chip], true);
    // The fixed keys and SSC have the cipher's lengths.
    let Ok(mut sm) = SecureMessaging::new(card, session.keys(), &session.ssc()) else {
        unreachable!("fixed keys")
    };
    read_files(&mut sm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssc_arithmetic_carries() {
        assert_eq!(ssc_plus(&[0, 0xFF], 1), vec![1, 0]);
        assert_eq!(ssc_plus(&[0x12, 0x34], 0x102), vec![0x13, 0x36]);
        assert_eq!(ssc_plus(&[0xFF], 1), vec![0]);
    }

    #[test]
    fn a_wrapped_answer_reads_a_file() {
        // EF.COM of ICAO 9303-11 D.4, answered in one chunk, wrapped by the chip.
        let com = hex_bytes("60145F0104303130365F36063034303030305C026175");
        let mut wrapped = vec![1];
        wrapped.extend_from_slice(&com);
        wrapped.extend_from_slice(&[0x90, 0x00]);
        for session in [SM_AES_KEYS, SM_TDES_KEYS] {
            let answers = [&wrapped[..]];
            let chip = ChipSession::new(session.keys(), session.ssc());
            let card = FuzzCard::new(&answers, vec![chip], true);
            let mut sm = SecureMessaging::new(card, session.keys(), &session.ssc()).unwrap();
            let mut reader = FileReader::new(ReadOptions::default());
            reader.set_session_limit(Some(largest_short_read(sm.cipher())));
            assert_eq!(reader.read_file(&mut sm, LdsFile::Com).unwrap(), com);
        }
    }
}
