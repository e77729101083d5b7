//! How a virtual CCCD is built from a profile: the options a test or `cccd sim` chooses (access
//! protocols, reader limits, photo size) and the faults that each produce one verdict.

use super::lds::{CCCD_CARD_ACCESS, EMRTD_AID, ef_com, filler};
use super::{CardIdentity, Profile};
use crate::card::{Application, CardOptions, ElementaryFile, FileAccess, Iso7816Card};
use crate::cccd::{AccessMode, ChipKeys, VirtualCccd};
use crate::pki::{self, TestPki};

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
            .map(|ca| ElementaryFile::free(0x011C, 0x1C, ca.clone()))
            .collect();
        let files = self.files_with_fault(options.fault);
        let files = files
            .iter()
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
                // A clone has the genuine card's files but not its private key.
                let seed = if options.fault == Some(Fault::Clone) {
                    format!("{seed} (clone)")
                } else {
                    seed.clone()
                };
                let key = pki::chip_key(&seed).to_bytes().to_vec();
                card.with_chip_keys(ChipKeys {
                    private_key: zeroize::Zeroizing::new(key),
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
            files: vec![ElementaryFile::free(0x011E, 0x1E, ef_com())],
        }],
    )
}
