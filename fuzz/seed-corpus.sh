#!/bin/sh
# Copies the sample files of ../fixtures (the repository's test fixtures) into corpus/<target>/ as fuzzing seeds.
set -eu
cd "$(dirname "$0")"
v=../fixtures
# Each seed is named after its path under fixtures/ (gmrtd_sod_AT_EF_SOD.bin...): several samples
# share a file name. A missing sample is an error: the fixtures are part of the repository.
seed() {
  dir="corpus/$1"; shift; mkdir -p "$dir"
  for f in "$@"; do
    [ -f "$f" ] || { echo "seed-corpus.sh: missing sample $f" >&2; exit 1; }
    cp "$f" "$dir/$(echo "${f#"$v"/}" | tr / _)"
  done
}
target=ef_com;  seed ef_com  $v/jmrtd_bsi2008/EF_COM.bin $v/jmrtd_loes2006/ef011E.bin
target=dg1;     seed dg1     $v/pymrtd/*DG1.bin $v/jmrtd_bsi2008/Datagroup1.bin $v/jmrtd_loes2006/ef0101.bin
target=dg2;     seed dg2     $v/gmrtd/dg2_biometric/DG2_*.bin $v/jmrtd_bsi2008/Datagroup2.bin $v/jmrtd_loes2006/ef0102.bin
target=dg14;    seed dg14    $v/gmrtd/lds_samples/DG14_*.bin $v/pymrtd/*DG14.bin $v/jmrtd_bsi2008/Datagroup14.bin $v/jmrtd_misc/doc9303_spec_sample_encoded_dg14.bin
target=dg15;    seed dg15    $v/gmrtd/lds_samples/DG15_*.bin $v/pymrtd/*DG15*.bin $v/jmrtd_bsi2008/Datagroup15.bin $v/jmrtd_loes2006/ef010F.bin
target=ef_sod;  seed ef_sod  $v/gmrtd/sod_*/EF_SOD.bin $v/pymrtd/*EF_SOD*.bin $v/jmrtd_bsi2008/EF_SOD.bin $v/jmrtd_loes2006/ef011D.bin $v/jmrtd_misc/NZ2013_EF_SOD.bin
mkdir -p corpus/dg13 corpus/citizen_record corpus/card_access
echo "seeded: $(ls corpus | tr '\n' ' ')"
