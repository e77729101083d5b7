//! The terminal's access control and chip authentication over a fuzzed card: PACE (ICAO
//! 9303-11 §4.4) or BAC (§4.3) as `establish_access` chooses, and Chip Authentication v1 (§6.2).

use apdu::{Command, StatusWord};
use icao9303::Cipher;
use icao9303::ca::{cipher_of_ca_ecdh_oid, perform_chip_authentication, session_keys};
use icao9303::ec::{self, Curve};
use icao9303::keys::{AccessKey, Can, MrzInfo};
use icao9303::lds::DataGroup14;
use icao9303::protocol::access::{AccessProtocol, establish_access};
use icao9303::sm::SecureMessaging;

use crate::card::{ChipSession, FuzzCard, SM_AES_KEYS, SM_TDES_KEYS, read_files};
use crate::parts;

/// A random generator that gives a fixed script, then a counter (splitmix64): the worked
/// examples' randomness replays exactly, and a generator that never runs dry keeps rejection
/// sampling of private keys finite.
struct Rng {
    script: std::vec::IntoIter<u8>,
    counter: u64,
}

impl Rng {
    fn new(script: &[&str]) -> Self {
        let bytes: Vec<u8> = script
            .iter()
            .flat_map(|s| crate::card::hex_bytes(s))
            .collect();
        Self {
            script: bytes.into_iter(),
            counter: 0,
        }
    }

    fn next_byte(&mut self) -> u8 {
        if let Some(b) = self.script.next() {
            return b;
        }
        self.counter = self.counter.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.counter;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as u8
    }
}

impl rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_be_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_be_bytes(b)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for d in dst {
            *d = self.next_byte();
        }
    }
}

// Test randomness for a fuzz target: nothing here protects a real session.
impl rand_core::CryptoRng for Rng {}

/// The access keys a [`pace`] input chooses from, each with the terminal's randomness of its
/// worked example (ICAO 9303-11 G.1: `SK_map_IFD`, `SK_IFD`; D.3: `RND_IFD`, `K_IFD`).
fn access_key(choice: u8) -> Option<(AccessKey, Rng)> {
    let mrz = |n, b, e| MrzInfo::new(n, b, e).ok().map(AccessKey::Mrz);
    Some(match choice % 3 {
        0 => (
            mrz("T22000129", "640812", "101031")?,
            Rng::new(&[
                "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
                "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
            ]),
        ),
        1 => (
            mrz("L898902C<", "690806", "940623")?,
            Rng::new(&["781723860C06C226", "0B795240CB7049B01C19B33E32804F0B"]),
        ),
        _ => (AccessKey::Can(Can::new("123456").ok()?), Rng::new(&[])),
    })
}

/// Opening the chip over a fuzzed card (`establish_access`: EF.CardAccess, PACE, else BAC, then
/// SELECT of the eMRTD application under secure messaging), then reading files. Parts: first
/// the key's choice (one byte: `00` the MRZ of ICAO 9303-11 G.1, `01` the MRZ of D.2, `02` a CAN)
/// followed by EF.CardAccess (none when empty), then the card's answers in order. The PACE and
/// BAC answers are raw; once secure messaging starts, answers are read as the SM target reads
/// them, with the sessions of G.1 and D.3 (what the worked examples' answers lead to).
pub fn pace(data: &[u8]) {
    let _ = pace_access(data);
}

/// [`pace`], telling which protocol opened the chip (`None`: it was not opened) and how many
/// files were then read.
pub fn pace_access(data: &[u8]) -> Option<(AccessProtocol, usize)> {
    let parts = parts(data);
    let (first, answers) = parts.split_first()?;
    let (choice, card_access) = first.split_first().unwrap_or((&0, &[]));
    let (key, mut rng) = access_key(*choice)?;
    let card_access = (!card_access.is_empty()).then_some(card_access);
    let sessions = [SM_AES_KEYS, SM_TDES_KEYS]
        .iter()
        .map(|s| ChipSession::new(s.keys(), s.ssc()))
        .collect();
    let card = FuzzCard::new(answers, sessions, false);
    let (mut sm, protocol) = establish_access(card, card_access, &key, &mut rng).ok()?;
    Some((protocol, read_files(&mut sm)))
}

/// The curve of the fuzzed chip's chip-authentication key (the CCCD's, brainpoolP256r1).
pub const CA_CURVE: Curve = Curve::BrainpoolP256r1;

/// The fuzzed chip's chip-authentication private key: a seed's DG14 publishes its public key
/// (`examples/seeds.rs`), so that chip authentication can succeed and go on under the new keys.
pub const CA_PRIVATE_KEY: [u8; 32] = [0x2A; 32];

/// The chip's side of chip authentication: on a successful `MSE:Set KAT` or `General
/// Authenticate` carrying the terminal's ephemeral key, the card's session becomes the one of
/// the new keys, SSC zero (ICAO 9303-11 §6.2.3).
#[derive(Debug, Default)]
pub(crate) struct CaChip {
    /// The cipher `MSE:Set AT` named.
    cipher: Option<Cipher>,
}

impl CaChip {
    pub(crate) fn answered(
        &mut self,
        sessions: &mut Vec<ChipSession>,
        plain: &Command,
        sw: StatusWord,
    ) {
        if !sw.is_success() {
            return;
        }
        let object = |tag: u8| {
            asn1::ber::Reader::new(plain.data(), 0)
                .all()
                .ok()?
                .into_iter()
                .find(|o| o.tag == u32::from(tag))
                .map(|o| o.value.to_vec())
        };
        let (cipher, terminal_key) = match (plain.ins, plain.p1, plain.p2) {
            (0x22, 0x41, 0xA4) => {
                self.cipher = object(0x80).and_then(|oid| cipher_of_ca_ecdh_oid(&oid));
                return;
            }
            (0x22, 0x41, 0xA6) => (Some(Cipher::Tdes), object(0x91)),
            (0x86, ..) => (
                self.cipher,
                icao9303::pace::dynamic_auth_object(plain.data(), 0x80).map(<[u8]>::to_vec),
            ),
            _ => return,
        };
        let (Some(cipher), Some(key)) = (cipher, terminal_key) else {
            return;
        };
        let Ok(shared) = ec::shared_secret(CA_CURVE, &CA_PRIVATE_KEY, &key) else {
            return;
        };
        if let Ok(keys) = session_keys(cipher, &shared) {
            *sessions = vec![ChipSession::new(keys, vec![0; cipher.block_len()])];
        }
    }
}

/// Chip Authentication over a fuzzed card, as the clone check runs it after a PACE session
/// (`perform_chip_authentication` with every candidate of DG14), then reading files under the
/// new keys when it passed. Parts: DG14, then the card's answers, read as the SM target reads
/// them, in the AES-128 session of [`SM_AES_KEYS`] and then, once the card took the terminal's
/// key, in the session of the new keys when DG14's key is [`CA_PRIVATE_KEY`]'s.
pub fn chip_authentication(data: &[u8]) {
    let _ = chip_authentication_outcome(data);
}

/// [`chip_authentication`], telling whether it passed (`None`: DG14 does not parse, or the
/// session failed on the way) and how many files were then read under the new keys.
pub fn chip_authentication_outcome(data: &[u8]) -> Option<(bool, usize)> {
    let parts = parts(data);
    let (dg14, answers) = parts.split_first()?;
    let dg14 = DataGroup14::parse(dg14).ok()?;
    let session = SM_AES_KEYS;
    let chip = ChipSession::new(session.keys(), session.ssc());
    let mut card = FuzzCard::new(answers, vec![chip], false);
    card.chip_authentication = Some(CaChip::default());
    let Ok(sm) = SecureMessaging::new(card, session.keys(), &session.ssc()) else {
        unreachable!("fixed keys")
    };
    let mut rng = Rng::new(&[]);
    let (mut sm, outcome) = perform_chip_authentication(sm, &dg14.security_infos, &mut rng).ok()?;
    let passed = outcome.passed();
    Some((passed, if passed { read_files(&mut sm) } else { 0 }))
}
