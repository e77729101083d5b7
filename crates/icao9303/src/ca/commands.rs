//! The Chip Authentication commands (ICAO 9303-11 §6.2.5) and session keys (§6.2.3): built by
//! the terminal; the chip side of the virtual card parses them with the same key-identifier
//! encoding.

use apdu::Command;
use asn1::push_tlv;

use super::ca_ecdh_oid;
use crate::crypto::Cipher;
use crate::error::Result;
use crate::kdf::{kdf_enc, kdf_mac};
use crate::pace;
use crate::read::{LdsFile, select_ef};
use crate::sm::SmKeys;

/// A keyId as the unsigned big-endian octets of DO'84 (ICAO 9303-11 §6.2.5; TR-03110-3
/// §B.11.1: "reference of a private key"), at least one byte: what the terminal sends, and what
/// a chip compares the DO'84 it receives with.
pub fn key_id_octets(id: u64) -> Vec<u8> {
    let b = id.to_be_bytes();
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len() - 1);
    b[i..].to_vec()
}

/// `MSE:Set KAT` (ICAO 9303-11 §6.2.5.1): `00 22 41 A6` with DO'91 the terminal's ephemeral
/// public key (uncompressed point) and DO'84 the keyId when the chip has several keys. No Le.
pub fn mse_set_kat(ephemeral_public_key: &[u8], key_id: Option<u64>) -> Command {
    let mut data = Vec::with_capacity(ephemeral_public_key.len() + 12);
    push_tlv(&mut data, &[0x91], ephemeral_public_key);
    if let Some(id) = key_id {
        push_tlv(&mut data, &[0x84], &key_id_octets(id));
    }
    Command::new(0x00, 0x22, 0x41, 0xA6).with_data(data)
}

/// `MSE:Set AT` for Chip Authentication (ICAO 9303-11 §6.2.5.2): `00 22 41 A4` with DO'80 the
/// `id-CA-ECDH-*` OID and DO'84 the keyId when the chip has several keys. No Le.
pub fn mse_set_at(cipher: Cipher, key_id: Option<u64>) -> Command {
    let mut data = Vec::with_capacity(16);
    push_tlv(&mut data, &[0x80], &ca_ecdh_oid(cipher));
    if let Some(id) = key_id {
        push_tlv(&mut data, &[0x84], &key_id_octets(id));
    }
    Command::new(0x00, 0x22, 0x41, 0xA4).with_data(data)
}

/// `General Authenticate` for Chip Authentication (ICAO 9303-11 §6.2.5.2): `00 86 00 00` with
/// `7C { 80 PK_T }`, Le `00`. The chip answers `7C 00`.
pub fn general_authenticate(ephemeral_public_key: &[u8]) -> Command {
    pace::general_authenticate(0x80, ephemeral_public_key, true)
}

/// The session keys `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` (ICAO 9303-11 §6.2.3, §9.7.1).
pub fn session_keys(cipher: Cipher, shared_secret: &[u8]) -> Result<SmKeys> {
    SmKeys::new(
        cipher,
        &kdf_enc(shared_secret, cipher),
        &kdf_mac(shared_secret, cipher),
    )
}

/// The command whose protected answer confirms the new keys: SELECT EF.DG14 without FCI. The
/// chip certainly has DG14 (the terminal read it to get here), the command changes nothing but
/// the current EF (every file read selects its own), and its answer carries no data.
pub fn confirmation_command() -> Command {
    select_ef(LdsFile::Dg(14).fid())
}
