//! The seeds of `examples/seeds.rs` go as far as they should: each conversation with the fuzzed
//! card completes (a seed that stopped at the first answer would leave the fuzzer at the door),
//! and every target runs over every seed without a panic.

#[allow(dead_code)]
#[path = "../examples/seeds.rs"]
mod seeds;

use icao9303::AccessProtocol;

fn data(target: &str, name: &str) -> Vec<u8> {
    seeds::all()
        .into_iter()
        .find(|s| s.target == target && s.name == name)
        .unwrap_or_else(|| panic!("no seed {target}/{name}"))
        .data
}

#[test]
fn the_worked_examples_open_the_chip_and_read_every_file() {
    assert_eq!(
        fuzz_targets::pace_access(&data("pace", "g1-pace-mrz")),
        Some((AccessProtocol::Pace, 6))
    );
    assert_eq!(
        fuzz_targets::pace_access(&data("pace", "d3-bac-mrz")),
        Some((AccessProtocol::Bac, 6))
    );
    assert_eq!(fuzz_targets::pace_access(&data("pace", "cccd-can")), None);
}

#[test]
fn chip_authentication_with_the_fuzzed_chips_key_passes_and_reads_on() {
    for name in ["fuzzed-chip-aes128", "fuzzed-chip-tdes"] {
        assert_eq!(
            fuzz_targets::chip_authentication_outcome(&data("chip_authentication", name)),
            Some((true, 6)),
            "{name}"
        );
    }
    assert_eq!(
        fuzz_targets::chip_authentication_outcome(&data("chip_authentication", "card-image-key")),
        Some((false, 0))
    );
}

#[test]
fn secure_messaging_reads_every_file_in_both_ciphers() {
    for name in ["aes-cccd", "tdes-cccd"] {
        assert_eq!(
            fuzz_targets::sm_files_read(&data("sm_response", name)),
            6,
            "{name}"
        );
    }
    // The passport has no DG13: the card refuses it (protected 6A82) and the read goes on.
    assert_eq!(
        fuzz_targets::sm_files_read(&data("sm_response", "aes-passport")),
        5
    );
}

#[test]
fn every_target_takes_every_seed() {
    for s in seeds::all() {
        if let Some(t) = fuzz_targets::target(s.target) {
            (t.run)(&s.data);
        } else {
            assert_eq!(s.target, "config", "{}", s.name);
        }
    }
}
