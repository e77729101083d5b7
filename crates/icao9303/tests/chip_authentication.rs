//! The terminal's Chip Authentication (ICAO 9303-11 §6.2) against the chip side of the virtual
//! card (`card_sim::chip::ca`) behind secure messaging: every curve with AES and 3DES, both
//! command variants, clones, refusals, the exact plain commands, and Appendix I.1's chip key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use apdu::{
    CardTransaction, Command, ExchangeExt, Response, SmFailure, StatusWord, TransportError,
};
use card_sim::chip::ca::CardChipAuthentication;
use icao9303::Cipher;
use icao9303::ca::{
    CaCommands, ChipAuthDetails, ChipAuthFailure, ChipAuthOutcome, ChipAuthParams, ChipAuthRefusal,
    ca_ecdh_oid, chip_authenticate, perform_chip_authentication,
};
use icao9303::card_access::SecurityInfos;
use icao9303::ec::{self, Curve};
use icao9303::sm::{CardSecureMessaging, SecureMessaging, SmKeys};

// The helpers of the crate's own unit tests (the worked examples, seeded generators).
#[allow(dead_code)]
#[path = "../src/test_vectors.rs"]
mod test_vectors;
use test_vectors::{CounterRng, ScriptedRng, h, vectors};

const CURVES_ALL: [Curve; 4] = [
    Curve::BrainpoolP256r1,
    Curve::NistP256,
    Curve::NistP384,
    Curve::BrainpoolP384r1,
];

/// A chip behind secure messaging: CA commands go to [`CardChipAuthentication`], SELECT
/// answers 9000, anything else echoes its data. Records every plain command it received.
struct CaChip {
    sm: CardSecureMessaging,
    ca: CardChipAuthentication,
    seen: Vec<Vec<u8>>,
}

impl CardTransaction for CaChip {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        // A chip that cannot verify the command answers 6988 without protection.
        let Ok(cmd) = self.sm.unwrap_command(command) else {
            return Ok(vec![0x69, 0x88]);
        };
        self.seen.push(cmd.to_bytes().unwrap());
        let (response, keys) = if self.ca.handles(&cmd) {
            self.ca.process(&cmd)
        } else if cmd.ins == 0xA4 {
            (Response::status(StatusWord::SUCCESS), None)
        } else {
            (
                Response::new(cmd.data().to_vec(), StatusWord::SUCCESS),
                None,
            )
        };
        let wrapped = self.sm.wrap_response(&response).unwrap();
        if let Some(keys) = keys {
            let ssc = vec![0; keys.cipher().block_len()];
            self.sm = CardSecureMessaging::new(keys, &ssc).unwrap();
        }
        Ok(wrapped)
    }
}

/// A session (old keys: 3DES as after BAC, or AES-128 as after PACE) between the terminal
/// and a chip holding `chip_key`, with a DG14 advertising `dg14_key`.
fn session(old: Cipher, chip: CardChipAuthentication) -> SecureMessaging<CaChip> {
    let k: Vec<u8> = (1..=old.key_len() as u8).collect();
    let keys = SmKeys::new(old, &k, &k).unwrap();
    let ssc = vec![7; old.block_len()];
    let card = CaChip {
        sm: CardSecureMessaging::new(keys.clone(), &ssc).unwrap(),
        ca: chip,
        seen: vec![],
    };
    SecureMessaging::new(card, keys, &ssc).unwrap()
}

fn dg14(infos: &[Vec<u8>]) -> SecurityInfos {
    let body = infos.concat();
    let mut set = vec![0x31];
    set.extend(if body.len() < 0x80 {
        vec![body.len() as u8]
    } else {
        vec![0x82, (body.len() >> 8) as u8, body.len() as u8]
    });
    set.extend(body);
    SecurityInfos::parse(&set).unwrap()
}

fn chip(cipher: Cipher, curve: Curve, seed: u64, key_id: Option<u64>) -> CardChipAuthentication {
    let sk = ec::random_private_key(curve, &mut CounterRng(seed));
    CardChipAuthentication::new(&ca_ecdh_oid(cipher), curve, &sk, key_id).unwrap()
}

fn dg14_of(c: &CardChipAuthentication) -> SecurityInfos {
    let (info, pk) = c.security_infos_der().unwrap();
    dg14(&[info, pk])
}

#[test]
fn round_trip_on_every_curve_with_aes_and_3des() {
    for curve in CURVES_ALL {
        for (old, cipher) in [
            (Cipher::Aes128, Cipher::Aes128),
            (Cipher::Tdes, Cipher::Tdes),
            (Cipher::Aes128, Cipher::Aes256),
            (Cipher::Tdes, Cipher::Aes192),
        ] {
            let card = chip(cipher, curve, 3, None);
            let infos = dg14_of(&card);
            let sm = session(old, card);
            let (mut sm, outcome) =
                perform_chip_authentication(sm, &infos, &mut CounterRng(11)).unwrap();
            let want_commands = CaCommands::for_cipher(cipher);
            assert_eq!(
                outcome,
                ChipAuthOutcome::Passed(ChipAuthDetails {
                    cipher,
                    curve,
                    key_id: None,
                    commands: want_commands
                }),
                "{curve:?} {cipher:?}"
            );
            assert_eq!(sm.cipher(), cipher);
            // The session goes on under the CA keys.
            let echo = sm
                .exchange(
                    &Command::new(0, 0xD6, 0, 0)
                        .with_data(vec![9, 8, 7])
                        .with_ne(256),
                )
                .unwrap();
            assert_eq!(echo.data, vec![9, 8, 7]);
            let seen = &sm.into_inner().seen;
            let first = &seen[0];
            match want_commands {
                CaCommands::MseSetKat => {
                    assert_eq!(&first[..4], &[0x00, 0x22, 0x41, 0xA6]);
                    assert_eq!(seen.len(), 3);
                }
                _ => {
                    assert_eq!(&first[..4], &[0x00, 0x22, 0x41, 0xA4]);
                    assert_eq!(&seen[1][..4], &[0x00, 0x86, 0x00, 0x00]);
                    assert_eq!(seen.len(), 4);
                }
            }
            assert_eq!(seen[seen.len() - 2], hex::decode("00A4020C02010E").unwrap());
        }
    }
}

#[test]
fn set_at_with_3des_is_accepted_by_the_chip() {
    let card = chip(Cipher::Tdes, Curve::BrainpoolP256r1, 5, Some(1));
    let mut params = ChipAuthParams::from_security_infos(&dg14_of(&card)).unwrap();
    assert_eq!(params.commands, CaCommands::MseSetKat);
    params.commands = CaCommands::MseSetAtGeneralAuthenticate;
    let (_, outcome) =
        chip_authenticate(session(Cipher::Tdes, card), &params, &mut CounterRng(1)).unwrap();
    assert!(outcome.passed(), "{outcome:?}");
}

#[test]
fn a_chip_without_dg14_private_key_fails() {
    for (cipher, curve) in [
        (Cipher::Aes128, Curve::BrainpoolP256r1),
        (Cipher::Tdes, Curve::NistP256),
    ] {
        // DG14 copied from a genuine chip; the clone has its own key.
        let genuine = chip(cipher, curve, 1, None);
        let clone = chip(cipher, curve, 2, None);
        let (sm, outcome) = perform_chip_authentication(
            session(Cipher::Aes128, clone),
            &dg14_of(&genuine),
            &mut CounterRng(4),
        )
        .unwrap();
        assert_eq!(
            outcome,
            ChipAuthOutcome::Failed {
                details: ChipAuthDetails {
                    cipher,
                    curve,
                    key_id: None,
                    commands: CaCommands::for_cipher(cipher)
                },
                reason: ChipAuthFailure::KeysNotConfirmed(SmFailure::CardRejected(
                    StatusWord::SM_OBJECTS_INCORRECT
                ))
            }
        );
        assert!(!outcome.passed());
        assert!(sm.session_lost().is_some());
    }
}

/// A clone that answers the confirmation with a plain error, and one whose answer's MAC is
/// made with other keys.
#[test]
fn unprotected_errors_and_bad_macs_after_ca_are_failures() {
    struct Clone {
        answer: Vec<u8>,
        inner: CaChip,
        n: usize,
    }
    impl CardTransaction for Clone {
        fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.n += 1;
            if self.n == 3 {
                return Ok(self.answer.clone());
            }
            self.inner.transmit(c)
        }
    }
    let card = chip(Cipher::Aes128, Curve::NistP256, 1, None);
    let infos = dg14_of(&card);
    for (answer, reason) in [
        (
            "6A82",
            ChipAuthFailure::UnexpectedStatus(StatusWord::FILE_NOT_FOUND),
        ),
        (
            "990290008E0801020304050607089000",
            ChipAuthFailure::KeysNotConfirmed(SmFailure::BadMac),
        ),
    ] {
        let card = chip(Cipher::Aes128, Curve::NistP256, 1, None);
        let sm = session(Cipher::Aes128, card).into_inner();
        let k: Vec<u8> = (1..=16).collect();
        let keys = SmKeys::new(Cipher::Aes128, &k, &k).unwrap();
        let clone = Clone {
            answer: hex::decode(answer).unwrap(),
            inner: sm,
            n: 0,
        };
        let sm = SecureMessaging::new(clone, keys, &[7; 16]).unwrap();
        let (_, outcome) = perform_chip_authentication(sm, &infos, &mut CounterRng(4)).unwrap();
        assert!(
            matches!(&outcome, ChipAuthOutcome::Failed { reason: r, .. } if *r == reason),
            "{answer}: {outcome:?}"
        );
    }
}

#[test]
fn a_refusal_is_not_a_failure_and_keeps_the_old_session() {
    // The chip has another keyId than DG14 names: 6A88 to MSE:Set AT.
    let card = chip(Cipher::Aes128, Curve::BrainpoolP256r1, 1, Some(2));
    let (info, pk) = chip(Cipher::Aes128, Curve::BrainpoolP256r1, 1, Some(3))
        .security_infos_der()
        .unwrap();
    let (mut sm, outcome) = perform_chip_authentication(
        session(Cipher::Aes128, card),
        &dg14(&[info, pk]),
        &mut CounterRng(4),
    )
    .unwrap();
    // DG14 names its cipher: only that one is tried, and the refusal is reported as such
    // (not performed), not as a clone.
    assert_eq!(
        outcome,
        ChipAuthOutcome::Refused(vec![ChipAuthRefusal {
            cipher: Cipher::Aes128,
            step: "MSE:Set AT",
            sw: StatusWord::REFERENCED_DATA_NOT_FOUND
        }])
    );
    assert_eq!(sm.session_lost(), None);
    assert_eq!(sm.cipher(), Cipher::Aes128);
    assert!(
        sm.exchange(&Command::new(0, 0xA4, 2, 0x0C).with_data(vec![1, 1]))
            .unwrap()
            .is_success()
    );
}

#[test]
fn exact_plain_commands() {
    // Ephemeral key = SK_map_IFD of ICAO 9303-11 Appendix G.1, whose public key over the
    // standard generator of brainpoolP256r1 is printed there as PK_map_IFD.
    let g = &vectors()["pace_G1_ecdh_gm"];
    let pk = format!("04{}", test_vectors::s(&g["PK_map_IFD"]));
    let card = chip(Cipher::Tdes, Curve::BrainpoolP256r1, 1, Some(0x0D));
    let infos = dg14_of(&card);
    let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"])]);
    let (sm, outcome) =
        perform_chip_authentication(session(Cipher::Tdes, card), &infos, &mut rng).unwrap();
    assert!(outcome.passed());
    assert!(rng.is_empty());
    let seen: Vec<String> = sm.into_inner().seen.iter().map(hex::encode_upper).collect();
    assert_eq!(
        seen,
        vec![
            // MSE:Set KAT: DO'91 (65 bytes) and DO'84 keyId 13; no Le.
            format!("002241A646{}{pk}84010D", "9141"),
            "00A4020C02010E".to_owned(),
        ]
    );

    let card = chip(Cipher::Aes128, Curve::BrainpoolP256r1, 1, None);
    let infos = dg14_of(&card);
    let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"])]);
    let (sm, _) =
        perform_chip_authentication(session(Cipher::Aes128, card), &infos, &mut rng).unwrap();
    let seen: Vec<String> = sm.into_inner().seen.iter().map(hex::encode_upper).collect();
    assert_eq!(
        seen,
        vec![
            // MSE:Set AT: DO'80 id-CA-ECDH-AES-CBC-CMAC-128.
            "002241A40C800A04007F00070202030202".to_owned(),
            // General Authenticate: 7C { 80 PK }, Le 00.
            format!("0086000045 7C43 8041{pk}00").replace(' ', ""),
            "00A4020C02010E".to_owned(),
        ]
    );
}

/// ICAO 9303-11 Appendix I.1 (PACE-CAM) prints a ChipAuthenticationPublicKeyInfo with
/// standardized domain parameters (ID 13) and keyId 13, and the chip's CA_IC with
/// `PK_map_IC = CA_IC · PK_IC_CA`, so `SK_IC_CA = SK_map_IC / CA_IC`. A chip holding that
/// key passes Chip Authentication against the printed DG14 entry.
#[test]
fn appendix_i1_chip_key() {
    use elliptic_curve::{PrimeField, Scalar};
    type C = bp256::BrainpoolP256r1;
    let v = &vectors()["pace_I1_ecdh_cam"];
    let infos = dg14(&[h(&v["ChipAuthenticationPublicKeyInfo"])]);
    let params = ChipAuthParams::from_security_infos(&infos).unwrap();
    assert_eq!(params.curve, Curve::BrainpoolP256r1);
    assert_eq!(params.key_id, Some(13));
    assert_eq!(
        params.chip_public_key,
        [vec![4], h(&v["PK_IC_CA"])].concat()
    );
    let scalar = |k: &str| {
        let repr = elliptic_curve::FieldBytes::<C>::try_from(&h(&v[k])[..]).unwrap();
        Option::<Scalar<C>>::from(Scalar::<C>::from_repr(repr)).unwrap()
    };
    let inv = Option::<Scalar<C>>::from(scalar("CA_IC").invert()).unwrap();
    let sk = (scalar("SK_map_IC") * inv).to_repr().to_vec();
    let card = CardChipAuthentication::new(&ca_ecdh_oid(Cipher::Tdes), params.curve, &sk, Some(13))
        .unwrap();
    assert_eq!(card.public_key().unwrap(), params.chip_public_key);
    let (_, outcome) =
        perform_chip_authentication(session(Cipher::Aes128, card), &infos, &mut CounterRng(8))
            .unwrap();
    assert!(outcome.passed(), "{outcome:?}");
}

#[test]
fn without_a_named_cipher_aes256_then_aes128_then_3des_are_tried() {
    // DG14 holds the key only (no ChipAuthenticationInfo), as on cards whose vendor reader
    // hard-codes its cipher.
    for chip_cipher in [Cipher::Aes256, Cipher::Aes128, Cipher::Tdes] {
        let card = chip(chip_cipher, Curve::BrainpoolP256r1, 9, None);
        let (_, pk) = card.security_infos_der().unwrap();
        let infos = dg14(&[pk]);
        let candidates = ChipAuthParams::candidates(&infos).unwrap();
        assert_eq!(
            candidates.iter().map(|c| c.cipher).collect::<Vec<_>>(),
            [Cipher::Aes256, Cipher::Aes128, Cipher::Tdes]
        );
        let (_, outcome) =
            perform_chip_authentication(session(Cipher::Aes128, card), &infos, &mut CounterRng(4))
                .unwrap();
        let ChipAuthOutcome::Passed(details) = &outcome else {
            panic!("{chip_cipher:?}: {outcome:?}")
        };
        assert_eq!(details.cipher, chip_cipher);
    }
}

#[test]
fn a_chip_refusing_every_cipher_has_not_performed_chip_authentication() {
    // The chip does another key (keyId 2) than DG14's (3): it refuses each cipher.
    let card = chip(Cipher::Aes128, Curve::BrainpoolP256r1, 1, Some(2));
    let (_, pk) = chip(Cipher::Aes128, Curve::BrainpoolP256r1, 1, Some(3))
        .security_infos_der()
        .unwrap();
    let (_, outcome) = perform_chip_authentication(
        session(Cipher::Aes128, card),
        &dg14(&[pk]),
        &mut CounterRng(4),
    )
    .unwrap();
    let ChipAuthOutcome::Refused(refusals) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        refusals.iter().map(|r| r.cipher).collect::<Vec<_>>(),
        [Cipher::Aes256, Cipher::Aes128, Cipher::Tdes]
    );
}
