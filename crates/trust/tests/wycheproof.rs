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
        .join("../../fixtures/wycheproof")
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

/// Re-encodes a DER `ECDSA-Sig-Value` as plain `r || s` of `len`-byte halves.
fn der_to_plain(sig: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = if sig[1] & 0x80 != 0 {
        2 + usize::from(sig[1] & 0x7f)
    } else {
        2
    };
    for _ in 0..2 {
        assert_eq!(sig[i], 0x02);
        let l = usize::from(sig[i + 1]);
        let v = &sig[i + 2..i + 2 + l];
        let v = &v[v.iter().take_while(|b| **b == 0).count()..];
        out.extend(std::iter::repeat_n(0u8, len - v.len()));
        out.extend_from_slice(v);
        i += 2 + l;
    }
    out
}

#[test]
fn ecdsa_plain_r_s_encoding_of_valid_cases_verifies() {
    for (name, len) in [
        ("ecdsa_brainpoolP512r1_sha512_test.json", 64),
        ("ecdsa_secp256r1_sha256_test.json", 32),
        ("ecdsa_secp521r1_sha512_test.json", 66),
    ] {
        let file = load(name);
        let mut checked = 0;
        for group in file["testGroups"].as_array().unwrap() {
            let spki = hex::decode(group["publicKeyDer"].as_str().unwrap()).unwrap();
            let key = PublicKey::from_spki_der(&spki).unwrap();
            let h = hash(group["sha"].as_str().unwrap());
            for test in group["tests"].as_array().unwrap() {
                if test["result"] != "valid" {
                    continue;
                }
                let msg = hex::decode(test["msg"].as_str().unwrap()).unwrap();
                let sig = hex::decode(test["sig"].as_str().unwrap()).unwrap();
                let mut plain = der_to_plain(&sig, len);
                let alg = SignatureAlgorithm::Ecdsa(h, EcdsaSignatureEncoding::Plain);
                verify_signature(&key, &alg, &msg, &plain).unwrap();
                // Change r (flipping the low bit of s can give n - s, a valid signature too:
                // the "malleability" edge cases).
                plain[len / 2] ^= 1;
                assert!(
                    verify_signature(&key, &alg, &msg, &plain).is_err(),
                    "{name} {} {}",
                    test["tcId"],
                    test["comment"]
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "{name}");
    }
}

#[test]
fn explicit_parameters_are_matched_or_unsupported() {
    use trust::algorithms::NamedCurve;
    // brainpoolP512r1 in explicit form (generated by `openssl ecparam -param_enc explicit`).
    let file = load("ecdsa_brainpoolP512r1_sha512_test.json");
    let group = &file["testGroups"][0];
    let point = hex::decode(group["publicKey"]["uncompressed"].as_str().unwrap()).unwrap();
    let params = explicit_bp512();
    assert_eq!(
        NamedCurve::from_explicit_parameters(&asn1::ber::parse_one(&params).unwrap()).unwrap(),
        NamedCurve::BrainpoolP512r1
    );
    let key = PublicKey::from_parts(&trust::oid::ID_EC_PUBLIC_KEY, Some(&params), &point).unwrap();
    assert!(matches!(
        key,
        PublicKey::Ec {
            curve: NamedCurve::BrainpoolP512r1,
            explicit: true,
            ..
        }
    ));
    // One changed bit anywhere in p, a, b, G or n: not a supported curve, never "valid".
    for at in [20, 90, 160, 230, 300, 380] {
        let mut bad = params.clone();
        bad[at] ^= 0x01;
        let r = asn1::ber::parse_one(&bad)
            .map_err(asn1::CurveError::Malformed)
            .and_then(|p| NamedCurve::from_explicit_parameters(&p))
            .map_err(trust::TrustError::from);
        assert!(
            matches!(r, Err(trust::TrustError::Unsupported(_))),
            "byte {at}: {r:?}"
        );
    }
}

/// ECParameters of brainpoolP512r1 (RFC 5639 §3.7) as `openssl ecparam -param_enc explicit`
/// writes them (with the seed-less Curve).
fn explicit_bp512() -> Vec<u8> {
    let p = "00aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3";
    let a = "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca";
    let b = "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723";
    let g = "0481aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f8227dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892";
    let n = "00aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069";
    use asn1::tlv;
    let h = |s: &str| hex::decode(s).unwrap();
    let prime_field = h("06072a8648ce3d0101");
    let field_id = tlv(0x30, &[prime_field, tlv(0x02, &h(p))].concat());
    let curve = tlv(0x30, &[tlv(0x04, &h(a)), tlv(0x04, &h(b))].concat());
    let body = [
        tlv(0x02, &[1]),
        field_id,
        curve,
        tlv(0x04, &h(g)),
        tlv(0x02, &h(n)),
        tlv(0x02, &[1]),
    ]
    .concat();
    let der = tlv(0x30, &body);
    assert_eq!(der.len(), 0x1a2 + 4);
    der
}
