//! SCARD error codes to [`TransportError`], including the judgement of what a failure in the
//! middle of an exchange really was.

use apdu::TransportError;

/// Maps a PC/SC error to the transport error the layers above understand.
///
/// `reader` names the reader concerned, when known, for "no such reader" errors.
pub fn map_error(error: pcsc::Error, reader: Option<&str>) -> TransportError {
    use pcsc::Error as E;
    match error {
        E::NoService | E::ServiceStopped | E::Shutdown => TransportError::NoService,
        E::NoReadersAvailable => TransportError::NoReader(None),
        E::UnknownReader | E::ReaderUnavailable | E::ReaderUnsupported => {
            TransportError::NoReader(reader.map(str::to_owned))
        }
        E::NoSmartcard => TransportError::NoCard,
        E::RemovedCard => TransportError::CardRemoved,
        E::ResetCard => TransportError::CardReset,
        E::SharingViolation => TransportError::SharingViolation,
        E::Timeout | E::WaitedTooLong => TransportError::Timeout,
        E::NotTransacted => TransportError::NotTransacted,
        E::Cancelled | E::SystemCancelled | E::CancelledByUser => TransportError::Cancelled,
        E::UnresponsiveCard | E::UnpoweredCard | E::UnsupportedCard | E::InvalidAtr => {
            TransportError::Unresponsive
        }
        other => TransportError::Other {
            code: other as u32,
            message: other.to_string(),
        },
    }
}

/// What the reader showed right after a failed exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// The same card is still there (no insertion or removal event since the connection).
    SameCard,
    /// The reader reports no card, or a different card (events happened in between).
    GoneOrReplaced,
    /// The reader itself disappeared.
    NoReader,
    /// The service could not be asked.
    Unknown,
}

/// Decides what a failed `SCardTransmit` means.
///
/// When a card is pulled mid-exchange, pcscd reports one of several codes depending on the
/// driver and the moment (`SCARD_W_REMOVED_CARD`, `SCARD_E_NO_SMARTCARD`,
/// `SCARD_E_NOT_TRANSACTED`, `SCARD_F_COMM_ERROR`, `SCARD_W_RESET_CARD`, ...). The code alone is
/// not enough, so the reader's state is checked afterwards: if the card is gone, the answer is
/// always [`TransportError::CardRemoved`]. A `NOT_TRANSACTED` on a command longer than a short
/// APDU with the card still present is a reader that drops extended APDUs (known on ACR1281).
pub fn classify_exchange_failure(
    error: pcsc::Error,
    command_len: usize,
    presence: Presence,
    reader: &str,
) -> TransportError {
    use pcsc::Error as E;
    let mapped = map_error(error, Some(reader));
    if matches!(
        mapped,
        TransportError::NoService | TransportError::Cancelled
    ) {
        return mapped;
    }
    match presence {
        Presence::GoneOrReplaced => TransportError::CardRemoved,
        Presence::NoReader => TransportError::NoReader(Some(reader.to_owned())),
        Presence::SameCard | Presence::Unknown => match error {
            E::NotTransacted | E::CommError | E::InvalidParameter
                if command_len > SHORT_APDU_MAX && presence == Presence::SameCard =>
            {
                TransportError::CommandTooLong(command_len)
            }
            _ => mapped,
        },
    }
}

/// The longest short command APDU: header, Lc, 255 data bytes, Le.
const SHORT_APDU_MAX: usize = 4 + 1 + 255 + 1;

#[cfg(test)]
mod tests {
    use super::*;
    use pcsc::Error as E;

    #[test]
    fn mapping_table() {
        let table: Vec<(pcsc::Error, TransportError)> = vec![
            (E::NoService, TransportError::NoService),
            (E::ServiceStopped, TransportError::NoService),
            (E::NoReadersAvailable, TransportError::NoReader(None)),
            (E::UnknownReader, TransportError::NoReader(Some("R".into()))),
            (
                E::ReaderUnavailable,
                TransportError::NoReader(Some("R".into())),
            ),
            (E::NoSmartcard, TransportError::NoCard),
            (E::RemovedCard, TransportError::CardRemoved),
            (E::ResetCard, TransportError::CardReset),
            (E::SharingViolation, TransportError::SharingViolation),
            (E::Timeout, TransportError::Timeout),
            (E::NotTransacted, TransportError::NotTransacted),
            (E::Cancelled, TransportError::Cancelled),
            (E::UnresponsiveCard, TransportError::Unresponsive),
            (E::UnpoweredCard, TransportError::Unresponsive),
        ];
        for (e, want) in table {
            assert_eq!(map_error(e, Some("R")), want, "{e:?}");
        }
        match map_error(E::InsufficientBuffer, None) {
            TransportError::Other { code, message } => {
                assert_eq!(code, 0x8010_0008);
                assert!(!message.is_empty());
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_pulled_card_is_card_removed_whatever_the_code() {
        for e in [
            E::RemovedCard,
            E::NoSmartcard,
            E::NotTransacted,
            E::CommError,
            E::ResetCard,
            E::UnresponsiveCard,
            E::InvalidHandle,
            E::UnknownError,
        ] {
            assert_eq!(
                classify_exchange_failure(e, 12, Presence::GoneOrReplaced, "R"),
                TransportError::CardRemoved,
                "{e:?}"
            );
        }
        assert_eq!(
            classify_exchange_failure(E::RemovedCard, 12, Presence::SameCard, "R"),
            TransportError::CardRemoved
        );
        assert_eq!(
            classify_exchange_failure(E::ResetCard, 12, Presence::SameCard, "R"),
            TransportError::CardReset
        );
        assert_eq!(
            classify_exchange_failure(E::NoService, 12, Presence::Unknown, "R"),
            TransportError::NoService
        );
        assert_eq!(
            classify_exchange_failure(E::ReaderUnavailable, 12, Presence::NoReader, "R"),
            TransportError::NoReader(Some("R".into()))
        );
    }

    #[test]
    fn dropped_extended_apdus_are_named() {
        assert_eq!(
            classify_exchange_failure(E::NotTransacted, 300, Presence::SameCard, "ACS ACR1281"),
            TransportError::CommandTooLong(300)
        );
        assert_eq!(
            classify_exchange_failure(E::NotTransacted, 200, Presence::SameCard, "ACS ACR1281"),
            TransportError::NotTransacted
        );
    }
}
