//! The bodies of the coverage-guided fuzz targets, one function per target, each feeding its
//! input to the parsers production runs on what a card, the BHXH gateway or an API client sends.
//!
//! `fuzz/` (a cargo-fuzz workspace of its own, so the normal build never compiles libFuzzer)
//! wraps each function of [`TARGETS`] in a `fuzz_target!`; the root package's
//! `tests/fuzz_corpus.rs` runs the same functions over every committed corpus and regression
//! input as ordinary tests. A target returns nothing: its only failure is a panic (or an abort,
//! a hang, a huge allocation under the fuzzer), and it checks the properties that must hold
//! whatever the input (for example that every command the terminal protects verifies on the
//! chip's side) with `assert!`. The configuration file's target is not here: it parses with the
//! binary's own module (`src/config.rs`), which the fuzz workspace includes by path and the
//! replay test runs through `cccd config check`. See `docs/fuzzing.md`.
//!
//! Several targets take a conversation rather than one file: their input is split into
//! [`parts`] at [`SEPARATOR`], each part a file or a card's answer, as each target documents.

mod access;
mod card;
mod gateway;
mod identity;
mod lds;
mod verdict;

pub use access::{
    CA_CURVE, CA_PRIVATE_KEY, chip_authentication, chip_authentication_outcome, pace, pace_access,
};
pub use card::{SM_AES_KEYS, SM_TDES_KEYS, SmSession, sm_files_read, sm_response};
pub use gateway::{GATEWAY_STATUSES, api_body, gateway_answer};
pub use identity::{citizen_record, registration_block};
pub use lds::{card_access, dg1, dg2, dg13, dg14, dg15, ef_com, photo};
pub use verdict::{ef_sod, verdict};

/// One fuzz target: its name (the binary in `fuzz/`, the folders `fuzz/corpus/<name>/` and
/// `fuzz/regressions/<name>/`) and its body.
#[derive(Clone, Copy)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// Feeds one input to the parsers; panics only on a bug.
    pub run: fn(&[u8]),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({})", self.name)
    }
}

/// Every target of this crate, in the order `scripts/fuzz` runs them (the configuration file's,
/// `config`, runs last from the fuzz workspace alone).
pub const TARGETS: &[Target] = &[
    Target {
        name: "ef_com",
        run: ef_com,
    },
    Target {
        name: "dg1",
        run: dg1,
    },
    Target {
        name: "dg2",
        run: dg2,
    },
    Target {
        name: "photo",
        run: photo,
    },
    Target {
        name: "dg13",
        run: dg13,
    },
    Target {
        name: "citizen_record",
        run: citizen_record,
    },
    Target {
        name: "registration_block",
        run: registration_block,
    },
    Target {
        name: "dg14",
        run: dg14,
    },
    Target {
        name: "dg15",
        run: dg15,
    },
    Target {
        name: "card_access",
        run: card_access,
    },
    Target {
        name: "ef_sod",
        run: ef_sod,
    },
    Target {
        name: "verdict",
        run: verdict,
    },
    Target {
        name: "sm_response",
        run: sm_response,
    },
    Target {
        name: "pace",
        run: pace,
    },
    Target {
        name: "chip_authentication",
        run: chip_authentication,
    },
    Target {
        name: "gateway_answer",
        run: gateway_answer,
    },
    Target {
        name: "api_body",
        run: api_body,
    },
];

/// The target named `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}

/// What separates the parts of a multi-part input: six bytes that no card file, answer or JSON
/// body of the seeds contains, readable in a hex dump.
pub const SEPARATOR: &[u8] = b"--8<--";

/// `data` cut at every [`SEPARATOR`] (no separator: one part, the whole input).
pub fn parts(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        out.push(&rest[..i]);
        rest = &rest[i + SEPARATOR.len()..];
    }
    out.push(rest);
    out
}

/// The parts joined with [`SEPARATOR`]: the inverse of [`parts`], for writing seeds.
pub fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(SEPARATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_join_are_inverse() {
        assert_eq!(parts(b""), vec![&b""[..]]);
        assert_eq!(parts(b"abc"), vec![&b"abc"[..]]);
        let joined = join(&[b"a", b"", b"bc"]);
        assert_eq!(joined, b"a--8<----8<--bc");
        assert_eq!(parts(&joined), vec![&b"a"[..], b"", b"bc"]);
    }

    #[test]
    fn every_target_has_a_unique_name() {
        let mut names: Vec<_> = TARGETS.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TARGETS.len());
        assert!(target("ef_sod").is_some() && target("config").is_none());
    }
}
