//! How a virtual CCCD is built from a profile: the options a test or `cccd sim` chooses (access
//! protocols, reader limits, photo size) and the faults that each produce one verdict.

use serde::Deserialize;
use zeroize::Zeroizing;

use super::lds::{CCCD_CARD_ACCESS, CCCD_DATA_GROUPS, EMRTD_AID, RelativesShape, ef_com, filler};
use super::{CardIdentity, CitizenProfile, Profile};
use crate::card::{Application, CardOptions, ElementaryFile, FileAccess, Iso7816Card};
use crate::cccd::{
    AccessMode, ActiveAuthenticationKey, ChipAuthenticationKey, ChipKeys, VirtualCccd,
};
use crate::pki::{self, TestPki};

/// `[chip]`: how the chip behaves and which files it has. Every key is optional; the defaults
/// make the CCCD of the notes (`shared/domain/cccd-chip.md`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChipProfile {
    /// `pace`, `bac` (no EF.CardAccess, no PACE) or `both`.
    pub access: String,
    /// Seed of the synthetic portrait.
    pub photo_seed: u64,
    /// How DG13 encodes the parents (field 13) and the spouse (field 14): `flat` (default) or
    /// `per-person`.
    pub relatives: RelativesShape,
    /// `rsa` (default) or `ecdsa`.
    pub active_authentication: ActiveAuthentication,
    /// The one chip-authentication cipher the chip accepts: `aes-128` (default), `aes-192`,
    /// `aes-256` or `3des`; MSE:Set AT naming another is answered 6A80.
    pub chip_authentication: CaCipher,
    /// DG14 names that cipher in a `ChipAuthenticationInfo` (default); `false`: DG14 holds only
    /// the `ChipAuthenticationPublicKeyInfo` and the terminal must find the cipher.
    pub dg14_cipher_info: bool,
    /// EF.CardAccess is readable by its short file identifier `1C` (default); `false`: READ
    /// BINARY by SFI answers 6A82, and SELECT `011C` then READ BINARY is the way in.
    pub card_access_sfi: bool,
    /// The chip has an EF.CardAccess (default); `false`: it has none (SFI and SELECT answer
    /// 6A82) and still runs PACE, with the CCCD's published parameters, as `access` allows: the
    /// terminal must know them (see the notes, Access control).
    pub card_access_file: bool,
    /// Data groups the chip does not have, which neither EF.COM nor EF.SOD lists (of 2, 3, 13,
    /// 14, 15): a child's card without photo, a document without DG14 or DG15.
    pub absent: Vec<u8>,
    /// Data groups EF.COM and EF.SOD list but the chip answers 6A82 to (of 2, 3, 13, 14, 15).
    pub listed_but_absent: Vec<u8>,
}

impl Default for ChipProfile {
    fn default() -> Self {
        Self {
            access: "both".into(),
            photo_seed: 1,
            relatives: RelativesShape::default(),
            active_authentication: ActiveAuthentication::default(),
            chip_authentication: CaCipher::default(),
            dg14_cipher_info: true,
            card_access_sfi: true,
            card_access_file: true,
            absent: Vec::new(),
            listed_but_absent: Vec::new(),
        }
    }
}

impl ChipProfile {
    /// Why these options cannot make a card of `citizen`, if they cannot.
    pub(super) fn check(&self, citizen: &CitizenProfile) -> Result<(), String> {
        for (key, list) in [
            ("absent", &self.absent),
            ("listed_but_absent", &self.listed_but_absent),
        ] {
            if let Some(n) = list
                .iter()
                .find(|n| **n == 1 || !CCCD_DATA_GROUPS.contains(n))
            {
                return Err(format!(
                    "[chip] {key} lists DG{n}: only data groups 2, 3, 13, 14 and 15 can be left out"
                ));
            }
        }
        if let Some(n) = self
            .absent
            .iter()
            .find(|n| self.listed_but_absent.contains(n))
        {
            return Err(format!(
                "[chip] DG{n} is both absent and listed_but_absent: choose one"
            ));
        }
        let details = !citizen.father_details.is_empty()
            || !citizen.mother_details.is_empty()
            || !citizen.spouse_details.is_empty();
        if details && self.relatives == RelativesShape::Flat {
            return Err(
                "father_details, mother_details and spouse_details need [chip] relatives = \
                 \"per-person\" (the flat shape holds names only)"
                    .into(),
            );
        }
        Ok(())
    }
}

/// The chip's Active Authentication (ICAO 9303-11 §6.1), the algorithm of DG15's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActiveAuthentication {
    /// RSA-1024 with ISO/IEC 9796-2 scheme 1 and SHA-1, as real CCCDs (the notes).
    #[default]
    Rsa,
    /// ECDSA on brainpoolP256r1 with SHA-256, named by DG14's ActiveAuthenticationInfo (other
    /// documents).
    Ecdsa,
}

/// The cipher of the chip's chip authentication (`id-CA-ECDH-*`, ICAO 9303-11 §9.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum CaCipher {
    /// `id-CA-ECDH-3DES-CBC-CBC`.
    #[serde(rename = "3des")]
    Tdes,
    /// `id-CA-ECDH-AES-CBC-CMAC-128`, as the published EF.CardAccess names.
    #[default]
    #[serde(rename = "aes-128")]
    Aes128,
    /// `id-CA-ECDH-AES-CBC-CMAC-192`.
    #[serde(rename = "aes-192")]
    Aes192,
    /// `id-CA-ECDH-AES-CBC-CMAC-256`, what the production vendor SDK runs.
    #[serde(rename = "aes-256")]
    Aes256,
}

impl CaCipher {
    /// The cipher.
    pub fn cipher(self) -> icao9303::Cipher {
        match self {
            Self::Tdes => icao9303::Cipher::Tdes,
            Self::Aes128 => icao9303::Cipher::Aes128,
            Self::Aes192 => icao9303::Cipher::Aes192,
            Self::Aes256 => icao9303::Cipher::Aes256,
        }
    }
}

/// A fault the virtual card can carry, each meant to produce one verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// DG13 altered after signing: its hash no longer matches (forged).
    TamperDg13,
    /// One bit of the SOD's signature flipped (forged).
    BadSodSignature,
    /// Signed by a document signer whose certificate has expired since (genuine, with a warning).
    ExpiredDs,
    /// The chip answers chip and active authentication with a key that is not DG14's/DG15's
    /// (clone suspected).
    Clone,
    /// Signed under a CSCA nobody trusts (unknown issuer).
    UnknownCsca,
}

impl Fault {
    /// Parses `tamper-dg13`, `bad-sod-signature`, `expired-ds`, `clone`, `unknown-csca`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "tamper-dg13" => Self::TamperDg13,
            "bad-sod-signature" => Self::BadSodSignature,
            "expired-ds" => Self::ExpiredDs,
            "clone" => Self::Clone,
            "unknown-csca" => Self::UnknownCsca,
            _ => return None,
        })
    }
}

impl Profile {
    /// The virtual chip for this profile, with the quirks of `options` (its access mode, when
    /// set to something other than both, overrides the profile's).
    pub fn build(&self, options: &CccdOptions) -> VirtualCccd {
        let mf = self
            .card_access
            .iter()
            .map(|ca| ElementaryFile {
                sfi: self.card_access_sfi.then_some(0x1C),
                ..ElementaryFile::free(0x011C, 0x1C, ca.clone())
            })
            .collect();
        let files = self.files_with_fault(options.fault);
        let files = files
            .iter()
            .filter(|(fid, _, _)| !self.unreadable.contains(fid))
            .map(|(fid, sfi, data)| ElementaryFile {
                fid: *fid,
                sfi: Some(*sfi),
                data: if *fid == 0x0102 {
                    resize_dg2(data, options.dg2_size)
                } else {
                    data.clone()
                },
                access: if *fid == 0x0103 {
                    FileAccess::TerminalAuthentication
                } else {
                    FileAccess::SecureMessaging
                },
            })
            .collect();
        let mut fs = Iso7816Card::new(
            CardOptions::default(),
            mf,
            vec![Application {
                aid: EMRTD_AID.to_vec(),
                files,
            }],
        );
        fs.options_mut().max_read = options.max_read;
        fs.options_mut().exact_le = options.exact_le;
        let access = if options.access == AccessMode::Both {
            self.access
        } else {
            options.access
        };
        let card = VirtualCccd::new(fs, self.identity.clone(), access, options.extended);
        match &self.chip_key_seed {
            Some(seed) => {
                // A clone has the genuine card's files but not its private keys.
                let seed = if options.fault == Some(Fault::Clone) {
                    format!("{seed} (clone)")
                } else {
                    seed.clone()
                };
                let ec_key = || Zeroizing::new(pki::chip_key(&seed).to_bytes().to_vec());
                card.with_chip_keys(ChipKeys {
                    chip_authentication: self.chip_authentication.map(|cipher| {
                        ChipAuthenticationKey {
                            private_key: ec_key(),
                            cipher,
                        }
                    }),
                    active_authentication: self.active_authentication.map(|aa| match aa {
                        ActiveAuthentication::Rsa => {
                            ActiveAuthenticationKey::Rsa(crate::rsa_key::rsa_aa_key(&seed))
                        }
                        ActiveAuthentication::Ecdsa => ActiveAuthenticationKey::Ecdsa(ec_key()),
                    }),
                })
            }
            None => card,
        }
    }

    /// The application's files, changed as `fault` says.
    fn files_with_fault(&self, fault: Option<Fault>) -> Vec<(u16, u8, Vec<u8>)> {
        let mut files = self.files.clone();
        let signer = match fault {
            Some(Fault::ExpiredDs) => Some(pki::Signer2::ExpiredDs),
            Some(Fault::UnknownCsca) => Some(pki::Signer2::UnknownCsca),
            _ => None,
        };
        if let (Some(signer), Some(time)) = (signer, &self.signing_time) {
            let dgs: Vec<(u8, Vec<u8>)> = files
                .iter()
                .filter(|(fid, _, _)| (0x0101..=0x0110).contains(fid))
                .map(|(fid, _, d)| ((fid & 0xFF) as u8, d.clone()))
                .collect();
            let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, d)| (*n, d.as_slice())).collect();
            let sod = TestPki::new().sign_sod(&refs, signer, pki::LDS_SECURITY_OBJECT, time);
            set(&mut files, 0x011D, sod);
        }
        match fault {
            Some(Fault::BadSodSignature) => {
                if let Some((_, _, sod)) = files.iter_mut().find(|f| f.0 == 0x011D) {
                    // The SignerInfo comes last and its signature is its last field.
                    let n = sod.len();
                    if n > 4 {
                        sod[n - 4] ^= 0x01;
                    }
                }
            }
            Some(Fault::TamperDg13) => {
                if let Some((_, _, dg13)) = files.iter_mut().find(|f| f.0 == 0x010D) {
                    // Change one digit of a text field, keeping the file well formed.
                    if let Some(i) = dg13.iter().skip(24).position(u8::is_ascii_digit) {
                        let i = i + 24;
                        dg13[i] = if dg13[i] == b'9' { b'0' } else { dg13[i] + 1 };
                    }
                }
            }
            _ => {}
        }
        files
    }
}

fn set(files: &mut [(u16, u8, Vec<u8>)], fid: u16, data: Vec<u8>) {
    if let Some(f) = files.iter_mut().find(|f| f.0 == fid) {
        f.2 = data;
    }
}

/// `--dg2-size` other than the profile's own photo: a filler DG2 of that size (to exercise long
/// reads), since a real photo has the size it has.
fn resize_dg2(data: &[u8], wanted: Option<usize>) -> Vec<u8> {
    match wanted {
        Some(n) if n != data.len() => filler(0x75, n.clamp(16, 65_000)),
        _ => data.to_vec(),
    }
}

/// How to build the virtual CCCD.
#[derive(Debug, Clone)]
pub struct CccdOptions {
    /// Access protocols offered (`Both`: as the profile says).
    pub access: AccessMode,
    /// Accept extended-length APDUs.
    pub extended: bool,
    /// Answer 6700 to a READ BINARY asking for more.
    pub max_read: Option<usize>,
    /// Answer 6Cxx to any other Le than the exact length.
    pub exact_le: bool,
    /// Replace the photo by a DG2 of this size.
    pub dg2_size: Option<usize>,
    /// A fault to carry.
    pub fault: Option<Fault>,
}

impl Default for CccdOptions {
    /// A well-behaved card on a good reader.
    fn default() -> Self {
        Self {
            access: AccessMode::Both,
            extended: true,
            max_read: None,
            exact_le: false,
            dg2_size: None,
            fault: None,
        }
    }
}

/// The default virtual CCCD with these options.
pub fn default_cccd(options: &CccdOptions) -> VirtualCccd {
    match Profile::default_profile() {
        Ok(p) => p.build(options),
        // The compiled-in profile is tested to load; a card with no files is still a card.
        Err(_) => VirtualCccd::new(
            Iso7816Card::new(CardOptions::default(), vec![], vec![]),
            CardIdentity::default(),
            options.access,
            options.extended,
        ),
    }
}

/// A plain ISO 7816-4 card with the CCCD's EF.CardAccess and an eMRTD application holding
/// EF.COM, readable without access control (for transport-level tests).
pub fn default_card() -> Iso7816Card {
    Iso7816Card::new(
        CardOptions::default(),
        vec![ElementaryFile::free(
            0x011C,
            0x1C,
            CCCD_CARD_ACCESS.to_vec(),
        )],
        vec![Application {
            aid: EMRTD_AID.to_vec(),
            files: vec![ElementaryFile::free(
                0x011E,
                0x1E,
                ef_com(&CCCD_DATA_GROUPS),
            )],
        }],
    )
}
