//! The test fixtures (`fixtures/`) are what `fixtures/MANIFEST.sha256` lists, byte for byte, and,
//! when the shared test vectors are beside the checkout (`../shared/vectors/`), the same bytes as
//! the files they were copied from. No pcscd needed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Files of `fixtures/` itself that are not fixtures.
const NOT_FIXTURES: [&str; 2] = ["MANIFEST.sha256", "README.md"];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The shared vectors' manifest, where a checkout has the shared notes beside it.
fn shared_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/MANIFEST.sha256")
}

/// Says which check ran, also when the test harness captures the test's output (it captures
/// `println!`/`eprintln!`, not writes to the stderr handle), so `scripts/test` logs show it.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "fixtures: {line}");
}

/// A `sha256sum` manifest (`HASH  PATH` or `HASH *PATH`): path without a leading `./` → hash.
fn parse_manifest(path: &Path) -> Result<BTreeMap<String, String>, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("cannot read {}: {e}", path.display())])?;
    let mut entries = BTreeMap::new();
    let mut problems = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let where_ = format!("{}:{}", path.display(), n + 1);
        let Some((hash, name)) = line.split_once(' ') else {
            problems.push(format!("{where_}: not `HASH  PATH`: {line:?}"));
            continue;
        };
        let name = name.strip_prefix([' ', '*']).unwrap_or(name);
        let name = name.strip_prefix("./").unwrap_or(name);
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            problems.push(format!("{where_}: not a SHA-256: {hash:?}"));
        } else if entries
            .insert(name.to_owned(), hash.to_ascii_lowercase())
            .is_some()
        {
            problems.push(format!("{where_}: {name} is listed twice"));
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// Every file below `dir`, as a path relative to it with `/` separators, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy()).collect();
                out.push(parts.join("/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.retain(|f| !NOT_FIXTURES.contains(&f.as_str()));
    out.sort();
    out
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    hex::encode(Sha256::digest(&bytes))
}

/// Checks `dir` against `dir/MANIFEST.sha256`: every file there is listed, every listed file is
/// there, and each one's SHA-256 is the listed one. The number of files checked, or every problem.
fn check_own_manifest(dir: &Path) -> Result<usize, Vec<String>> {
    let listed = parse_manifest(&dir.join("MANIFEST.sha256"))?;
    let present = files_below(dir);
    let mut problems = Vec::new();
    for file in &present {
        match listed.get(file) {
            None => problems.push(format!("{file}: not listed in MANIFEST.sha256")),
            Some(want) => {
                let got = sha256_hex(&dir.join(file));
                if &got != want {
                    problems.push(format!(
                        "{file}: SHA-256 {got}, MANIFEST.sha256 says {want}"
                    ));
                }
            }
        }
    }
    for file in listed.keys().filter(|f| !present.contains(f)) {
        problems.push(format!("{file}: listed in MANIFEST.sha256 but missing"));
    }
    if problems.is_empty() {
        Ok(present.len())
    } else {
        Err(problems)
    }
}

/// Checks that each file of `dir` has the SHA-256 that the shared vectors' manifest `shared`
/// lists for the same path. The number of files compared, or every problem.
fn check_shared_manifest(dir: &Path, shared: &Path) -> Result<usize, Vec<String>> {
    let listed = parse_manifest(shared)?;
    let present = files_below(dir);
    let mut problems = Vec::new();
    for file in &present {
        let got = sha256_hex(&dir.join(file));
        match listed.get(file) {
            None => problems.push(format!("{file}: not in {}", shared.display())),
            Some(want) if &got != want => problems.push(format!(
                "{file}: the copy's SHA-256 is {got}, {} says {want}",
                shared.display()
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(present.len())
    } else {
        Err(problems)
    }
}

fn assert_ok(what: &str, result: Result<usize, Vec<String>>) -> usize {
    result.unwrap_or_else(|problems| panic!("{what}:\n  {}", problems.join("\n  ")))
}

#[test]
fn every_fixture_matches_fixtures_manifest() {
    let n = assert_ok(
        "fixtures/ does not match fixtures/MANIFEST.sha256",
        check_own_manifest(&fixtures_dir()),
    );
    assert!(n > 0, "no fixture in {}", fixtures_dir().display());
    say(&format!(
        "{n} files checked against fixtures/MANIFEST.sha256"
    ));
}

#[test]
fn every_fixture_equals_its_shared_vector_when_they_are_beside_the_checkout() {
    let shared = shared_manifest();
    if !shared.is_file() {
        say(&format!(
            "comparison with the shared vectors NOT run: no {} (a checkout without the shared \
             notes beside it); only fixtures/MANIFEST.sha256 was checked",
            shared.display()
        ));
        return;
    }
    let n = assert_ok(
        "the fixtures differ from the shared vectors they were copied from",
        check_shared_manifest(&fixtures_dir(), &shared),
    );
    assert!(n > 0, "no fixture in {}", fixtures_dir().display());
    say(&format!("{n} copies compared with {}", shared.display()));
}

/// Copies `fixtures/` to a fresh directory below cargo's temporary directory for tests.
fn copy_of_fixtures(tag: &str) -> PathBuf {
    let to = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fixtures-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&to);
    let from = fixtures_dir();
    for file in files_below(&from)
        .iter()
        .map(String::as_str)
        .chain(NOT_FIXTURES)
    {
        let dest = to.join(file);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from.join(file), &dest).unwrap();
    }
    to
}

fn expect_problem(result: Result<usize, Vec<String>>, about: &str) {
    match result {
        Ok(n) => panic!("{n} files passed, but {about} should have failed the check"),
        Err(problems) => assert!(
            problems.iter().any(|p| p.contains(about)),
            "no problem names {about}: {problems:?}"
        ),
    }
}

/// Both checks fail on one changed byte (and the own check on a missing or an unlisted file),
/// naming the file; the same copy unchanged passes both, so the failures are the byte's doing.
#[test]
fn a_changed_byte_a_missing_file_or_an_unlisted_one_fails_the_checks() {
    let dir = copy_of_fixtures("mutated");
    // A shared manifest as it would be beside the checkout (outside the copied folder): the
    // fixtures' own lines, which are the shared manifest's lines for these files.
    let shared = dir.with_extension("shared.sha256");
    std::fs::copy(dir.join("MANIFEST.sha256"), &shared).unwrap();
    let n = files_below(&fixtures_dir()).len();
    assert_eq!(check_own_manifest(&dir), Ok(n));
    assert_eq!(check_shared_manifest(&dir, &shared), Ok(n));

    let victim = "gmrtd/sod_DE/EF_SOD.bin";
    let mut bytes = std::fs::read(dir.join(victim)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(dir.join(victim), &bytes).unwrap();
    expect_problem(check_own_manifest(&dir), victim);
    expect_problem(check_shared_manifest(&dir, &shared), victim);

    let gone = "wycheproof/ecdsa_secp256r1_sha256_test.json";
    std::fs::remove_file(dir.join(gone)).unwrap();
    expect_problem(
        check_own_manifest(&dir),
        &format!("{gone}: listed in MANIFEST.sha256 but missing"),
    );

    let extra = "pymrtd/unlisted.bin";
    std::fs::write(dir.join(extra), b"x").unwrap();
    expect_problem(check_own_manifest(&dir), &format!("{extra}: not listed"));
    expect_problem(
        check_shared_manifest(&dir, &shared),
        &format!("{extra}: not in"),
    );

    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&shared).unwrap();
}
