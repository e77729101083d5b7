//! The dependency rules of the architecture, checked on the resolved graph (`cargo metadata
//! --offline`: no network, nothing to install) and on the binary's sources:
//! - `pcsc` is a normal dependency of `pcsc-backend` only (the one crate that talks PC/SC);
//! - the virtual card (`card-sim`) is a normal dependency of the `cccd` binary only, and of the
//!   daemon only as an optional dependency behind its `demo` feature; in the binary's `src/`, only
//!   the modules of `cccd demo`, `cccd sim` and `cccd counts` name it (dev-dependencies are free);
//! - the independent card images (`card-images`) are a dev-dependency only, never published,
//!   and depend on no workspace crate (they test the reader, so they must share none of its code);
//! - no OpenSSL, native-tls or aws-lc anywhere in the graph (all platforms);
//! - every package's licence is one of an allowed list.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// `cargo metadata` of the workspace: every package of `Cargo.lock`, for every platform.
fn metadata() -> &'static Value {
    static METADATA: OnceLock<Value> = OnceLock::new();
    METADATA.get_or_init(|| {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let o = Command::new(env!("CARGO"))
            .args(["metadata", "--offline", "--locked", "--format-version", "1"])
            .args(["--manifest-path", manifest])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", env!("CARGO")));
        assert!(
            o.status.success(),
            "cargo metadata --offline --locked failed (below). When it could not download a \
             package: it needs every package of Cargo.lock in cargo's cache, also those of other \
             platforms, so run `cargo fetch --locked` once (scripts/test does)\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).unwrap()
    })
}

fn packages() -> &'static [Value] {
    metadata()["packages"].as_array().unwrap()
}

fn string<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"))
}

/// A package of the graph by id, as `name version`, with "(workspace)" for the workspace's own.
fn describe(package: &Value) -> String {
    let members = metadata()["workspace_members"].as_array().unwrap();
    let own = members.contains(&package["id"]);
    format!(
        "{} {}{}",
        string(package, "name"),
        string(package, "version"),
        if own { " (workspace)" } else { "" }
    )
}

fn is_workspace_package(package: &Value, name: &str) -> bool {
    let members = metadata()["workspace_members"].as_array().unwrap();
    string(package, "name") == name && members.contains(&package["id"])
}

/// Every declared dependency on package `dep`, as (the package declaring it, the declaration).
fn dependents_of(dep: &str) -> Vec<(&'static Value, &'static Value)> {
    packages()
        .iter()
        .flat_map(|p| {
            p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(move |d| d["name"] == dep)
                .map(move |d| (p, d))
        })
        .collect()
}

/// `normal`, `dev` or `build`, with the platform when the dependency has one.
fn kind(declaration: &Value) -> String {
    let kind = declaration["kind"].as_str().unwrap_or("normal");
    match declaration["target"].as_str() {
        Some(target) => format!("{kind} ({target})"),
        None => kind.to_owned(),
    }
}

fn is_dev(declaration: &Value) -> bool {
    declaration["kind"] == "dev"
}

fn assert_no_offence(rule: &str, offences: &[String]) {
    assert!(offences.is_empty(), "{rule}:\n  {}", offences.join("\n  "));
}

#[test]
fn pcsc_is_a_dependency_of_pcsc_backend_only() {
    let mut offences = Vec::new();
    let mut backend_has_it = false;
    for (package, declaration) in dependents_of("pcsc") {
        if is_workspace_package(package, "pcsc-backend") && kind(declaration) == "normal" {
            backend_has_it = true;
        } else {
            offences.push(format!(
                "{} has a {} dependency on pcsc",
                describe(package),
                kind(declaration)
            ));
        }
    }
    // The C binding is pcsc's own business: nothing else may reach around it.
    for (package, declaration) in dependents_of("pcsc-sys") {
        if string(package, "name") != "pcsc" {
            offences.push(format!(
                "{} has a {} dependency on pcsc-sys",
                describe(package),
                kind(declaration)
            ));
        }
    }
    assert_no_offence(
        "only crates/pcsc-backend may depend on pcsc (a normal dependency; nothing on pcsc-sys)",
        &offences,
    );
    assert!(
        backend_has_it,
        "pcsc-backend has no normal dependency on pcsc: the rule checks nothing"
    );
}

/// The names by which a feature list can enable the optional dependency `key` (its name, or its
/// rename): `dep:key`, `key`, `key/feature`, `key?/feature`.
fn feature_enables(entry: &str, key: &str) -> bool {
    entry == format!("dep:{key}")
        || entry == key
        || entry.starts_with(&format!("{key}/"))
        || entry.starts_with(&format!("{key}?/"))
}

#[test]
fn the_virtual_card_is_a_dependency_of_the_binary_and_of_the_daemons_demo_feature_only() {
    let mut offences = Vec::new();
    for (package, declaration) in dependents_of("card-sim") {
        if is_dev(declaration) || is_workspace_package(package, "cccd") {
            continue;
        }
        if !is_workspace_package(package, "daemon") {
            offences.push(format!(
                "{} has a {} dependency on card-sim",
                describe(package),
                kind(declaration)
            ));
            continue;
        }
        if declaration["optional"] != true {
            offences.push(format!(
                "{} has a {} dependency on card-sim that is not optional: make it \
                 `optional = true`, enabled by the feature `demo` only",
                describe(package),
                kind(declaration)
            ));
            continue;
        }
        let key = declaration["rename"].as_str().unwrap_or("card-sim");
        let features = package["features"].as_object().unwrap();
        let enabling: Vec<&str> = features
            .iter()
            .filter(|(_, entries)| {
                entries
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| feature_enables(e.as_str().unwrap(), key))
            })
            .map(|(name, _)| name.as_str())
            .collect();
        let others: Vec<&str> = enabling.iter().copied().filter(|n| *n != "demo").collect();
        if !others.is_empty() {
            offences.push(format!(
                "{}: card-sim is enabled by the features {others:?}, not only by `demo` (an \
                 optional dependency never named as `dep:{key}` gets an implicit feature `{key}`)",
                describe(package)
            ));
        }
        if !enabling.contains(&"demo") {
            offences.push(format!(
                "{}: no feature `demo` enables card-sim (`demo = [\"dep:{key}\"]`)",
                describe(package)
            ));
        }
    }
    assert_no_offence(
        "card-sim (the virtual card) may be a normal dependency of cccd, and of daemon only \
         optionally through its `demo` feature, so that nothing `cccd serve` runs depends on it",
        &offences,
    );
}

#[test]
fn the_card_images_are_a_dev_dependency_only_and_depend_on_no_workspace_crate() {
    let members = metadata()["workspace_members"].as_array().unwrap();
    let member_names: Vec<&str> = packages()
        .iter()
        .filter(|p| members.contains(&p["id"]))
        .map(|p| string(p, "name"))
        .collect();
    let mut offences = Vec::new();
    let mut dev_users = 0;
    for (package, declaration) in dependents_of("card-images") {
        if is_dev(declaration) {
            dev_users += 1;
        } else {
            offences.push(format!(
                "{} has a {} dependency on card-images",
                describe(package),
                kind(declaration)
            ));
        }
    }
    let images = packages()
        .iter()
        .find(|p| is_workspace_package(p, "card-images"))
        .expect("card-images is not a workspace member: has it moved? Update this test");
    for d in images["dependencies"].as_array().unwrap() {
        let name = string(d, "name");
        if member_names.contains(&name) {
            offences.push(format!(
                "card-images has a {} dependency on the workspace crate {name}",
                kind(d)
            ));
        }
    }
    // `publish = false` appears as an empty registry list.
    if images["publish"] != serde_json::json!([]) {
        offences.push("card-images is publishable: set `publish = false`".to_owned());
    }
    assert_no_offence(
        "card-images (card images encoded independently of the reader) may only be a \
         dev-dependency, is never published, and depends on no workspace crate",
        &offences,
    );
    assert!(
        dev_users > 0,
        "nothing dev-depends on card-images: the rule checks nothing"
    );
}

/// Every file below `dir` whose name ends in `.rs`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The binary's modules allowed to use the virtual card: the commands that exist for it.
fn may_use_the_virtual_card(rel: &str) -> bool {
    let commands = ["demo", "sim", "counts"];
    commands.iter().any(|c| {
        rel == format!("src/commands/{c}.rs") || rel.starts_with(&format!("src/commands/{c}/"))
    })
}

#[test]
fn only_the_demo_sim_and_counts_commands_use_the_virtual_card() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = rust_files(&root.join("src"));
    assert!(
        files.len() > 1,
        "no sources found below {}/src",
        root.display()
    );
    let mut offences = Vec::new();
    let mut allowed_uses = 0;
    for file in files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains("card_sim"))
            .map(|(n, _)| n + 1)
            .collect();
        if lines.is_empty() {
            continue;
        }
        if may_use_the_virtual_card(&rel) {
            allowed_uses += 1;
        } else {
            for n in lines {
                offences.push(format!("{rel}:{n} mentions card_sim"));
            }
        }
    }
    assert_no_offence(
        "in the binary's src/, only src/commands/demo.rs, sim.rs and counts.rs (or files below \
         src/commands/demo/, sim/, counts/) may use card_sim",
        &offences,
    );
    assert!(
        allowed_uses > 0,
        "no command module mentions card_sim: has the virtual card moved? Update this test"
    );
}

#[test]
fn no_openssl_native_tls_or_aws_lc_anywhere() {
    const FORBIDDEN: [&str; 4] = ["openssl", "openssl-sys", "native-tls", "aws-lc-sys"];
    let offences: Vec<String> = packages()
        .iter()
        .filter(|p| FORBIDDEN.contains(&string(p, "name")))
        .map(|p| {
            let users: Vec<String> = dependents_of(string(p, "name"))
                .into_iter()
                .map(|(user, d)| format!("{} ({})", describe(user), kind(d)))
                .collect();
            format!(
                "{} is in the graph, used by {}",
                describe(p),
                users.join(", ")
            )
        })
        .collect();
    assert_no_offence(
        "no OpenSSL, native-tls or aws-lc (the HTTP client uses rustls with ring; Cargo.toml)",
        &offences,
    );
    assert!(
        packages().len() > 50,
        "the graph has only {} packages",
        packages().len()
    );
}

/// The licences a package may use. A package's SPDX expression must be satisfiable with them:
/// an `OR` offers a choice, so `MIT OR Apache-2.0 OR LGPL-2.1-or-later` (`r-efi`) is used under
/// MIT and `MIT OR Apache-2.0 OR BSD-1-Clause` (`fiat-crypto`) likewise, while every side of an
/// `AND` must be allowed. The legacy `/` of older manifests means `OR`.
const ALLOWED_LICENCES: [&str; 16] = [
    "MIT",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "CC0-1.0",
    "MPL-2.0",
    "BSL-1.0",
    "0BSD",
    "Unlicense",
    "CDLA-Permissive-2.0",
    // The Independent JPEG Group's licence: `jpeg-encoder` (the photo conversion and the virtual
    // card's face) is `(MIT OR Apache-2.0) AND IJG`, its DCT being derived from libjpeg's. It is
    // permissive (use, copy, modify, distribute, for any purpose, without fee); a binary
    // distribution's documentation must say "this software is based in part on the work of the
    // Independent JPEG Group".
    "IJG",
];

/// An SPDX licence expression: `(`, `)`, `AND`, `OR`, `WITH`, identifiers.
fn licence_tokens(expression: &str) -> Vec<String> {
    expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Whether the expression can be met with allowed licences only; an error for bad syntax.
fn licence_allowed(expression: &str) -> Result<bool, String> {
    struct Parser {
        tokens: Vec<String>,
        at: usize,
    }
    impl Parser {
        fn peek(&self) -> Option<&str> {
            self.tokens.get(self.at).map(String::as_str)
        }
        fn next(&mut self) -> Result<String, String> {
            let t = self.tokens.get(self.at).cloned().ok_or("unexpected end")?;
            self.at += 1;
            Ok(t)
        }
        fn or(&mut self) -> Result<bool, String> {
            let mut any = self.and()?;
            while self.peek() == Some("OR") {
                self.at += 1;
                any |= self.and()?;
            }
            Ok(any)
        }
        fn and(&mut self) -> Result<bool, String> {
            let mut all = self.term()?;
            while self.peek() == Some("AND") {
                self.at += 1;
                all &= self.term()?;
            }
            Ok(all)
        }
        fn term(&mut self) -> Result<bool, String> {
            let t = self.next()?;
            match t.as_str() {
                "(" => {
                    let v = self.or()?;
                    match self.next()?.as_str() {
                        ")" => Ok(v),
                        other => Err(format!("expected `)`, found `{other}`")),
                    }
                }
                ")" | "AND" | "OR" | "WITH" => Err(format!("unexpected `{t}`")),
                id => {
                    let mut licence = id.to_owned();
                    if self.peek() == Some("WITH") {
                        self.at += 1;
                        licence = format!("{licence} WITH {}", self.next()?);
                    }
                    Ok(ALLOWED_LICENCES.contains(&licence.as_str()))
                }
            }
        }
    }
    let mut p = Parser {
        tokens: licence_tokens(expression),
        at: 0,
    };
    let v = p.or()?;
    match p.peek() {
        None => Ok(v),
        Some(extra) => Err(format!("unexpected `{extra}`")),
    }
}

#[test]
fn the_licence_rule_reads_spdx_expressions() {
    for (expression, allowed) in [
        ("MIT", true),
        ("MIT/Apache-2.0", true),
        ("MIT OR Apache-2.0 OR LGPL-2.1-or-later", true),
        ("LGPL-2.1-or-later", false),
        ("GPL-3.0-only OR AGPL-3.0-only", false),
        ("(MIT OR Apache-2.0) AND Unicode-3.0", true),
        ("(MIT OR Apache-2.0) AND GPL-2.0-only", false),
        ("Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT", true),
        ("GPL-2.0-only WITH Classpath-exception-2.0", false),
        ("Apache-2.0 AND ISC", true),
    ] {
        assert_eq!(licence_allowed(expression), Ok(allowed), "{expression}");
    }
    for bad in ["", "MIT OR", "(MIT", "MIT AND AND ISC", "MIT)"] {
        assert!(licence_allowed(bad).is_err(), "{bad:?} parsed");
    }
}

#[test]
fn every_package_has_an_allowed_licence() {
    let mut offences = Vec::new();
    for p in packages() {
        match p["license"].as_str() {
            None => offences.push(format!(
                "{} has no `license` field (a licence file only: {})",
                describe(p),
                p["license_file"].as_str().unwrap_or("none")
            )),
            Some(expression) => match licence_allowed(expression) {
                Ok(true) => {}
                Ok(false) => offences.push(format!(
                    "{}: `{expression}` needs a licence outside the allowed list",
                    describe(p)
                )),
                Err(why) => offences.push(format!(
                    "{}: cannot read the licence `{expression}`: {why}",
                    describe(p)
                )),
            },
        }
    }
    assert_no_offence(
        &format!(
            "every package's licence must be met with {}",
            ALLOWED_LICENCES.join(", ")
        ),
        &offences,
    );
}

/// The sentence the IJG licence asks a binary distribution's documentation to carry.
const IJG_NOTICE: &str = "based in part on the work of the Independent JPEG Group";

#[test]
fn an_ijg_licensed_dependency_is_acknowledged_in_the_shipped_documentation() {
    let ijg: Vec<String> = packages()
        .iter()
        .filter(|p| licence_tokens(p["license"].as_str().unwrap_or("")).contains(&"IJG".into()))
        .map(describe)
        .collect();
    assert!(
        !ijg.is_empty(),
        "no IJG-licensed package any more: drop this test, the IJG entry of the allowed list and \
         the notices"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for doc in [
        "README.md",
        "packaging/README.md",
        "packaging/windows/README.txt",
    ] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        assert!(
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(IJG_NOTICE),
            "{doc} must say \"{IJG_NOTICE}\" ({} under the IJG licence)",
            ijg.join(", ")
        );
    }
}
