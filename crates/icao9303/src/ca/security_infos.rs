//! DER encoders of DG14's Chip Authentication SecurityInfos (ICAO 9303-11 §9.2.5, §9.2.6): the
//! building blocks of a card image. The terminal only parses them
//! ([`crate::card_access::SecurityInfos`]); the virtual card and the tests encode with these.

use asn1::write::unsigned_integer;
use asn1::{NamedCurve, tlv};

use super::{ID_PK_ECDH, ca_ecdh_oid};
use crate::crypto::Cipher;
use crate::ec::{self, Curve};
use crate::error::Result;

/// `ChipAuthenticationInfo ::= SEQUENCE { id-CA-ECDH-{cipher}, version 1, keyId OPTIONAL }`
/// (ICAO 9303-11 §9.2.5), DER.
pub fn chip_authentication_info_der(cipher: Cipher, key_id: Option<u64>) -> Vec<u8> {
    let mut body = tlv(0x06, &ca_ecdh_oid(cipher));
    body.extend(unsigned_integer(1));
    if let Some(id) = key_id {
        body.extend(unsigned_integer(id));
    }
    tlv(0x30, &body)
}

/// `ChipAuthenticationPublicKeyInfo ::= SEQUENCE { id-PK-ECDH, SubjectPublicKeyInfo, keyId
/// OPTIONAL }` (ICAO 9303-11 §9.2.6), DER, with the curve named by its OID (RFC 5480).
pub fn chip_authentication_public_key_info_der(
    curve: Curve,
    public_key: &[u8],
    key_id: Option<u64>,
) -> Result<Vec<u8>> {
    ec::validate_point(curve, public_key)?;
    let mut alg = tlv(0x06, asn1::curves::ID_EC_PUBLIC_KEY);
    alg.extend(tlv(0x06, &NamedCurve::oid(curve.named())));
    let mut spki = tlv(0x30, &alg);
    spki.extend(tlv(0x03, &[&[0u8][..], public_key].concat()));
    let mut body = tlv(0x06, &ID_PK_ECDH);
    body.extend(tlv(0x30, &spki));
    if let Some(id) = key_id {
        body.extend(unsigned_integer(id));
    }
    Ok(tlv(0x30, &body))
}
