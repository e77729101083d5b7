//! Which reader a command or a read goes to: the one rule of every command and of the daemon.
//!
//! A name asked for (on the command line, or in an API request) wins over the configured one
//! (`[reader] name`); either is an exact name or a unique part of it, ignoring case. Without a
//! name: the only reader holding a card, else the only reader.

use crate::readers::{CardState, ReaderStatus};

/// A reader a read could go to.
pub trait ReaderCandidate {
    /// Its name, as the PC/SC service gives it.
    fn reader_name(&self) -> &str;
    /// Whether a card is on it (a mute card counts: the read reports it).
    fn has_card(&self) -> bool;
}

impl ReaderCandidate for ReaderStatus {
    fn reader_name(&self) -> &str {
        &self.name
    }

    fn has_card(&self) -> bool {
        matches!(self.card, CardState::Present | CardState::Mute)
    }
}

/// The reader wanted, and where its name came from (the errors say which to change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderWanted<'a> {
    /// No name: the card decides.
    Any,
    /// A name the caller gave (`--reader`, the request's `reader`).
    Named(&'a str),
    /// The configuration's `[reader] name`.
    Configured(&'a str),
}

impl<'a> ReaderWanted<'a> {
    /// The caller's name, else the configured one; blank names count as none.
    pub fn from(request: Option<&'a str>, configured: Option<&'a str>) -> Self {
        let given = |n: Option<&'a str>| n.filter(|n| !n.trim().is_empty());
        match (given(request), given(configured)) {
            (Some(n), _) => Self::Named(n),
            (None, Some(n)) => Self::Configured(n),
            (None, None) => Self::Any,
        }
    }
}

/// Why no reader could be chosen.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReaderChoiceError {
    /// No reader is connected.
    #[error("no card reader found: plug in a reader (and check its driver)")]
    NoReaders,
    /// The name matches no connected reader.
    #[error("{}", unknown_message(.wanted, .available, *.configured))]
    Unknown {
        /// The name asked for.
        wanted: String,
        /// The readers that exist.
        available: Vec<String>,
        /// The name came from the configuration (`[reader] name`).
        configured: bool,
    },
    /// The name matches several readers.
    #[error("{}", ambiguous_message(.wanted, .matches, *.configured))]
    AmbiguousName {
        /// The name asked for.
        wanted: String,
        /// The readers it matches.
        matches: Vec<String>,
        /// The name came from the configuration (`[reader] name`).
        configured: bool,
    },
    /// No reader was named and several hold a card.
    #[error("several readers hold a card: {}; choose one with --reader", list(.0))]
    SeveralCards(Vec<String>),
    /// No reader was named, several are connected and none holds a card.
    #[error("no card on any reader: put the card on the reader")]
    NoCard,
}

fn unknown_message(wanted: &str, available: &[String], configured: bool) -> String {
    if configured {
        format!(
            "the reader named by the configuration ([reader] name) \"{wanted}\" is not connected: plug it in, or change [reader] name (connected readers are {})",
            list(available)
        )
    } else {
        format!(
            "unknown reader \"{wanted}\": connected readers are {}",
            list(available)
        )
    }
}

fn ambiguous_message(wanted: &str, matches: &[String], configured: bool) -> String {
    if configured {
        format!(
            "the configuration's [reader] name \"{wanted}\" matches several readers: {}; give more of the name",
            list(matches)
        )
    } else {
        format!(
            "\"{wanted}\" matches several readers: {}; give more of the name",
            list(matches)
        )
    }
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Picks the reader of a command or a read (module documentation): with a name, the reader of
/// exactly that name, else the only one whose name contains it (ignoring case); without, the
/// only reader that holds a card; if none holds one and there is exactly one reader, that one
/// (so the caller can wait for the card, or report "no card" for it).
pub fn choose_reader<'a, R: ReaderCandidate>(
    readers: &'a [R],
    wanted: ReaderWanted<'_>,
) -> Result<&'a R, ReaderChoiceError> {
    if readers.is_empty() {
        return Err(ReaderChoiceError::NoReaders);
    }
    let names = || readers.iter().map(|r| r.reader_name().to_owned()).collect();
    let (w, configured) = match wanted {
        ReaderWanted::Any => return choose_by_card(readers),
        ReaderWanted::Named(w) => (w, false),
        ReaderWanted::Configured(w) => (w, true),
    };
    if let Some(r) = readers.iter().find(|r| r.reader_name() == w) {
        return Ok(r);
    }
    let lw = w.to_lowercase();
    let matches: Vec<&R> = readers
        .iter()
        .filter(|r| r.reader_name().to_lowercase().contains(&lw))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(ReaderChoiceError::Unknown {
            wanted: w.to_owned(),
            available: names(),
            configured,
        }),
        many => Err(ReaderChoiceError::AmbiguousName {
            wanted: w.to_owned(),
            matches: many.iter().map(|r| r.reader_name().to_owned()).collect(),
            configured,
        }),
    }
}

fn choose_by_card<R: ReaderCandidate>(readers: &[R]) -> Result<&R, ReaderChoiceError> {
    let with_card: Vec<&R> = readers.iter().filter(|r| r.has_card()).collect();
    match (with_card.as_slice(), readers) {
        ([one], _) => Ok(one),
        ([], [only]) => Ok(only),
        ([], _) => Err(ReaderChoiceError::NoCard),
        (many, _) => Err(ReaderChoiceError::SeveralCards(
            many.iter().map(|r| r.reader_name().to_owned()).collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CardState, ReaderStatus};

    /// `choose_reader` with the name of a command-line `--reader`.
    fn choose<'a>(
        rs: &'a [ReaderStatus],
        w: Option<&str>,
    ) -> Result<&'a ReaderStatus, ReaderChoiceError> {
        choose_reader(rs, ReaderWanted::from(w, None))
    }

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
            choose(&rs, None).map(|r| r.name.as_str()),
            Ok("Virtual PCD 00 00")
        );
        assert_eq!(
            choose(&rs, Some("Virtual PCD 00 01")).map(|r| r.name.as_str()),
            Ok("Virtual PCD 00 01")
        );
        assert_eq!(
            choose(&rs, Some("acr1252")).map(|r| r.name.as_str()),
            Ok("ACS ACR1252 1S CL Reader PICC 00 00")
        );
        assert!(matches!(
            choose(&rs, Some("Virtual")),
            Err(ReaderChoiceError::AmbiguousName { .. })
        ));
        let e = choose(&rs, Some("Omnikey")).err();
        assert!(matches!(e, Some(ReaderChoiceError::Unknown { .. })));
        assert!(e.map(|e| e.to_string()).unwrap_or_default().starts_with(
            "unknown reader \"Omnikey\": connected readers are \"Virtual PCD 00 00\""
        ));
        let two = vec![
            reader("A", CardState::Present),
            reader("B", CardState::Present),
        ];
        assert_eq!(
            choose(&two, None),
            Err(ReaderChoiceError::SeveralCards(vec![
                "A".into(),
                "B".into()
            ]))
        );
        let none = vec![reader("A", CardState::Empty), reader("B", CardState::Empty)];
        assert_eq!(choose(&none, None), Err(ReaderChoiceError::NoCard));
        let single = vec![reader("A", CardState::Empty)];
        assert_eq!(choose(&single, None).map(|r| r.name.as_str()), Ok("A"));
        assert_eq!(
            choose(&[] as &[ReaderStatus], None),
            Err(ReaderChoiceError::NoReaders)
        );
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
        let pick = |w: Option<&str>| choose(&rs, w).map(|r| r.name.as_str());
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
                configured: false,
            })
        );
        let no_sam: Vec<ReaderStatus> = rs
            .iter()
            .filter(|r| !r.name.contains("SAM"))
            .cloned()
            .collect();
        assert_eq!(
            choose(&no_sam, Some("ACR1252")).map(|r| r.name.as_str()),
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
            choose(&twins, None).map(|r| r.name.as_str()),
            Ok("HID Global OMNIKEY 5022 Smart Card Reader 1")
        );
        assert!(matches!(
            choose(&twins, Some("OMNIKEY 5022")),
            Err(ReaderChoiceError::AmbiguousName { .. })
        ));
        assert_eq!(
            choose(&twins, Some("Reader 0")).map(|r| r.name.as_str()),
            Ok("HID Global OMNIKEY 5022 Smart Card Reader 0")
        );
    }

    #[test]
    fn a_configured_name_says_so_and_a_requested_one_wins() {
        let rs = vec![
            reader("ACS ACR1252 1S CL Reader PICC 0", CardState::Empty),
            reader(
                "HID Global OMNIKEY 5022 Smart Card Reader 0",
                CardState::Present,
            ),
        ];
        let configured = ReaderWanted::from(None, Some("acr1252"));
        assert_eq!(configured, ReaderWanted::Configured("acr1252"));
        assert_eq!(
            choose_reader(&rs, configured).map(|r| r.name.as_str()),
            Ok("ACS ACR1252 1S CL Reader PICC 0"),
            "the configured reader wins over the one holding a card"
        );
        let asked = ReaderWanted::from(Some("omnikey"), Some("acr1252"));
        assert_eq!(
            choose_reader(&rs, asked).map(|r| r.name.as_str()),
            Ok("HID Global OMNIKEY 5022 Smart Card Reader 0")
        );
        assert_eq!(ReaderWanted::from(Some(" "), Some("")), ReaderWanted::Any);
        let e = choose_reader(&rs, ReaderWanted::from(None, Some("ACR122U"))).unwrap_err();
        assert!(matches!(
            e,
            ReaderChoiceError::Unknown {
                configured: true,
                ..
            }
        ));
        assert!(e.to_string().contains("[reader] name"), "{e}");
        let e = choose_reader(&rs, ReaderWanted::from(None, Some("Reader"))).unwrap_err();
        assert!(matches!(
            e,
            ReaderChoiceError::AmbiguousName {
                configured: true,
                ..
            }
        ));
        assert!(e.to_string().contains("[reader] name"), "{e}");
    }
}
