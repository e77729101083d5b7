//! Secure messaging against the worked example of ICAO 9303-11 Appendix D.4 and other
//! published cases, both directions through a loopback chip, and hostile input.

use super::*;
use crate::test_vectors::{h, s, vectors};
use apdu::{ExchangeExt, Transcript};
use proptest::prelude::*;

/// The SM failure a transport error reports, if it reports one.
fn sm_failure_of(e: &TransportError) -> Option<SmFailure> {
    match e {
        TransportError::SessionLost(f) => Some(*f),
        _ => None,
    }
}

fn hx(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn d4_session(t: Transcript) -> SecureMessaging<Transcript> {
    let v = vectors();
    let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
    let keys = SmKeys::new(Cipher::Tdes, &h(&d3["KSenc"]), &h(&d3["KSmac"])).unwrap();
    SecureMessaging::new(t, keys, &h(&d3["SSC"])).unwrap()
}

#[test]
fn appendix_d4_select_and_read_binary() {
    let v = vectors();
    let steps = v["bac_icao_appD"]["D4_secure_messaging"]
        .as_array()
        .unwrap();
    assert_eq!(steps.len(), 3);
    let pairs: Vec<(&str, &str)> = steps
        .iter()
        .map(|st| (s(&st["protected"]), s(&st["RAPDU"])))
        .collect();
    let mut sm = d4_session(Transcript::from_hex(&pairs));
    let mut plain = Vec::new();
    for st in steps {
        let cmd = Command::from_bytes(&h(&st["unprotected"])).unwrap();
        let r = sm.exchange(&cmd).unwrap();
        assert_eq!(r.sw, StatusWord::SUCCESS, "{}", s(&st["step"]));
        if let Some(d) = st.get("decrypted") {
            assert_eq!(r.data, h(d));
        }
        plain.extend_from_slice(&r.data);
    }
    assert_eq!(plain, h(&v["bac_icao_appD"]["EF_COM"]));
    assert_eq!(&*sm.state.ssc, &hx("887022120C06C22C"));
    sm.into_inner().finish().unwrap();
}

#[test]
fn appendix_d4_card_side() {
    let v = vectors();
    let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
    let keys = SmKeys::new(Cipher::Tdes, &h(&d3["KSenc"]), &h(&d3["KSmac"])).unwrap();
    let mut card = CardSecureMessaging::new(keys, &h(&d3["SSC"])).unwrap();
    for st in v["bac_icao_appD"]["D4_secure_messaging"]
        .as_array()
        .unwrap()
    {
        let cmd = card.unwrap_command(&h(&st["protected"])).unwrap();
        assert_eq!(cmd.to_bytes().unwrap(), h(&st["unprotected"]));
        let data = st.get("decrypted").map(h).unwrap_or_default();
        let wrapped = card
            .wrap_response(&Response::new(data, StatusWord::SUCCESS))
            .unwrap();
        assert_eq!(wrapped, h(&st["RAPDU"]), "{}", s(&st["step"]));
    }
}

#[test]
fn nfc_passport_reader_3des_cases() {
    let v = vectors();
    let c = &v["sm_extra"]["NFCPassportReader_3DES"];
    let keys = SmKeys::new(Cipher::Tdes, &h(&c["KSenc"]), &h(&c["KSmac"])).unwrap();
    let mut st = SmState::new(keys.clone(), &h(&c["protect"]["SSC_before"])).unwrap();
    let cmd = Command::from_bytes(&h(&c["protect"]["apdu"])).unwrap();
    let p = protect_command(&mut st, &cmd).unwrap();
    assert_eq!(p.data(), h(&c["protect"]["protected_data"]).as_slice());
    for case in ["unprotect_nodata", "unprotect_data"] {
        let mut st = SmState::new(keys.clone(), &h(&c[case]["SSC_before"])).unwrap();
        let r = unprotect_response(
            &mut st,
            &Response::from_bytes(&h(&c[case]["rapdu"])).unwrap(),
        )
        .unwrap();
        assert!(!r.unauthenticated, "{case}");
        assert_eq!(r.response.to_bytes(), h(&c[case]["plain"]), "{case}");
    }
}

#[test]
fn gmrtd_aes_cases() {
    let v = vectors();
    let c = &v["sm_extra"]["gmrtd_AES128_protect"];
    let keys = SmKeys::new(Cipher::Aes128, &h(&c["KSenc"]), &h(&c["KSmac"])).unwrap();
    let mut st = SmState::new(keys, &h(&c["SSC_before"])).unwrap();
    let p = protect_command(&mut st, &Command::from_bytes(&h(&c["apdu"])).unwrap()).unwrap();
    assert_eq!(p.to_bytes().unwrap(), h(&c["protected"]));

    let c = &v["sm_extra"]["gmrtd_AES256_decrypt"];
    let keys = SmKeys::new(Cipher::Aes256, &h(&c["KSenc"]), &[0; 32]).unwrap();
    let st = SmState::new(keys, &h(&c["SSC"])).unwrap();
    let value = h(&c["DO87_value"]);
    assert_eq!(value[0], 1);
    assert_eq!(*st.decrypt(&value[1..]).unwrap(), h(&c["plain"]));
}

fn pair(cipher: Cipher) -> (SmKeys, Vec<u8>) {
    let k_enc: Vec<u8> = (1..=cipher.key_len() as u8).collect();
    let k_mac: Vec<u8> = (101..101 + cipher.key_len() as u8).collect();
    (
        SmKeys::new(cipher, &k_enc, &k_mac).unwrap(),
        vec![0x42; cipher.block_len()],
    )
}

/// A card that answers through [`CardSecureMessaging`], with a hook to tamper with replies.
struct Loopback {
    card: CardSecureMessaging,
    tamper: fn(&mut Vec<u8>),
    seen: Vec<Command>,
}

impl CardTransaction for Loopback {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let Ok(cmd) = self.card.unwrap_command(command) else {
            return Ok(vec![0x69, 0x88]);
        };
        let data: Vec<u8> = cmd.data().iter().rev().copied().collect();
        self.seen.push(cmd);
        let mut out = self
            .card
            .wrap_response(&Response::new(data, StatusWord::SUCCESS))
            .unwrap();
        (self.tamper)(&mut out);
        Ok(out)
    }
}

fn loopback(cipher: Cipher, tamper: fn(&mut Vec<u8>)) -> SecureMessaging<Loopback> {
    let (keys, ssc) = pair(cipher);
    let card = CardSecureMessaging::new(keys.clone(), &ssc).unwrap();
    SecureMessaging::new(
        Loopback {
            card,
            tamper,
            seen: vec![],
        },
        keys,
        &ssc,
    )
    .unwrap()
}

#[test]
fn bad_response_mac_kills_the_session() {
    for cipher in [Cipher::Tdes, Cipher::Aes128] {
        let mut sm = loopback(cipher, |r| {
            let n = r.len();
            r[n - 3] ^= 1; // last MAC byte
        });
        let cmd = Command::new(0, 0xB0, 0, 0).with_ne(4);
        let e = sm.transmit(&cmd.to_bytes().unwrap()).unwrap_err();
        assert_eq!(sm_failure_of(&e), Some(SmFailure::BadMac));
        assert_eq!(sm.session_lost(), Some(SmFailure::BadMac));
        // Every later exchange fails the same way without reaching the card.
        let e2 = sm.transmit(&cmd.to_bytes().unwrap()).unwrap_err();
        assert_eq!(sm_failure_of(&e2), Some(SmFailure::BadMac));
        assert_eq!(sm.inner.seen.len(), 1);
        let err: Error = apdu::ApduError::Transport(e2).into();
        assert_eq!(err, Error::SmSessionLost(SmFailure::BadMac));
    }
}

#[test]
fn unprotected_sm_errors_and_missing_objects_kill_the_session() {
    let cases: [(&str, SmFailure); 4] = [
        ("6988", SmFailure::CardRejected(StatusWord(0x6988))),
        ("6987", SmFailure::CardRejected(StatusWord(0x6987))),
        ("9000", SmFailure::MissingObject("DO'99")),
        ("990290009000", SmFailure::MissingObject("DO'8E")),
    ];
    for (resp, want) in cases {
        let t = Transcript::from_hex(&[("0CB000000D9701048E08ED6705417E96BA5500", resp)]);
        let mut sm = d4_session(t);
        // Skip the SELECT of D.4 so the READ BINARY's SSC matches the transcript.
        sm.state.increment().unwrap();
        sm.state.increment().unwrap();
        let e = sm.transmit(&hx("00B0000004")).unwrap_err();
        assert_eq!(sm_failure_of(&e), Some(want), "{resp}");
        assert_eq!(sm.session_lost(), Some(want));
        let mut t = sm.into_inner();
        t.finish().unwrap();
    }
}

#[test]
fn plain_error_status_passes_through_marked_unauthenticated() {
    let t = Transcript::from_hex(&[(
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
        "6A82",
    )]);
    let mut sm = d4_session(t);
    assert_eq!(sm.last_status_unauthenticated(), None);
    assert_eq!(sm.transmit(&hx("00A4020C02011E")).unwrap(), hx("6A82"));
    assert_eq!(sm.session_lost(), None);
    assert_eq!(sm.last_status_unauthenticated(), Some(StatusWord(0x6A82)));
    sm.into_inner().finish().unwrap();
}

#[test]
fn transport_failure_loses_the_session() {
    let mut sm = d4_session(Transcript::new(vec![]).then_fail(TransportError::CardRemoved));
    assert_eq!(
        sm.transmit(&hx("00B0000004")),
        Err(TransportError::CardRemoved)
    );
    assert_eq!(sm.session_lost(), Some(SmFailure::Transport));
    sm.into_inner().finish().unwrap();
}

/// A card whose answers are data objects it wrote itself, MACed by
/// [`CardSecureMessaging::authenticate_response`].
struct Authenticating {
    card: CardSecureMessaging,
    answer: Vec<u8>,
}

impl CardTransaction for Authenticating {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.card.unwrap_command(command).unwrap();
        Ok(self
            .card
            .authenticate_response(&self.answer, StatusWord::SUCCESS)
            .unwrap())
    }
}

#[test]
fn self_written_objects_pass_the_mac_and_are_then_judged() {
    for cipher in [Cipher::Tdes, Cipher::Aes128] {
        let (keys, ssc) = pair(cipher);
        let session = |answer: &str| {
            let card = CardSecureMessaging::new(keys.clone(), &ssc).unwrap();
            let answer = hx(answer);
            SecureMessaging::new(Authenticating { card, answer }, keys.clone(), &ssc).unwrap()
        };
        let cmd = Command::new(0, 0xB0, 0, 0).with_ne(4);
        // DO'99 alone is a valid protected answer without data.
        let r = session("99026A82").send(&cmd).unwrap();
        assert_eq!(r, Response::status(StatusWord(0x6A82)));
        // Past the MAC, what a genuine chip never sends is malformed, not a bad MAC.
        for (answer, want) in [
            (
                "9901909000",
                SmFailure::Malformed("DO'99 must hold 2 bytes"),
            ),
            (
                "8002000099029000",
                SmFailure::Malformed("unexpected data object in the response"),
            ),
            (
                "870102990290009000",
                SmFailure::Malformed("DO'87 without the 01 padding indicator"),
            ),
            ("", SmFailure::MissingObject("DO'99")),
        ] {
            let mut sm = session(answer);
            assert_eq!(sm.send(&cmd), Err(Error::SmSessionLost(want)), "{answer}");
        }
    }
}

#[test]
fn card_rejects_tampered_commands() {
    let (keys, ssc) = pair(Cipher::Aes128);
    let mut term = SmState::new(keys.clone(), &ssc).unwrap();
    let mut card = CardSecureMessaging::new(keys, &ssc).unwrap();
    let mut p = protect_command(
        &mut term,
        &Command::new(0, 0xA4, 2, 0x0C).with_data(vec![1, 0x1E]),
    )
    .unwrap()
    .to_bytes()
    .unwrap();
    p[8] ^= 0x40;
    assert_eq!(card.unwrap_command(&p).err(), Some(SmFailure::BadMac));
    assert!(card.unwrap_command(&hx("00A4020C02011E")).is_err());
}

#[test]
fn extended_length_is_kept() {
    for cipher in [Cipher::Tdes, Cipher::Aes256] {
        let (keys, ssc) = pair(cipher);
        let mut st = SmState::new(keys, &ssc).unwrap();
        let p = protect_command(&mut st, &Command::new(0, 0xB0, 0, 0).with_ne(1000)).unwrap();
        let bytes = p.to_bytes().unwrap();
        // 0C B0 00 00 | 00 00 0E | 97 02 03E8 | 8E 08 .. | 00 00
        assert_eq!(&bytes[..11], &hx("0CB0000000000E970203E8")[..11]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0, 0]);
        let p = protect_command(&mut st, &Command::new(0, 0xB0, 0, 0).with_ne(256)).unwrap();
        assert_eq!(&p.to_bytes().unwrap()[4..8], &hx("0D970100"));
    }
}

fn ciphers() -> impl Strategy<Value = Cipher> {
    prop_oneof![
        Just(Cipher::Tdes),
        Just(Cipher::Aes128),
        Just(Cipher::Aes192),
        Just(Cipher::Aes256)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn wrap_then_card_unwrap_round_trip(
        cipher in ciphers(),
        ins in prop_oneof![Just(0xA4u8), Just(0xB0), Just(0xB1), Just(0x22), Just(0x2A)],
        p1 in any::<u8>(), p2 in any::<u8>(),
        data in proptest::collection::vec(any::<u8>(), 0..700),
        ne in proptest::option::of(1usize..=65_536),
        rounds in 1usize..3,
    ) {
        let mut sm = loopback(cipher, |_| {});
        for _ in 0..rounds {
            let mut cmd = Command::new(0x00, ins, p1, p2).with_data(data.clone());
            if let Some(ne) = ne { cmd = cmd.with_ne(ne); }
            let raw = sm.transmit(&cmd.to_bytes().unwrap()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let seen = sm.inner.seen.last().unwrap().clone();
            prop_assert_eq!((seen.cla, seen.ins, seen.p1, seen.p2), (0, ins, p1, p2));
            prop_assert_eq!(seen.data(), cmd.data());
            prop_assert_eq!(seen.ne(), cmd.ne());
            prop_assert_eq!(seen.is_extended(), cmd.is_extended());
            let mut want: Vec<u8> = data.iter().rev().copied().collect();
            want.extend_from_slice(&[0x90, 0x00]);
            prop_assert_eq!(raw, want);
        }
        prop_assert_eq!(sm.session_lost(), None);
    }

    #[test]
    fn hostile_responses_never_panic(cipher in ciphers(), resp in proptest::collection::vec(any::<u8>(), 0..80)) {
        let (keys, ssc) = pair(cipher);
        let mut st = SmState::new(keys.clone(), &ssc).unwrap();
        if let Ok(r) = Response::from_bytes(&resp) { let _ = unprotect_response(&mut st, &r); }
        let mut card = CardSecureMessaging::new(keys, &ssc).unwrap();
        let _ = card.unwrap_command(&resp);
    }
}

#[test]
fn the_largest_short_read_per_cipher() {
    assert_eq!(largest_short_read(Cipher::Aes128), 223);
    assert_eq!(largest_short_read(Cipher::Aes256), 223);
    assert_eq!(largest_short_read(Cipher::Tdes), 231);
}
