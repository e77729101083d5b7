//! Opening a chip: reading EF.CardAccess, then PACE when the chip offers a supported PACEInfo,
//! else BAC (ICAO 9303-11 §4.2 "chip access procedure").
//!
//! Order of commands, as §4.2 prescribes:
//! - PACE: EF.CardAccess is read from the master file context by the file reader
//!   ([`crate::read::FileReader`]: by SFI `1C`, or SELECT `011C` then READ BINARY; never SELECT
//!   MF, which the CCCD answers `6D00`), then PACE runs, then SELECT of the eMRTD application
//!   under secure messaging.
//! - BAC: SELECT the eMRTD application (`A0000002471001`), then BAC.

use apdu::{CardTransaction, Command, ExchangeExt};
use rand_core::CryptoRng;

use crate::bac::bac_session;
use crate::card_access::SecurityInfos;
use crate::error::{Error, Result};
use crate::keys::AccessKey;
use crate::pace::pace_session;
use crate::sm::SecureMessaging;

/// The eMRTD LDS1 application identifier (ICAO 9303-10 §3.6.1).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// SELECT the eMRTD application by AID, no response data (ICAO 9303-10 §3.6.1; ISO/IEC 7816-4
/// §11.2.2): `00 A4 04 0C 07 A0000002471001`.
pub fn select_emrtd_application() -> Command {
    Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec())
}

fn select_application(tx: &mut (impl CardTransaction + ?Sized)) -> Result<()> {
    let r = tx.exchange(&select_emrtd_application())?;
    if r.sw.is_success() {
        Ok(())
    } else {
        Err(Error::CardRefused {
            step: "SELECT eMRTD application",
            sw: r.sw,
        })
    }
}

/// Which access-control protocol opened the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessProtocol {
    /// PACE (ICAO 9303-11 §4.4).
    Pace,
    /// BAC (ICAO 9303-11 §4.3).
    Bac,
}

impl AccessProtocol {
    /// `"PACE"` or `"BAC"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pace => "PACE",
            Self::Bac => "BAC",
        }
    }
}

/// Opens the chip with `key` and returns a secure-messaging session with the eMRTD application
/// selected, and the protocol that succeeded (ICAO 9303-11 §4.2).
///
/// PACE runs when `card_access` (EF.CardAccess as read) offers a supported PACEInfo;
/// otherwise BAC, which needs the MRZ: with only a CAN the answer is [`Error::NoPaceForCan`].
/// If the chip refuses PACE itself (not the key) and the key is the MRZ, BAC is tried next, as
/// chips with PACE also keep BAC. A wrong key is [`Error::WrongAccessKey`] and is not retried:
/// every failed attempt may slow the chip down.
pub fn establish_access<T: CardTransaction>(
    mut tx: T,
    card_access: Option<&[u8]>,
    key: &AccessKey,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<(SecureMessaging<T>, AccessProtocol)> {
    let pace = card_access.and_then(|bytes| match SecurityInfos::parse(bytes) {
        Ok(infos) => infos.preferred_pace(),
        Err(e) => {
            tracing::debug!(error = %e, "EF.CardAccess unreadable; no PACE");
            None
        }
    });
    let mut pace_error = None;
    if let Some(params) = pace {
        match pace_session(&mut tx, key, &params, rng) {
            Ok(keys) => {
                let ssc = vec![0; keys.cipher().block_len()];
                let mut sm = SecureMessaging::new(tx, keys, &ssc)?;
                select_application(&mut sm)?;
                return Ok((sm, AccessProtocol::Pace));
            }
            Err(
                e @ (Error::CardRefused { .. }
                | Error::UnsupportedPace(_)
                | Error::UnexpectedResponse(_)),
            ) => {
                tracing::info!(error = %e, "PACE failed; trying BAC if the MRZ is known");
                pace_error = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    let AccessKey::Mrz(mrz) = key else {
        return Err(pace_error.unwrap_or(Error::NoPaceForCan));
    };
    select_application(&mut tx)?;
    let (keys, ssc) = bac_session(&mut tx, mrz, rng)?;
    Ok((SecureMessaging::new(tx, keys, &ssc)?, AccessProtocol::Bac))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cipher;
    use crate::keys::{Can, MrzInfo};
    use crate::sm::{CardSecureMessaging, SmKeys};
    use crate::test_vectors::{ScriptedRng, h, s, vectors};
    use apdu::{Response, StatusWord, Transcript, TransportError};

    const CCCD_CARD_ACCESS: &str = "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d";

    fn d_mrz() -> AccessKey {
        let v = vectors();
        let d2 = &v["bac_icao_appD"]["D2_mrz"];
        AccessKey::Mrz(
            MrzInfo::new(
                s(&d2["document_number"]),
                s(&d2["date_of_birth"]),
                s(&d2["date_of_expiry"]),
            )
            .unwrap(),
        )
    }

    /// Replays a transcript, then hands every later command to a chip-side SM session that
    /// expects exactly `then_plain` and answers 9000.
    struct ThenSm {
        transcript: Transcript,
        left: usize,
        card: CardSecureMessaging,
        then_plain: Vec<Vec<u8>>,
    }

    impl CardTransaction for ThenSm {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            if self.left > 0 {
                self.left -= 1;
                return self.transcript.transmit(command);
            }
            let cmd = self
                .card
                .unwrap_command(command)
                .map_err(|e| TransportError::Other {
                    code: 1,
                    message: e.to_string(),
                })?;
            assert_eq!(
                hex::encode_upper(cmd.to_bytes().unwrap()),
                hex::encode_upper(self.then_plain.remove(0))
            );
            Ok(self
                .card
                .wrap_response(&Response::status(StatusWord::SUCCESS))
                .unwrap())
        }
    }

    #[test]
    fn pace_first_then_protected_select_with_g1() {
        let v = vectors();
        let g = &v["pace_G1_ecdh_gm"];
        let steps = [
            (s(&g["MSE_SET_AT"]), "9000"),
            (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
            (s(&g["GA2_cmd"]), s(&g["GA2_rsp"])),
            (s(&g["GA3_cmd"]), s(&g["GA3_rsp"])),
            (s(&g["GA4_cmd"]), s(&g["GA4_rsp"])),
        ];
        let keys = SmKeys::new(Cipher::Aes128, &h(&g["KSenc"]), &h(&g["KSmac"])).unwrap();
        let chip = ThenSm {
            transcript: Transcript::from_hex(&steps),
            left: steps.len(),
            card: CardSecureMessaging::new(keys, &[0; 16]).unwrap(),
            then_plain: vec![hex::decode("00A4040C07A0000002471001").unwrap()],
        };
        let key = AccessKey::Mrz(
            MrzInfo::new(
                s(&g["document_number"]),
                s(&g["date_of_birth"]),
                s(&g["date_of_expiry"]),
            )
            .unwrap(),
        );
        let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"]), &h(&g["SK_IFD"])]);
        // The CCCD's EF.CardAccess names the same protocol and curve as G.1.
        let (sm, _) = establish_access(
            chip,
            Some(&hex::decode(CCCD_CARD_ACCESS).unwrap()),
            &key,
            &mut rng,
        )
        .unwrap();
        assert_eq!(sm.cipher(), Cipher::Aes128);
        let mut chip = sm.into_inner();
        assert!(chip.then_plain.is_empty());
        chip.transcript.finish().unwrap();
    }

    fn bac_steps(v: &serde_json::Value) -> Vec<(String, String)> {
        let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
        let mut steps = vec![
            ("00A4040C07A0000002471001".to_owned(), "9000".to_owned()),
            (
                s(&d3["GET_CHALLENGE"]).to_owned(),
                format!("{}9000", s(&d3["RND_IC"])),
            ),
            (
                s(&d3["EXTERNAL_AUTHENTICATE_apdu"]).to_owned(),
                format!("{}9000", s(&d3["resp_data"])),
            ),
        ];
        for st in v["bac_icao_appD"]["D4_secure_messaging"]
            .as_array()
            .unwrap()
        {
            steps.push((s(&st["protected"]).to_owned(), s(&st["RAPDU"]).to_owned()));
        }
        steps
    }

    fn run_d4(sm: &mut SecureMessaging<&mut Transcript>) {
        let v = vectors();
        let mut ef_com = Vec::new();
        for st in v["bac_icao_appD"]["D4_secure_messaging"]
            .as_array()
            .unwrap()
        {
            ef_com.extend(
                sm.exchange(&Command::from_bytes(&h(&st["unprotected"])).unwrap())
                    .unwrap()
                    .data,
            );
        }
        assert_eq!(ef_com, h(&v["bac_icao_appD"]["EF_COM"]));
    }

    #[test]
    fn no_card_access_means_select_then_bac() {
        let v = vectors();
        let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
        let steps = bac_steps(&v);
        let refs: Vec<(&str, &str)> = steps
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let mut t = Transcript::from_hex(&refs);
        let mut rng = ScriptedRng::new(&[&h(&d3["RND_IFD"]), &h(&d3["K_IFD"])]);
        let (mut sm, protocol) = establish_access(&mut t, None, &d_mrz(), &mut rng).unwrap();
        assert_eq!(protocol, AccessProtocol::Bac);
        run_d4(&mut sm);
        drop(sm);
        t.finish().unwrap();
    }

    #[test]
    fn pace_refused_falls_back_to_bac_with_the_mrz() {
        let v = vectors();
        let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
        let mut steps = vec![(
            "0022C1A40F800A04007F00070202040202830101".to_owned(),
            "6A80".to_owned(),
        )];
        steps.extend(bac_steps(&v));
        let refs: Vec<(&str, &str)> = steps
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let mut t = Transcript::from_hex(&refs);
        let mut rng = ScriptedRng::new(&[&h(&d3["RND_IFD"]), &h(&d3["K_IFD"])]);
        let (mut sm, protocol) = establish_access(
            &mut t,
            Some(&hex::decode(CCCD_CARD_ACCESS).unwrap()),
            &d_mrz(),
            &mut rng,
        )
        .unwrap();
        assert_eq!(protocol, AccessProtocol::Bac);
        run_d4(&mut sm);
        drop(sm);
        t.finish().unwrap();
    }

    #[test]
    fn can_without_pace_is_a_clear_error_and_sends_nothing() {
        let can = AccessKey::Can(Can::new("123456").unwrap());
        let only_dh = hex::decode("31143012060a04007f00070202040102020102020100").unwrap();
        for card_access in [
            None,
            Some(only_dh.as_slice()),
            Some(&[0x31, 0x00][..]),
            Some(&[0xFF][..]),
        ] {
            let mut t = Transcript::from_hex(&[]);
            let e = establish_access(&mut t, card_access, &can, &mut ScriptedRng::new(&[]))
                .unwrap_err();
            assert_eq!(e, Error::NoPaceForCan);
            assert!(
                e.to_string()
                    .contains("this card offers no PACE: give the MRZ or scan the QR code")
            );
            t.finish().unwrap();
        }
    }

    #[test]
    fn wrong_can_is_not_retried_with_bac() {
        let v = vectors();
        let g = &v["pace_G1_ecdh_gm"];
        let mut t = Transcript::from_hex(&[
            (s(&g["MSE_SET_AT"]), "9000"),
            (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
            (s(&g["GA2_cmd"]), s(&g["GA2_rsp"])),
            (s(&g["GA3_cmd"]), s(&g["GA3_rsp"])),
            (s(&g["GA4_cmd"]), "6300"),
        ]);
        let key = AccessKey::Mrz(
            MrzInfo::new(
                s(&g["document_number"]),
                s(&g["date_of_birth"]),
                s(&g["date_of_expiry"]),
            )
            .unwrap(),
        );
        let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"]), &h(&g["SK_IFD"])]);
        let e = establish_access(
            &mut t,
            Some(&hex::decode(CCCD_CARD_ACCESS).unwrap()),
            &key,
            &mut rng,
        )
        .err();
        assert_eq!(e, Some(Error::WrongAccessKey));
        t.finish().unwrap();
    }

    #[test]
    fn reading_card_access() {
        use crate::read::{FileReader, LdsFile, ReadOptions};
        let short = ReadOptions {
            allow_extended: false,
            ..ReadOptions::default()
        };
        let read = |t: &mut Transcript| FileReader::new(short).read_file(t, LdsFile::CardAccess);
        let ca = CCCD_CARD_ACCESS.to_uppercase();
        let mut t = Transcript::from_hex(&[("00B09C0000", &format!("{ca}9000"))]);
        assert_eq!(read(&mut t).unwrap(), hex::decode(&ca).unwrap());
        t.finish().unwrap();

        // Before secure messaging a short read asks for 256 bytes (Le 00). SFI read refused:
        // SELECT by file ID, then READ BINARY; never SELECT MF.
        let mut t = Transcript::from_hex(&[
            ("00B09C0000", "6986"),
            ("00A4020C02011C", "9000"),
            ("00B0000000", &format!("{ca}9000")),
        ]);
        assert_eq!(read(&mut t).unwrap(), hex::decode(&ca).unwrap());
        t.finish().unwrap();

        // "Not found" by SFI: one SELECT by file identifier tells; its refusal is the answer.
        let mut t = Transcript::from_hex(&[("00B09C0000", "6A82"), ("00A4020C02011C", "6A82")]);
        assert!(matches!(
            read(&mut t),
            Err(Error::CardRefused {
                sw: StatusWord::FILE_NOT_FOUND,
                ..
            })
        ));
        t.finish().unwrap();

        // ... and by SFI found after SELECT (a chip that does not map EF.CardAccess to SFI 1C).
        let mut t = Transcript::from_hex(&[
            ("00B09C0000", "6A82"),
            ("00A4020C02011C", "9000"),
            ("00B0000000", &format!("{ca}9000")),
        ]);
        assert_eq!(read(&mut t).unwrap(), hex::decode(&ca).unwrap());
        t.finish().unwrap();

        // A file longer than one READ BINARY continues by offset.
        let big: Vec<u8> = [&[0x31, 0x82, 0x01, 0x2C][..], &[0x05; 300]].concat();
        let first = hex::encode_upper(&big[..256]);
        let rest = hex::encode_upper(&big[256..]);
        let mut t = Transcript::from_hex(&[
            ("00B09C0000", &format!("{first}9000")),
            ("00B0010030", &format!("{rest}9000")),
        ]);
        assert_eq!(read(&mut t).unwrap(), big);
        t.finish().unwrap();
    }
}
