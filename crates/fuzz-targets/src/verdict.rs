//! EF.SOD, its certificates and the verdict (ICAO 9303-11 §5.1 passive authentication, §6 the
//! chip's proof), with the parsers and checks every read runs (`pipeline`'s verification).

use icao9303::lds::DataGroup15;
use trust::algorithms::{EcdsaSignatureEncoding, HashAlgorithm, SignatureAlgorithm};
use trust::{ActiveAuthenticationKey, Certificate, ChipProof, EfSod, SodVerification};

use crate::parts;

/// EF.SOD alone: the CMS parser the verdict uses (BER normalised to DER, the
/// LDSSecurityObject, the embedded certificates, each parsed again from its DER as a store
/// loads it, with the fields the chain check reads), then the verification without a trust
/// store and a verdict on no data groups.
pub fn ef_sod(data: &[u8]) {
    if let Ok(sod) = EfSod::from_bytes(data) {
        for certificate in sod.certificates() {
            certificate_fields(certificate);
            if let Ok(again) = Certificate::from_der(certificate.der()) {
                assert_eq!(&again, certificate, "a certificate parses again to itself");
            }
        }
        let _ = sod.lds_security_object().data_group_hashes.len();
    }
    let verification = SodVerification::new(data, None, None, None);
    let _ = verification.judge(&[], None, &ChipProof::NotPerformed(String::new()), None);
}

/// What the chain check and the reports read of a certificate.
fn certificate_fields(c: &Certificate) {
    let _ = c.subject_string();
    let _ = c.issuer_string();
    let _ = c.public_key();
    let _ = c.subject_key_identifier();
    let _ = c.authority_key_identifier();
    let _ = c.key_usage();
    let _ = c.is_ca();
    let _ = c.path_len_constraint();
    let _ = c.subject_countries();
    let _ = c.issuer_countries();
    let _ = c.signature_algorithm();
    let _ = c.is_valid_at(c.not_before());
    let _ = c.fingerprint();
}

/// The data groups of a [`verdict`] input, in the order of its parts.
const DATA_GROUPS: [u8; 5] = [1, 2, 13, 14, 15];

/// A whole card's verdict as a read gives it: parts `EF.SOD`, `DG1`, `DG2`, `DG13`, `DG14`,
/// `DG15` (an empty or missing part is a data group not read), then the chip's proof: nothing
/// (not performed), `00` (chip authentication passed), `01` (failed), or `02`-`FF` followed by
/// Active Authentication's 8-byte challenge and the chip's signature, the first byte choosing
/// the ECDSA hash DG14 would name (or none: RSA). Issuing state from DG1 and the AA key from DG15
/// as the pipeline takes them.
pub fn verdict(data: &[u8]) {
    let parts = parts(data);
    let sod = parts.first().copied().unwrap_or_default();
    let dgs: Vec<(u8, &[u8])> = DATA_GROUPS
        .iter()
        .zip(parts.iter().skip(1))
        .filter(|(_, bytes)| !bytes.is_empty())
        .map(|(&n, &bytes)| (n, bytes))
        .collect();
    let get = |n: u8| dgs.iter().find(|(m, _)| *m == n).map(|(_, d)| *d);
    let issuing_state = get(1).and_then(pipeline::issuing_state_of_dg1);
    let (proof, hash) = match parts.get(1 + DATA_GROUPS.len()).copied() {
        None | Some([]) => (ChipProof::NotPerformed(String::new()), None),
        Some([0, ..]) => (ChipProof::ChipAuthenticationPassed, None),
        Some([1, ..]) => (ChipProof::ChipAuthenticationFailed(String::new()), None),
        Some([choice, rest @ ..]) => {
            let (challenge, signature) = rest.split_at(rest.len().min(8));
            let proof = ChipProof::ActiveAuthentication {
                challenge: challenge.to_vec(),
                signature: signature.to_vec(),
            };
            (proof, ecdsa_hash(*choice))
        }
    };
    let dg15 = get(15).map(DataGroup15::parse);
    let aa = dg15.as_ref().map(|d| ActiveAuthenticationKey {
        spki: d.as_ref().ok().map(|d| d.spki.as_slice()),
        algorithm: hash.map(|h| SignatureAlgorithm::Ecdsa(h, EcdsaSignatureEncoding::Plain)),
    });
    let verification = SodVerification::new(sod, None, None, None);
    let without_photo: Vec<(u8, &[u8])> = dgs.iter().copied().filter(|(n, _)| *n != 2).collect();
    let _ = verification.judge(&without_photo, issuing_state.as_deref(), &proof, aa);
    let v = verification.judge(&dgs, issuing_state.as_deref(), &proof, aa);
    let missing: Vec<(u8, String)> = [3, 4].map(|n| (n, String::new())).to_vec();
    let _ = v.with_files_not_given(&missing);
    if let (Some(sod), Some(dg2)) = (verification.sod(), get(2)) {
        let _ = sod.check_data_group(2, dg2);
    }
}

/// The ECDSA hash an ActiveAuthenticationInfo names, by the proof's first byte (`None`: an RSA
/// key, whose hash the ISO/IEC 9796-2 signature itself names).
fn ecdsa_hash(choice: u8) -> Option<HashAlgorithm> {
    match choice % 6 {
        0 => Some(HashAlgorithm::Sha1),
        1 => Some(HashAlgorithm::Sha224),
        2 => Some(HashAlgorithm::Sha256),
        3 => Some(HashAlgorithm::Sha384),
        4 => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}
