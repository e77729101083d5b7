#!/bin/sh
# Writes the fuzzing seeds into seeds/<target>/ (not committed): the sample files of ../fixtures,
# and what crates/fuzz-targets/examples/seeds.rs makes of the worked examples, the card images,
# the gateway simulator's records, API bodies and ../packaging/*.toml (conversations with a card,
# whole cards, answers, bodies, configuration files). scripts/fuzz runs it; the committed corpus
# (corpus/<target>/) is the minimized result of a run, seeds included.
set -eu
cd "$(dirname "$0")"
v=../fixtures
rm -rf seeds
# Each seed is named after its path under fixtures/ (gmrtd_sod_AT_EF_SOD.bin...): several samples
# share a file name. A missing sample is an error: the fixtures are part of the repository.
seed() {
  dir="seeds/$1"; shift; mkdir -p "$dir"
  for f in "$@"; do
    [ -f "$f" ] || { echo "seed-corpus.sh: missing sample $f" >&2; exit 1; }
    cp "$f" "$dir/$(echo "${f#"$v"/}" | tr / _)"
  done
}
DG1="$v/pymrtd/*DG1.bin $v/jmrtd_bsi2008/Datagroup1.bin $v/jmrtd_loes2006/ef0101.bin"
DG2="$v/gmrtd/dg2_biometric/DG2_*.bin $v/jmrtd_bsi2008/Datagroup2.bin $v/jmrtd_loes2006/ef0102.bin"
DG14="$v/gmrtd/lds_samples/DG14_*.bin $v/pymrtd/*DG14.bin $v/jmrtd_bsi2008/Datagroup14.bin $v/jmrtd_misc/doc9303_spec_sample_encoded_dg14.bin"
DG15="$v/gmrtd/lds_samples/DG15_*.bin $v/pymrtd/*DG15*.bin $v/jmrtd_bsi2008/Datagroup15.bin $v/jmrtd_loes2006/ef010F.bin"
SOD="$v/gmrtd/sod_*/EF_SOD.bin $v/pymrtd/*EF_SOD*.bin $v/jmrtd_bsi2008/EF_SOD.bin $v/jmrtd_loes2006/ef011D.bin $v/jmrtd_misc/NZ2013_EF_SOD.bin"
# shellcheck disable=SC2086 # the globs above expand here
{
  seed ef_com $v/jmrtd_bsi2008/EF_COM.bin $v/jmrtd_loes2006/ef011E.bin
  seed dg1 $DG1
  seed dg2 $DG2
  seed photo $DG2
  seed dg14 $DG14
  seed chip_authentication $DG14
  seed dg15 $DG15
  seed ef_sod $SOD
  seed verdict $SOD
}
# The generated seeds, with the main workspace's debug build (CARGO_TARGET_DIR as the caller has
# it).
(cd .. && cargo run --quiet --locked -p fuzz-targets --example seeds -- fuzz/seeds)
echo "seeded: $(ls seeds | tr '\n' ' ')"
