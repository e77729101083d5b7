//! The PACE commands (ICAO 9303-11 §4.4.4) and their dynamic authentication data: built by the
//! terminal, parsed by both sides.

use apdu::Command;
use asn1::ber::Reader;
use asn1::push_tlv;

use super::PaceAlgorithm;

/// MSE:Set AT for PACE (ICAO 9303-11 §4.4.4.1): `00 22 C1 A4` with DO'80 the protocol OID,
/// DO'83 the password reference (01 MRZ, 02 CAN) and, when the card offers several parameter
/// sets, DO'84 the parameter ID.
pub fn mse_set_at(
    algorithm: &PaceAlgorithm,
    password_ref: u8,
    parameter_id: Option<u8>,
) -> Command {
    let mut data = Vec::new();
    push_tlv(&mut data, &[0x80], &algorithm.oid());
    push_tlv(&mut data, &[0x83], &[password_ref]);
    if let Some(id) = parameter_id {
        push_tlv(&mut data, &[0x84], &[id]);
    }
    Command::new(0x00, 0x22, 0xC1, 0xA4).with_data(data)
}

/// General Authenticate (ICAO 9303-11 §4.4.4.2): `10 86 00 00` (chained) or `00 86 00 00` (last)
/// with [`dynamic_authentication_data`] `7C L {tag L value}`, Le 00.
pub fn general_authenticate(tag: u8, value: &[u8], last: bool) -> Command {
    Command::new(if last { 0x00 } else { 0x10 }, 0x86, 0x00, 0x00)
        .with_data(dynamic_authentication_data(tag, value))
        .with_ne(256)
}

/// Dynamic authentication data `7C L { tag L value }` (ICAO 9303-11 §4.4.4.2): the data field of
/// a General Authenticate and of the chip's answer to it. Tag 0 with no value gives the empty
/// template `7C 00` of the first step.
pub fn dynamic_authentication_data(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut inner = Vec::with_capacity(value.len() + 4);
    if !(tag == 0 && value.is_empty()) {
        push_tlv(&mut inner, &[tag], value);
    }
    let mut data = Vec::with_capacity(inner.len() + 4);
    push_tlv(&mut data, &[0x7C], &inner);
    data
}

/// Extracts the value of one-byte `tag` inside dynamic authentication data `7C L {...}`
/// (ICAO 9303-11 §4.4.4.2). Other objects (e.g. DO'87/88 certificate references) are skipped;
/// malformed data gives `None`.
pub fn dynamic_auth_object(data: &[u8], tag: u8) -> Option<&[u8]> {
    let mut r = Reader::new(data, 0);
    let template = r.expect(0x7C, "dynamic authentication data").ok()?;
    template
        .children()
        .all()
        .ok()?
        .into_iter()
        .find(|o| o.tag == u32::from(tag))
        .map(|o| o.value)
}
