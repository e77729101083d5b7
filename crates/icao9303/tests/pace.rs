//! The terminal's PACE (ICAO 9303-11 §4.4) against the chip side of the virtual card
//! (`card_sim::chip::pace`), on every curve and cipher, with the right and a wrong CAN.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use apdu::{CardTransaction, Command, ExchangeExt, Response, StatusWord, TransportError};
use card_sim::chip::pace::CardPace;
use icao9303::ec::Curve;
use icao9303::pace::{PaceAlgorithm, PaceParams, perform_pace};
use icao9303::sm::CardSecureMessaging;
use icao9303::{AccessKey, Can, Cipher, Error};

// The helpers of the crate's own unit tests (the worked examples, seeded generators).
#[allow(dead_code)]
#[path = "../src/test_vectors.rs"]
mod test_vectors;
use test_vectors::CounterRng;

/// A chip driven by [`CardPace`], to run the terminal against it.
struct PaceChip {
    pace: CardPace,
    rng: CounterRng,
    sm: Option<CardSecureMessaging>,
}

impl CardTransaction for PaceChip {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if let Some(sm) = &mut self.sm {
            let cmd = sm
                .unwrap_command(command)
                .map_err(|e| TransportError::Other {
                    code: 1,
                    message: e.to_string(),
                })?;
            return Ok(sm
                .wrap_response(&Response::new(cmd.data().to_vec(), StatusWord::SUCCESS))
                .unwrap());
        }
        let cmd = Command::from_bytes(command).unwrap();
        let ok = |d: Vec<u8>| Ok(Response::new(d, StatusWord::SUCCESS).to_bytes());
        match (cmd.cla, cmd.ins) {
            (0x00, 0x22) => ok(vec![]),
            (0x10, 0x86) if cmd.data() == [0x7C, 0x00] => {
                ok(self.pace.encrypted_nonce(&mut self.rng).unwrap())
            }
            (0x10, 0x86) if cmd.data()[2] == 0x81 => {
                ok(self.pace.map_nonce(cmd.data(), &mut self.rng).unwrap())
            }
            (0x10, 0x86) => ok(self.pace.agree_key(cmd.data(), &mut self.rng).unwrap()),
            (0x00, 0x86) => match self.pace.mutual_authenticate(cmd.data()).unwrap() {
                Some((d, keys)) => {
                    let ssc = vec![0; keys.cipher().block_len()];
                    self.sm = Some(CardSecureMessaging::new(keys, &ssc).unwrap());
                    ok(d)
                }
                None => Ok(CardPace::WRONG_TOKEN.to_bytes().to_vec()),
            },
            _ => Ok(vec![0x6D, 0x00]),
        }
    }
}

#[test]
fn pace_with_can_against_the_card_side_on_every_curve() {
    for curve in [
        Curve::BrainpoolP256r1,
        Curve::NistP256,
        Curve::NistP384,
        Curve::BrainpoolP384r1,
    ] {
        for cipher in [Cipher::Aes128, Cipher::Aes256, Cipher::Tdes] {
            let alg = PaceAlgorithm {
                cipher,
                ..PaceAlgorithm::ECDH_GM_AES_128
            };
            let key = AccessKey::Can(Can::new("123456").unwrap());
            let chip = PaceChip {
                pace: CardPace::new(alg, curve, b"123456").unwrap(),
                rng: CounterRng(1),
                sm: None,
            };
            let params = PaceParams {
                algorithm: alg,
                curve,
                send_parameter_id: true,
            };
            let mut sm = perform_pace(chip, &key, &params, &mut CounterRng(99))
                .unwrap_or_else(|e| panic!("{curve:?} {cipher:?}: {e}"));
            // The chip echoes the command data through secure messaging.
            let echo = sm
                .exchange(
                    &Command::new(0, 0xD6, 0, 0)
                        .with_data(vec![1, 2, 3])
                        .with_ne(256),
                )
                .unwrap();
            assert_eq!(echo.data, vec![1, 2, 3]);
        }
    }
}

#[test]
fn wrong_can_is_wrong_access_key() {
    let alg = PaceAlgorithm::ECDH_GM_AES_128;
    let chip = PaceChip {
        pace: CardPace::new(alg, Curve::BrainpoolP256r1, b"123456").unwrap(),
        rng: CounterRng(1),
        sm: None,
    };
    let key = AccessKey::Can(Can::new("654321").unwrap());
    let params = PaceParams {
        algorithm: alg,
        curve: Curve::BrainpoolP256r1,
        send_parameter_id: false,
    };
    assert_eq!(
        perform_pace(chip, &key, &params, &mut CounterRng(5)).err(),
        Some(Error::WrongAccessKey)
    );
}
