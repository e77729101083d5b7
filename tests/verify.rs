//! Verification end to end: `cccd read` verdicts for each simulated fault through pcscd,
//! `cccd verify` on files read earlier, and the CSCA store commands.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::*;

fn read_verdict(sim: &Sim, extra: &[&str]) -> serde_json::Value {
    let o = cccd(
        &[
            &["read", "--json", "--can", sim.info["can"].as_str().unwrap()][..],
            extra,
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    json(&o)["verification"].clone()
}

/// `cccd ARGS --config CFG`.
fn cccd_with_config(cfg: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(cccd_path())
        .args(args)
        .arg("--config")
        .arg(cfg)
        .output()
        .unwrap()
}

#[test]
fn verdicts_through_pcscd() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let v = read_verdict(&sim, &["--allow-test-csca"]);
    assert_eq!(v["verdict"], "genuine", "{v}");
    let names: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for n in [
        "cms.signature",
        "chain.certificate-signature",
        "dg.1",
        "dg.2",
        "dg.13",
        "dg.14",
        "dg.15",
        "chip.authentication",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    assert_eq!(read_verdict(&sim, &[])["verdict"], "unknown-issuer");
    drop(sim);
    for (fault, verdict) in [
        ("tamper-dg13", "forged"),
        ("bad-sod-signature", "forged"),
        ("expired-ds", "genuine"),
        ("clone", "clone-suspected"),
        ("unknown-csca", "unknown-issuer"),
    ] {
        let sim = Sim::start(&["--fault", fault]);
        let v = read_verdict(&sim, &["--allow-test-csca"]);
        assert_eq!(v["verdict"], verdict, "{fault}: {v}");
        if fault == "expired-ds" {
            assert!(
                v["warnings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|w| w.as_str().unwrap().contains("expired")),
                "{v}"
            );
        }
        drop(sim);
    }
}

#[test]
fn verify_files_read_earlier() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let dir = std::env::temp_dir().join(format!("cccd-verify-{}", std::process::id()));
    let o = cccd(&[
        "read",
        "--json",
        "--can",
        sim.info["can"].as_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    drop(sim);
    let f = |n: &str| dir.join(n).to_str().unwrap().to_owned();
    let dg = |n: u8| format!("{n}={}", f(&format!("EF_DG{n}.bin")));
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["verify", "--json", "--sod", &f("EF_SOD.bin")]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for n in [1u8, 2, 13, 14, 15] {
            a.push("--dg".into());
            a.push(dg(n));
        }
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let o = cccd(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)
    };
    assert_eq!(
        run(&["--allow-test-csca"])["verdict"],
        "incomplete",
        "the chip was not there to prove itself"
    );
    assert_eq!(run(&[])["verdict"], "unknown-issuer");
    // Alter DG13 on disk: forged.
    let p = dir.join("EF_DG13.bin");
    let mut b = std::fs::read(&p).unwrap();
    let i = b.len() - 3;
    b[i] ^= 0x01;
    std::fs::write(&p, b).unwrap();
    let v = run(&["--allow-test-csca"]);
    assert_eq!(v["verdict"], "forged");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_csca_store_commands() {
    let dir = std::env::temp_dir().join(format!("cccd-store-{}", std::process::id()));
    let cfg = dir.with_extension("toml");
    std::fs::write(&cfg, format!("[trust]\nstore = \"{}\"\n", dir.display())).unwrap();
    let cccd_cfg = |args: &[&str]| cccd_with_config(&cfg, args);
    // Out of the box: Vietnam's two CSCAs, the CCCD's and the passport's, each with its use.
    let o = cccd_cfg(&["trust", "list", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let builtin = |cn: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|c| c["subject"].as_str().unwrap().starts_with(cn) && c["source"] == "built-in")
            .unwrap_or_else(|| panic!("{cn} in {v}"))
            .clone()
    };
    let cccd_csca = builtin("CN=CSCA Vietnam,");
    assert_eq!(
        cccd_csca["fingerprint"],
        "6f0a20d63a43fc589eaf0d8c52113a2a8bfa341c6f2fab04121238aa0c22b1a9"
    );
    assert_eq!(cccd_csca["purpose"], "citizen ID cards (CCCD) since 2021");
    assert_eq!(
        cccd_csca["subjectKeyIdentifier"],
        "57:AB:75:08:22:44:83:F0:49:CC:63:5B:2C:95:C4:E4:46:A5:88:08"
    );
    assert_eq!(cccd_csca["kind"], "csca");
    assert_eq!(cccd_csca["trusted"], true);
    assert_eq!(
        builtin("CN=CSCA ePassport Vietnam")["purpose"],
        "passports since 2023"
    );
    let text = stdout(&cccd_cfg(&["trust", "list"]));
    assert!(
        text.contains("for citizen ID cards (CCCD) since 2021")
            && text.contains("for passports since 2023")
            && text.contains("key id 57:AB:75:08"),
        "{text}"
    );
    // A master list needs its anchor.
    let ml = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/gmrtd/master_lists/NL_ML_2026-07-22.ml"
    );
    let anchor = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/gmrtd/master_lists/NL_ROOT_CA.cer"
    );
    let o = cccd_cfg(&["trust", "import", ml]);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    assert!(stderr(&o).contains("--anchor"));
    let o = cccd_cfg(&["trust", "import", ml, "--anchor", anchor, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let imported = json(&o).as_array().unwrap().len();
    assert!(imported > 100, "{imported}");
    // The wrong anchor refuses the list.
    let o = cccd_cfg(&[
        "trust",
        "import",
        ml,
        "--anchor",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/gmrtd/master_lists/DE_ROOT_CA_CSCA07.cer"
        ),
    ]);
    assert!(!o.status.success());
    let listed = json(&cccd_cfg(&["trust", "list", "--json"]))
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        listed,
        imported + 2,
        "the master list's CSCAs and the two built-in ones"
    );
    let fp = json(&cccd_cfg(&["trust", "list", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source"] != "built-in")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()[..16]
        .to_owned();
    let o = cccd_cfg(&["trust", "remove", &fp]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        json(&cccd_cfg(&["trust", "list", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        imported + 1
    );
    // The test CSCA never goes into a store, and a store holding it is refused.
    let pki = dir.with_extension("pki");
    assert!(
        cccd_cfg(&["sim", "--write-test-pki", pki.to_str().unwrap()])
            .status
            .success()
    );
    let o = cccd_cfg(&[
        "trust",
        "import",
        pki.join("test-csca.der").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(8));
    std::fs::copy(pki.join("test-csca.der"), dir.join("sneaked.der")).unwrap();
    let o = cccd_cfg(&["trust", "list"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("TEST CSCA"));
    for d in [&dir, &pki] {
        std::fs::remove_dir_all(d).unwrap();
    }
    std::fs::remove_file(&cfg).unwrap();
}

#[test]
fn a_crl_in_the_store_revokes_the_document_signer() {
    let _slots = lock_slots();
    let dir = std::env::temp_dir().join(format!("cccd-crl-{}", std::process::id()));
    let cfg = dir.with_extension("toml");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&cfg, format!("[trust]\nstore = \"{}\"\n", dir.display())).unwrap();
    let pki = card_sim::pki::TestPki::new();
    // The test CSCA must be trusted for its CRL to verify: given with --allow-test-csca.
    let crl = dir.with_extension("crl");
    std::fs::write(&crl, pki.crl(&[2])).unwrap();
    let forged = dir.with_extension("forged.crl");
    std::fs::write(&forged, pki.forged_crl(&[2])).unwrap();
    let cfg_arg = cfg.to_str().unwrap();
    let o = cccd(&[
        "trust",
        "import",
        forged.to_str().unwrap(),
        "--config",
        cfg_arg,
    ]);
    assert_eq!(
        o.status.code(),
        Some(8),
        "a CRL needs its CSCA in the store: {}",
        stderr(&o)
    );
    // Put the CRL into the store by hand (the test CSCA cannot be imported) and read the card.
    std::fs::copy(&crl, dir.join("test.crl")).unwrap();
    let sim = Sim::start(&[]);
    let o = cccd(&[
        "read",
        "--json",
        "--can",
        sim.info["can"].as_str().unwrap(),
        "--allow-test-csca",
        "--files",
        "dg1,sod",
        "--config",
        cfg_arg,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o)["verification"].clone();
    assert_eq!(v["verdict"], "forged", "a revoked signer: {v}");
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "chain.not-revoked" && c["state"] == "failed"),
        "{v}"
    );
    // A forged CRL in the store is refused outright.
    std::fs::copy(&forged, dir.join("test.crl")).unwrap();
    let o = cccd(&[
        "read",
        "--json",
        "--can",
        sim.info["can"].as_str().unwrap(),
        "--allow-test-csca",
        "--files",
        "dg1,sod",
        "--config",
        cfg_arg,
    ]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    drop(sim);
    std::fs::remove_dir_all(&dir).unwrap();
    for f in [&cfg, &crl, &forged] {
        std::fs::remove_file(f).unwrap();
    }
}

/// A CSCA that rolls over: its link certificate goes into the store only after the CSCA that
/// issued it, and then a document of the new CSCA verifies; `cccd verify` takes the issuing
/// state from DG1.
#[test]
fn link_certificates_and_the_issuing_state() {
    let dir = std::env::temp_dir().join(format!("cccd-links-{}", std::process::id()));
    let files = dir.with_extension("files");
    std::fs::create_dir_all(&files).unwrap();
    let cfg = dir.with_extension("toml");
    std::fs::write(&cfg, format!("[trust]\nstore = \"{}\"\n", dir.display())).unwrap();
    let cccd_cfg = |args: &[&str]| cccd_with_config(&cfg, args);
    let pki = card_sim::pki::RolloverPki::new();
    let write = |name: &str, bytes: &[u8]| {
        let p = files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let old = write("old.der", &pki.old_csca_cert);
    let link = write("link.der", &pki.link_cert);
    let forged = write("forged.der", &pki.forged_link_cert);

    // The link alone: refused, the store unchanged.
    let o = cccd_cfg(&["trust", "import", &link]);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is a link certificate") && stderr(&o).contains("first"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none());
    // The old CSCA, then a forged link (signed by another key): refused.
    assert!(cccd_cfg(&["trust", "import", &old]).status.success());
    let o = cccd_cfg(&["trust", "import", &forged]);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not verify"), "{}", stderr(&o));
    // The genuine link: imported, listed as a trusted link issued by the old CSCA.
    let o = cccd_cfg(&["trust", "import", &link, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listed = json(&cccd_cfg(&["trust", "list", "--json"]));
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "link")
        .unwrap()
        .clone();
    assert_eq!(entry["trusted"], true, "{entry}");
    assert!(
        entry["linkIssuer"]
            .as_str()
            .unwrap()
            .contains("ROLLOVER CSCA 2020"),
        "{entry}"
    );

    // A document of the new CSCA: its DG1 is the virtual card's (issuing state VNM, C=VN).
    let profile = card_sim::Profile::default_profile().unwrap();
    let dg = |fid: u16| {
        profile
            .files
            .iter()
            .find(|(f, _, _)| *f == fid)
            .unwrap()
            .2
            .clone()
    };
    let (dg1, dg13) = (dg(0x0101), dg(0x010D));
    let sod = pki.sign_sod(&[(1, &dg1), (13, &dg13)], "270601000000");
    let sod = write("sod.bin", &sod);
    let dg1_arg = format!("1={}", write("dg1.bin", &dg1));
    let dg13_arg = format!("13={}", write("dg13.bin", &dg13));
    let verify = |extra: &[&str]| {
        let o = cccd_cfg(&[&["verify", "--json", "--sod", &sod][..], extra].concat());
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)
    };
    let state_of = |v: &serde_json::Value| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "chain.issuing-state")
            .unwrap()
            .clone()
    };
    let v = verify(&["--dg", &dg1_arg, "--dg", &dg13_arg]);
    assert_eq!(v["verdict"], "incomplete", "{v}");
    assert_eq!(state_of(&v)["state"], "passed", "{v}");
    // Without DG1 the issuing state is unknown: the check is not performed.
    let v = verify(&["--dg", &dg13_arg]);
    assert_eq!(state_of(&v)["state"], "not-performed", "{v}");

    // A German DG1 (BSI TR-03105-5's, `D<<`) signed under this Vietnamese PKI: not trusted.
    let de_dg1 = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/pymrtd/BSI_TR03105-5_HJP_DG1.bin"
    ))
    .unwrap();
    let de_sod = write("de-sod.bin", &pki.sign_sod(&[(1, &de_dg1)], "270601000000"));
    let de_dg1_arg = format!("1={}", write("de-dg1.bin", &de_dg1));
    let o = cccd_cfg(&["verify", "--json", "--sod", &de_sod, "--dg", &de_dg1_arg]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["verdict"], "unknown-issuer", "{v}");
    let st = state_of(&v);
    assert_eq!(st["state"], "failed", "{v}");
    assert!(
        st["reason"].as_str().unwrap().contains("DE (D<<)")
            && st["reason"].as_str().unwrap().contains("of VN"),
        "{st}"
    );

    // A forged link copied into the store by hand: listed as not trusted, and ignored.
    std::fs::copy(&forged, dir.join("sneaked.der")).unwrap();
    let listed = json(&cccd_cfg(&["trust", "list", "--json"]));
    let sneaked = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source"].as_str().unwrap().ends_with("sneaked.der"))
        .unwrap()
        .clone();
    assert_eq!(sneaked["trusted"], false, "{sneaked}");
    assert!(sneaked["untrustedBecause"].is_string(), "{sneaked}");
    let v = verify(&["--dg", &dg1_arg, "--dg", &dg13_arg]);
    assert_eq!(v["verdict"], "incomplete", "{v}");

    for d in [&dir, &files] {
        std::fs::remove_dir_all(d).unwrap();
    }
    std::fs::remove_file(&cfg).unwrap();
}

/// Active authentication as real CCCDs do it, RSA with ISO/IEC 9796-2 scheme 1 and SHA-1,
/// verified end to end: with DG14 left out of the read (or absent from the chip), the clone
/// check is active authentication, on the default card, its clone, its short-only form and the
/// chip without DG14; the ECDSA option needs DG14.
#[test]
fn active_authentication_through_pcscd() {
    let _slots = lock_slots();
    let profile = |name: &str| {
        format!(
            "{}/crates/card-sim/profiles/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    };
    let (dg15_only, ecdsa) = (profile("dg15-only.toml"), profile("ecdsa-aa.toml"));
    for (args, verdict, aa) in [
        (vec![], "genuine", "passed"),
        (vec!["--no-extended"], "genuine", "passed"),
        (vec!["--fault", "clone"], "clone-suspected", "failed"),
        (vec!["--profile", dg15_only.as_str()], "genuine", "passed"),
        // An ECDSA key needs DG14's ActiveAuthenticationInfo to name its hash (ICAO 9303-11
        // §9.2.2): without DG14 the signature cannot be checked.
        (
            vec!["--profile", ecdsa.as_str()],
            "incomplete",
            "not-supported",
        ),
    ] {
        let sim = Sim::start(&args);
        let v = read_verdict(
            &sim,
            &["--allow-test-csca", "--files", "com,sod,dg1,dg13,dg15"],
        );
        assert_eq!(v["verdict"], verdict, "{args:?}: {v}");
        let check = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "chip.active-authentication")
            .unwrap_or_else(|| panic!("{args:?}: no active authentication in {v}"));
        assert_eq!(check["state"], aa, "{args:?}: {check}");
        drop(sim);
    }
}
