//! Sending a [`Command`] and collecting its whole response, with the transport-level status
//! words handled where ISO/IEC 7816-4 says they belong: `61xx` (GET RESPONSE, §5.3.4 and
//! §11.4.2) and `6Cxx` (re-send with the exact Le).

use crate::{ApduError, CardTransaction, Command, Response, StatusWord};

/// How many 61xx/6Cxx rounds we follow before deciding the card is misbehaving. A 64 KiB
/// response in 256-byte GET RESPONSE chunks needs 256 rounds.
const MAX_ROUNDS: usize = 300;

/// Sends `command` and returns its complete response.
///
/// - `61xx`: sends GET RESPONSE (`CLA C0 00 00 xx`, the class of the command with SM and chaining
///   bits kept) until the card stops asking, and concatenates the data.
/// - `6Cxx`: re-sends the same command once with `Ne = xx`.
///
/// Any other status word is returned to the caller, who knows what it means.
pub fn exchange(
    tx: &mut (impl CardTransaction + ?Sized),
    command: &Command,
) -> Result<Response, ApduError> {
    let mut response = tx.transmit_command(command)?;
    let mut rounds = 0;
    if let Some(exact) = response.sw.exact_length() {
        tracing::trace!(sw = %response.sw, exact, "card asked for an exact Le; re-sending");
        let retry = command.clone().with_ne(exact);
        response = tx.transmit_command(&retry)?;
    }
    while let Some(remaining) = response.sw.bytes_remaining() {
        rounds += 1;
        if rounds > MAX_ROUNDS {
            return Err(ApduError::TooManyRounds(MAX_ROUNDS));
        }
        tracing::trace!(remaining, "card has more data; GET RESPONSE");
        let get = get_response(command.cla, remaining);
        let next = tx.transmit_command(&get)?;
        let mut data = std::mem::take(&mut response.data);
        data.extend_from_slice(&next.data);
        response = Response::new(data, next.sw);
    }
    Ok(response)
}

/// GET RESPONSE (ISO/IEC 7816-4 §11.4.2): `CLA C0 00 00 Le`. The class keeps the logical
/// channel and SM indication of the command it continues, without command chaining.
pub fn get_response(cla: u8, ne: usize) -> Command {
    Command::new(cla & !0x10, 0xC0, 0x00, 0x00).with_ne(ne.clamp(1, 256))
}

/// Method syntax for [`exchange`] on any transaction.
pub trait ExchangeExt: CardTransaction {
    /// See [`exchange`].
    fn exchange(&mut self, command: &Command) -> Result<Response, ApduError> {
        exchange(self, command)
    }

    /// Like [`ExchangeExt::exchange`] but returns an error-free `Response` only for 9000;
    /// otherwise `Err(sw)` so callers can match the status word.
    fn exchange_ok(&mut self, command: &Command) -> Result<Result<Vec<u8>, StatusWord>, ApduError> {
        let r = exchange(self, command)?;
        Ok(if r.sw.is_success() {
            Ok(r.data)
        } else {
            Err(r.sw)
        })
    }
}

impl<T: CardTransaction + ?Sized> ExchangeExt for T {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Transcript, TransportError};

    fn read(ne: usize) -> Command {
        Command::new(0x00, 0xB0, 0x00, 0x00).with_ne(ne)
    }

    #[test]
    fn get_response_is_followed_until_done() {
        let mut t = Transcript::from_hex(&[
            ("00B0000010", "0102036104"),
            ("00C0000004", "040506076102"),
            ("00C0000002", "08099000"),
        ]);
        let r = exchange(&mut t, &read(16)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.data, (1..=9).collect::<Vec<u8>>());
        assert!(r.is_success());
        t.finish().unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn get_response_61_00_means_256() {
        let mut t = Transcript::from_hex(&[
            ("00B0000000", "6100"),
            ("00C0000000", &format!("{}9000", "11".repeat(256))),
        ]);
        let r = exchange(&mut t, &read(256)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.data.len(), 256);
        t.finish().unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn wrong_le_is_resent_with_the_exact_length() {
        let mut t =
            Transcript::from_hex(&[("00B0000010", "6C05"), ("00B0000005", "01020304056282")]);
        let r = exchange(&mut t, &read(16)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.data, vec![1, 2, 3, 4, 5]);
        assert_eq!(r.sw, StatusWord::END_OF_FILE);
        t.finish().unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn wrong_le_then_more_data() {
        let mut t = Transcript::from_hex(&[
            ("80CA9F7F00", "6C2D"),
            ("80CA9F7F2D", "61FF"),
            ("80C00000FF", "AA9000"),
        ]);
        let r = exchange(&mut t, &Command::new(0x80, 0xCA, 0x9F, 0x7F).with_ne(256))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.data, vec![0xAA]);
        t.finish().unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn other_status_words_are_returned_not_errors() {
        let mut t = Transcript::from_hex(&[("00A4040C07A0000002471001", "6A82")]);
        let cmd = Command::new(0, 0xA4, 4, 0x0C)
            .with_data(hex::decode("A0000002471001").unwrap_or_default());
        let r = exchange(&mut t, &cmd).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.sw, StatusWord::FILE_NOT_FOUND);
        t.finish().unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn transport_errors_pass_through() {
        let mut t = Transcript::new(vec![]).then_fail(TransportError::CardRemoved);
        assert_eq!(
            exchange(&mut t, &read(4)),
            Err(ApduError::Transport(TransportError::CardRemoved))
        );
    }

    #[test]
    fn endless_61xx_is_cut_off() {
        struct Endless;
        impl CardTransaction for Endless {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x61, 0x01])
            }
        }
        assert_eq!(
            exchange(&mut Endless, &read(1)),
            Err(ApduError::TooManyRounds(MAX_ROUNDS))
        );
    }
}
