//! Wycheproof (C2SP, commit dac1dd4) ECDSA and RSA verification vectors: every `valid` case
//! verifies, every `invalid` case is rejected; `acceptable` cases are counted and printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;
use trust::algorithms::{
    EcdsaSignatureEncoding, HashAlgorithm, PublicKey, SignatureAlgorithm, verify_signature,
};

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/wycheproof")
        .join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn hash(name: &str) -> HashAlgorithm {
    match name {
        "SHA-1" => HashAlgorithm::Sha1,
        "SHA-224" => HashAlgorithm::Sha224,
        "SHA-256" => HashAlgorithm::Sha256,
        "SHA-384" => HashAlgorithm::Sha384,
        "SHA-512" => HashAlgorithm::Sha512,
        other => panic!("hash {other}"),
    }
}

/// Runs one file; returns (valid, invalid, acceptable accepted, acceptable rejected).
fn run(name: &str, algorithm_of_group: impl Fn(&Value) -> SignatureAlgorithm) -> [usize; 4] {
    let file = load(name);
    let mut counts = [0usize; 4];
    let mut failures = Vec::new();
    for group in file["testGroups"].as_array().unwrap() {
        let spki = hex::decode(group["publicKeyDer"].as_str().unwrap()).unwrap();
        let key = PublicKey::from_spki_der(&spki);
        let algorithm = algorithm_of_group(group);
        for test in group["tests"].as_array().unwrap() {
            let msg = hex::decode(test["msg"].as_str().unwrap()).unwrap();
            let sig = hex::decode(test["sig"].as_str().unwrap()).unwrap();
            let result = key
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|k| verify_signature(k, &algorithm, &msg, &sig));
            let id = test["tcId"].as_u64().unwrap();
            match (test["result"].as_str().unwrap(), &result) {
                ("valid", Ok(())) => counts[0] += 1,
                ("invalid", Err(_)) => counts[1] += 1,
                ("acceptable", Ok(())) => counts[2] += 1,
                ("acceptable", Err(_)) => counts[3] += 1,
                (expected, got) => failures.push(format!(
                    "{name} tcId {id} ({}): expected {expected}, got {got:?}",
                    test["comment"]
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "{name}: {} valid accepted, {} invalid rejected, acceptable: {} accepted, {} rejected",
        counts[0], counts[1], counts[2], counts[3]
    );
    assert!(counts[0] > 0 && counts[1] > 0);
    counts
}

fn ecdsa(name: &str) -> [usize; 4] {
    run(name, |g| {
        SignatureAlgorithm::Ecdsa(
            hash(g["sha"].as_str().unwrap()),
            EcdsaSignatureEncoding::Der,
        )
    })
}

#[test]
fn ecdsa_secp256r1_sha256() {
    ecdsa("ecdsa_secp256r1_sha256_test.json");
}

#[test]
fn ecdsa_secp384r1_sha384() {
    ecdsa("ecdsa_secp384r1_sha384_test.json");
}

#[test]
fn ecdsa_secp521r1_sha512() {
    ecdsa("ecdsa_secp521r1_sha512_test.json");
}

#[test]
fn ecdsa_brainpool_p256r1_sha256() {
    ecdsa("ecdsa_brainpoolP256r1_sha256_test.json");
}

#[test]
fn ecdsa_brainpool_p384r1_sha384() {
    ecdsa("ecdsa_brainpoolP384r1_sha384_test.json");
}

#[test]
fn ecdsa_brainpool_p512r1_sha512() {
    ecdsa("ecdsa_brainpoolP512r1_sha512_test.json");
}

#[test]
fn rsa_pkcs1v15_2048_sha256() {
    run("rsa_signature_2048_sha256_test.json", |g| {
        SignatureAlgorithm::RsaPkcs1v15(hash(g["sha"].as_str().unwrap()))
    });
}

#[test]
fn rsa_pss_2048_sha256_mgf1_32() {
    run("rsa_pss_2048_sha256_mgf1_32_test.json", |g| {
        assert_eq!(g["mgf"], "MGF1");
        SignatureAlgorithm::RsaPss {
            hash: hash(g["sha"].as_str().unwrap()),
            mgf1_hash: hash(g["mgfSha"].as_str().unwrap()),
            salt_len: usize::try_from(g["sLen"].as_u64().unwrap()).unwrap(),
        }
    });
}
