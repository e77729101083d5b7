//! Known reader quirks, from `firmware-notes/quirks.toml` (compiled in), and the one rule that
//! turns them into the read strategy's options ([`read_options_for`]): what `cccd doctor`
//! reports and what every read avoids (for example extended APDUs on readers known to drop
//! them). Each entry cites its source in that file.

use std::sync::LazyLock;

use icao9303::read::ReadOptions;
use serde::Deserialize;

/// One reader family's quirks.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReaderQuirk {
    /// Case-insensitive substring of the PC/SC reader name.
    pub name_contains: String,
    /// The reader family.
    pub family: String,
    /// `Some(false)`: never send extended APDUs to this reader.
    pub extended_apdu: Option<bool>,
    /// The largest Le to use.
    pub max_short_response: Option<usize>,
    /// The longest command APDU the reader carries.
    pub max_command_bytes: Option<usize>,
    /// One sentence for the technician, in English.
    pub notes: String,
    /// The same in Vietnamese.
    pub note_vi: String,
    /// Where the fact comes from.
    pub source: String,
}

#[derive(Deserialize)]
struct Table {
    reader: Vec<ReaderQuirk>,
}

/// The table's text, as shipped.
pub const QUIRKS_TOML: &str = include_str!("../../../firmware-notes/quirks.toml");

/// Parses a quirks table.
pub fn parse_quirks(text: &str) -> Result<Vec<ReaderQuirk>, toml::de::Error> {
    toml::from_str::<Table>(text).map(|t| t.reader)
}

static QUIRKS: LazyLock<Vec<ReaderQuirk>> = LazyLock::new(|| match parse_quirks(QUIRKS_TOML) {
    Ok(q) => q,
    Err(e) => {
        // A test guarantees the shipped table parses; never fail a read over it.
        tracing::error!(error = %e, "the compiled-in reader quirks table does not parse");
        Vec::new()
    }
});

/// Every known quirk entry.
pub fn all_quirks() -> &'static [ReaderQuirk] {
    &QUIRKS
}

/// The quirks of the reader called `reader_name`: the first entry whose `name_contains` is
/// part of the name, ignoring case (the table lists specific entries first).
pub fn quirks_for(reader_name: &str) -> Option<&'static ReaderQuirk> {
    let name = reader_name.to_lowercase();
    QUIRKS
        .iter()
        .find(|q| name.contains(&q.name_contains.to_lowercase()))
}

/// The read strategy's options for the reader called `reader_name`, from the known quirks of
/// its family: no extended APDUs where the reader drops them, and a smaller short read where the
/// reader needs one. Every read of every command goes through this rule ([`crate::CardReader`]).
pub fn read_options_for(reader_name: &str) -> ReadOptions {
    let mut options = ReadOptions::default();
    if let Some(q) = quirks_for(reader_name) {
        if q.extended_apdu == Some(false) {
            options.allow_extended = false;
        }
        if let Some(max) = q.max_short_response {
            options.short_chunk = options.short_chunk.min(max.max(1));
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quirk_entry_shapes_the_read_strategy() {
        assert!(all_quirks().len() > 3, "the shipped table lost its entries");
        for q in all_quirks() {
            let name = format!("{} PICC 00 00", q.name_contains);
            let o = read_options_for(&name);
            assert_eq!(o.allow_extended, q.extended_apdu != Some(false), "{name}");
            if let Some(max) = q.max_short_response {
                assert!(o.short_chunk <= max, "{name}");
            }
        }
        assert!(read_options_for("Virtual PCD 00 00").allow_extended);
        assert!(!read_options_for("ACS ACR122U PICC Interface 00 00").allow_extended);
    }

    #[test]
    fn windows_reader_names_have_their_quirks() {
        // Windows names readers "<vendor> <model> <interface> <n>": the table matches them too.
        for name in [
            "ACS ACR1252 1S CL Reader PICC 0",
            "HID Global OMNIKEY 5022 Smart Card Reader 0",
            "ACS ACR122U PICC Interface 0",
        ] {
            assert!(quirks_for(name).is_some(), "{name}");
        }
    }

    #[test]
    fn the_shipped_table_parses_and_cites_sources() {
        let q = parse_quirks(QUIRKS_TOML).unwrap();
        assert!(!q.is_empty());
        for e in &q {
            assert!(e.source.starts_with("https://"), "{}", e.name_contains);
            assert!(
                !e.notes.is_empty() && !e.note_vi.is_empty(),
                "{}",
                e.name_contains
            );
        }
    }

    #[test]
    fn every_entry_matches_a_reader_name_containing_it() {
        assert!(!all_quirks().is_empty());
        for e in all_quirks() {
            // Reader names as pcsc-lite builds them: vendor, model, interface, slot numbers.
            let name = format!(
                "Vendor {} PICC Interface 00 00",
                e.name_contains.to_uppercase()
            );
            assert_eq!(quirks_for(&name), Some(e), "{name}");
        }
        assert_eq!(quirks_for("Virtual PCD 00 00"), None);
    }

    #[test]
    fn readers_known_to_drop_extended_apdus() {
        assert_eq!(
            quirks_for("ACS ACR122U PICC Interface 00 00").and_then(|q| q.extended_apdu),
            Some(false)
        );
        assert_eq!(
            quirks_for("ACS ACR1281 1S Dual Reader [ACR1281 1S Dual Reader PICC] 00 00")
                .and_then(|q| q.extended_apdu),
            Some(false)
        );
    }
}
