use std::ffi::CString;
use std::time::Duration;

use apdu::TransportError;

use crate::connection::{PcscConnection, ShareMode};
use crate::errors::map_error;

/// A PC/SC context: the entry point to the system's smart-card service.
#[derive(Clone)]
pub struct Pcsc {
    pub(crate) ctx: pcsc::Context,
}

/// What a reader holds, as PC/SC reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardState {
    /// No card.
    Empty,
    /// A card is present and answered reset.
    Present,
    /// A card is present but does not answer (badly placed, or not a smart card).
    Mute,
    /// The reader's state could not be determined.
    Unknown,
}

/// One reader and its card, as seen at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderStatus {
    /// The reader's name as PC/SC gives it (for example "Virtual PCD 00 00").
    pub name: String,
    /// What the reader holds.
    pub card: CardState,
    /// The answer to reset of the card, when present.
    pub atr: Option<Vec<u8>>,
    /// Another application holds the card exclusively.
    pub exclusive: bool,
    /// Another application is connected to the card.
    pub in_use: bool,
    /// PC/SC's event counter for this reader (pcsc-lite counts insertions and removals).
    pub event_count: u32,
}

impl ReaderStatus {
    pub(crate) fn from_state(rs: &pcsc::ReaderState) -> Self {
        let s = rs.event_state();
        let card = if s.contains(pcsc::State::MUTE) {
            CardState::Mute
        } else if s.contains(pcsc::State::PRESENT) {
            CardState::Present
        } else if s.contains(pcsc::State::EMPTY) {
            CardState::Empty
        } else {
            CardState::Unknown
        };
        let atr = (card == CardState::Present && !rs.atr().is_empty()).then(|| rs.atr().to_vec());
        Self {
            name: rs.name().to_string_lossy().into_owned(),
            card,
            atr,
            exclusive: s.contains(pcsc::State::EXCLUSIVE),
            in_use: s.contains(pcsc::State::INUSE),
            event_count: rs.event_count(),
        }
    }
}

impl Pcsc {
    /// Connects to the PC/SC service (`SCardEstablishContext`, system scope).
    pub fn establish() -> Result<Self, TransportError> {
        let ctx = pcsc::Context::establish(pcsc::Scope::System).map_err(|e| map_error(e, None))?;
        Ok(Self { ctx })
    }

    /// Names of the connected readers; empty when there are none.
    pub fn reader_names(&self) -> Result<Vec<String>, TransportError> {
        match self.ctx.list_readers_owned() {
            Ok(names) => Ok(names
                .into_iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_error(e, None)),
        }
    }

    /// Every reader with the state of its card.
    pub fn readers(&self) -> Result<Vec<ReaderStatus>, TransportError> {
        let names = self.reader_names()?;
        self.statuses(&names)
    }

    /// The state of the named readers, asked without waiting.
    pub fn statuses(&self, names: &[String]) -> Result<Vec<ReaderStatus>, TransportError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut states = Vec::with_capacity(names.len());
        for n in names {
            let c =
                CString::new(n.as_str()).map_err(|_| TransportError::NoReader(Some(n.clone())))?;
            states.push(pcsc::ReaderState::new(c, pcsc::State::UNAWARE));
        }
        match self.ctx.get_status_change(Duration::ZERO, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(map_error(e, None)),
        }
        Ok(states.iter().map(ReaderStatus::from_state).collect())
    }

    /// The state of one reader.
    pub fn status(&self, name: &str) -> Result<ReaderStatus, TransportError> {
        self.statuses(&[name.to_owned()])?
            .pop()
            .ok_or_else(|| TransportError::NoReader(Some(name.to_owned())))
    }

    /// Connects to the card in `reader` (T=0 or T=1, as the card offers).
    pub fn connect(
        &self,
        reader: &str,
        share: ShareMode,
    ) -> Result<PcscConnection, TransportError> {
        PcscConnection::open(self, reader, share)
    }

    /// Cancels any blocking call on this context (used to stop a monitor).
    pub fn cancel(&self) {
        // Cancelling a context that is already invalid has nothing left to cancel.
        let _ = self.ctx.cancel();
    }
}

/// Why no reader could be chosen.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReaderChoiceError {
    /// No reader is connected.
    #[error("no card reader found: plug in a reader (and check its driver)")]
    NoReaders,
    /// The named reader does not match any connected reader.
    #[error("unknown reader \"{wanted}\": connected readers are {}", list(.available))]
    Unknown {
        /// The name asked for.
        wanted: String,
        /// The readers that exist.
        available: Vec<String>,
    },
    /// The name matches several readers.
    #[error("\"{wanted}\" matches several readers: {}; give more of the name", list(.matches))]
    AmbiguousName {
        /// The name asked for.
        wanted: String,
        /// The readers it matches.
        matches: Vec<String>,
    },
    /// No reader was named and several hold a card.
    #[error("several readers hold a card: {}; choose one with --reader", list(.0))]
    SeveralCards(Vec<String>),
    /// No reader was named and none holds a card.
    #[error("no card on any reader: put the card on the reader")]
    NoCard,
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Picks the reader a command should use.
///
/// With a name: the reader of exactly that name, else the only one whose name contains it
/// (ignoring case). Without: the only reader that holds a card; if no reader holds a card and
/// there is exactly one reader, that one (so the caller can report "no card" for it).
pub fn choose_reader<'a>(
    readers: &'a [ReaderStatus],
    wanted: Option<&str>,
) -> Result<&'a ReaderStatus, ReaderChoiceError> {
    if readers.is_empty() {
        return Err(ReaderChoiceError::NoReaders);
    }
    if let Some(w) = wanted {
        if let Some(r) = readers.iter().find(|r| r.name == w) {
            return Ok(r);
        }
        let lw = w.to_lowercase();
        let matches: Vec<&ReaderStatus> = readers
            .iter()
            .filter(|r| r.name.to_lowercase().contains(&lw))
            .collect();
        return match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(ReaderChoiceError::Unknown {
                wanted: w.to_owned(),
                available: readers.iter().map(|r| r.name.clone()).collect(),
            }),
            many => Err(ReaderChoiceError::AmbiguousName {
                wanted: w.to_owned(),
                matches: many.iter().map(|r| r.name.clone()).collect(),
            }),
        };
    }
    let with_card: Vec<&ReaderStatus> = readers
        .iter()
        .filter(|r| matches!(r.card, CardState::Present | CardState::Mute))
        .collect();
    match with_card.as_slice() {
        [one] => Ok(one),
        [] if readers.len() == 1 => Ok(&readers[0]),
        [] => Err(ReaderChoiceError::NoCard),
        many => Err(ReaderChoiceError::SeveralCards(
            many.iter().map(|r| r.name.clone()).collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(name: &str, card: CardState) -> ReaderStatus {
        ReaderStatus {
            name: name.into(),
            card,
            atr: None,
            exclusive: false,
            in_use: false,
            event_count: 0,
        }
    }

    #[test]
    fn choosing_readers() {
        let rs = vec![
            reader("Virtual PCD 00 00", CardState::Present),
            reader("Virtual PCD 00 01", CardState::Empty),
            reader("ACS ACR1252 1S CL Reader PICC 00 00", CardState::Empty),
        ];
        assert_eq!(
            choose_reader(&rs, None).map(|r| r.name.as_str()),
            Ok("Virtual PCD 00 00")
        );
        assert_eq!(
            choose_reader(&rs, Some("Virtual PCD 00 01")).map(|r| r.name.as_str()),
            Ok("Virtual PCD 00 01")
        );
        assert_eq!(
            choose_reader(&rs, Some("acr1252")).map(|r| r.name.as_str()),
            Ok("ACS ACR1252 1S CL Reader PICC 00 00")
        );
        assert!(matches!(
            choose_reader(&rs, Some("Virtual")),
            Err(ReaderChoiceError::AmbiguousName { .. })
        ));
        let e = choose_reader(&rs, Some("Omnikey")).err();
        assert!(matches!(e, Some(ReaderChoiceError::Unknown { .. })));
        assert!(e.map(|e| e.to_string()).unwrap_or_default().starts_with(
            "unknown reader \"Omnikey\": connected readers are \"Virtual PCD 00 00\""
        ));
        let two = vec![
            reader("A", CardState::Present),
            reader("B", CardState::Present),
        ];
        assert_eq!(
            choose_reader(&two, None),
            Err(ReaderChoiceError::SeveralCards(vec![
                "A".into(),
                "B".into()
            ]))
        );
        let none = vec![reader("A", CardState::Empty), reader("B", CardState::Empty)];
        assert_eq!(choose_reader(&none, None), Err(ReaderChoiceError::NoCard));
        let single = vec![reader("A", CardState::Empty)];
        assert_eq!(
            choose_reader(&single, None).map(|r| r.name.as_str()),
            Ok("A")
        );
        assert_eq!(choose_reader(&[], None), Err(ReaderChoiceError::NoReaders));
    }

    /// WinSCard names readers "<vendor> <model> <index>" with one digit (pcsc-lite adds
    /// "00 00"), a dual-interface reader shows a PICC and a SAM slot, and a second identical
    /// reader ends in "1": the same substring matching serves.
    #[test]
    fn windows_reader_names() {
        let acr_picc = "ACS ACR1252 1S CL Reader PICC 0";
        let acr_sam = "ACS ACR1252 1S CL Reader SAM 0";
        let omnikey = "HID Global OMNIKEY 5022 Smart Card Reader 0";
        let rs = vec![
            reader(acr_picc, CardState::Empty),
            reader(acr_sam, CardState::Empty),
            reader(omnikey, CardState::Present),
        ];
        let pick = |w: Option<&str>| choose_reader(&rs, w).map(|r| r.name.as_str());
        assert_eq!(pick(Some(acr_picc)), Ok(acr_picc));
        assert_eq!(pick(Some("omnikey 5022")), Ok(omnikey));
        assert_eq!(pick(Some("OMNIKEY")), Ok(omnikey));
        assert_eq!(pick(Some("acr1252 1s cl reader picc")), Ok(acr_picc));
        assert_eq!(pick(None), Ok(omnikey), "the only reader with a card");
        // "ACR1252" names both slots of the reader: ambiguous, both listed ([reader] ignore =
        // ["SAM"] leaves the PICC slot alone).
        assert_eq!(
            pick(Some("ACR1252")),
            Err(ReaderChoiceError::AmbiguousName {
                wanted: "ACR1252".into(),
                matches: vec![acr_picc.into(), acr_sam.into()],
            })
        );
        let no_sam: Vec<ReaderStatus> = rs
            .iter()
            .filter(|r| !r.name.contains("SAM"))
            .cloned()
            .collect();
        assert_eq!(
            choose_reader(&no_sam, Some("ACR1252")).map(|r| r.name.as_str()),
            Ok(acr_picc)
        );
        // Two identical readers: the index tells them apart.
        let twins = vec![
            reader(
                "HID Global OMNIKEY 5022 Smart Card Reader 0",
                CardState::Empty,
            ),
            reader(
                "HID Global OMNIKEY 5022 Smart Card Reader 1",
                CardState::Present,
            ),
        ];
        assert_eq!(
            choose_reader(&twins, None).map(|r| r.name.as_str()),
            Ok("HID Global OMNIKEY 5022 Smart Card Reader 1")
        );
        assert!(matches!(
            choose_reader(&twins, Some("OMNIKEY 5022")),
            Err(ReaderChoiceError::AmbiguousName { .. })
        ));
        assert_eq!(
            choose_reader(&twins, Some("Reader 0")).map(|r| r.name.as_str()),
            Ok("HID Global OMNIKEY 5022 Smart Card Reader 0")
        );
        // The known quirks are found under the Windows names too.
        for name in [acr_picc, omnikey, "ACS ACR122U PICC Interface 0"] {
            assert!(crate::quirks_for(name).is_some(), "{name}");
        }
    }
}
