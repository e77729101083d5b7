//! `cccd doctor --capture FILE`: one JSON file a technician sends from a desk with a real card,
//! holding what the first real card must settle (`firmware-notes/cccd-chip.md`, "A card report
//! from the field") and no personal data.
//!
//! What it never holds: a name, number, date, address or photo byte of the holder, a data
//! group's bytes or hash (DG1's hash can be brute-forced from the few MRZs that fit a birth
//! year), the chip's UID or its unique keys (DG14's and DG15's public keys), the SOD's signing
//! time, the reader's serial number. DG13 is described by its structure only: field numbers,
//! tags, nesting and value lengths. The certificates in EF.SOD are public (a document signer
//! signs many cards) and are kept whole.

use std::path::Path;

use asn1::ber::{Reader, Tlv};
use asn1::oid::to_dotted;
use icao9303::card_access::{SecurityInfo, SecurityInfos};
use icao9303::lds::{DataGroup1, DataGroup2, DataGroup14, DataGroup15, EfCom, PublicKeyAlgorithm};
use icao9303::read::LdsFile;
use icao9303::{ActiveAuthOutcome, ChipAuthOutcome};
use serde::Serialize;
use serde_json::{Value, json};

use super::Findings;
use super::checklist::Check;
use crate::error::CliError;
use crate::output::hex_upper;

/// The capture's format, for whoever reads one.
const FORMAT: &str = "cccd-bridge card capture 1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Capture {
    format: &'static str,
    cccd_version: &'static str,
    created_at: String,
    reader: Value,
    card: Value,
    link: Value,
    read: Value,
    checks: Vec<Value>,
}

/// Writes the capture of `findings` (and the checklist) to `path`, owner-only.
pub(super) fn write_capture(
    path: &Path,
    findings: &Findings,
    checks: &[Check],
) -> Result<(), CliError> {
    let capture = capture(findings, checks);
    let text = serde_json::to_string_pretty(&capture)
        .map_err(|e| CliError::Other(format!("cannot encode the capture: {e}")))?;
    crate::private_dir::write_private_file(path, text.as_bytes())
        .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))
}

fn capture(f: &Findings, checks: &[Check]) -> Capture {
    Capture {
        format: FORMAT,
        cccd_version: env!("CARGO_PKG_VERSION"),
        created_at: format!("{:.0}", jiff::Timestamp::now()),
        reader: json!({
            "name": f.reader,
            "vendor": f.attributes.as_ref().and_then(|a| a.vendor.clone()),
            "model": f.attributes.as_ref().and_then(|a| a.model.clone()),
            "firmware": f.attributes.as_ref().and_then(|a| a.firmware_version.clone()),
            "knownQuirks": f.quirks.map(|q| q.family.clone()),
        }),
        card: json!({
            "atr": f.atr.as_deref().map(hex_upper),
            "ats": f.ats.as_deref().map(hex_upper),
        }),
        link: f.probe.as_ref().map_or(Value::Null, |p| {
            json!({
                "emrtdApplication": p.emrtd_application,
                "extendedLength": p.extended_length,
                "largestRead": p.largest_read,
                "roundTripsMs": p.round_trips.iter().map(|d| (d.as_secs_f64() * 1e4).round() / 10.0).collect::<Vec<_>>(),
            })
        }),
        read: read_json(f),
        // The UID check's detail is the chip's UID: left out.
        checks: checks
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
                if c.id == "uid" {
                    v["detail"] = "not captured: the chip's UID".into();
                }
                v
            })
            .collect(),
    }
}

fn read_json(f: &Findings) -> Value {
    let Some(read) = &f.read else {
        return json!({ "done": false, "why": f.read_error.as_deref().unwrap_or("give --can to read the card") });
    };
    let doc = &read.document;
    let file = |l: LdsFile| doc.file(l);
    let steps: Vec<Value> = doc
        .steps
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "ms": (s.duration.as_secs_f64() * 1e4).round() / 10.0,
                "apdus": s.transfer.apdus,
                "bytesSent": s.transfer.bytes_sent,
                "bytesReceived": s.transfer.bytes_received,
            })
        })
        .collect();
    let total = doc.total_transfer();
    json!({
        "done": true,
        "protocol": doc.protocol.name(),
        "cardAccessAssumed": doc.card_access_assumed,
        "cardAccess": doc.card_access.as_deref().map(card_access_json),
        "extendedLength": doc.extended_length,
        "shortChunk": doc.short_chunk,
        "apdus": total.apdus,
        "bytesSent": total.bytes_sent,
        "bytesReceived": total.bytes_received,
        "steps": steps,
        "files": doc.files.iter().map(|(l, d)| json!({"file": l.short_name(), "length": d.len()})).collect::<Vec<_>>(),
        "notGiven": doc.unavailable.iter().map(|(l, why)| json!({"file": l.short_name(), "why": why.to_string()})).collect::<Vec<_>>(),
        "efCom": file(LdsFile::Com).map(ef_com_json),
        "sod": file(LdsFile::Sod).map(sod_json),
        "dg1": file(LdsFile::Dg(1)).map(dg1_json),
        "dg2": file(LdsFile::Dg(2)).map(dg2_json),
        "dg13": file(LdsFile::Dg(13)).map(dg13_json),
        "dg14": file(LdsFile::Dg(14)).map(dg14_json),
        "dg15": file(LdsFile::Dg(15)).map(dg15_json),
        "chipAuthentication": chip_authentication_json(read),
        "activeAuthentication": read.clone_check.active_authentication.as_ref().map(|a| match a {
            ActiveAuthOutcome::Signed { signature, .. } => json!({"outcome": "signed", "signatureLength": signature.len()}),
            ActiveAuthOutcome::Refused { sw, .. } => json!({"outcome": "refused", "status": sw.to_string()}),
            _ => json!({"outcome": "other"}),
        }),
        "verification": read.verification.as_ref().map(|v| json!({
            "verdict": v.verdict.as_str(),
            // States only for the data groups' checks (their reasons may quote hashes).
            "checks": v.checks.iter().map(|c| {
                let state = match &c.state {
                    trust::CheckState::Passed => "passed",
                    trust::CheckState::Failed { .. } => "failed",
                    trust::CheckState::NotPerformed { .. } => "not-performed",
                    _ => "other",
                };
                json!({"name": c.name, "state": state})
            }).collect::<Vec<_>>(),
        })),
    })
}

/// EF.CardAccess is public (read before any key): kept whole, and decoded.
fn card_access_json(bytes: &[u8]) -> Value {
    json!({
        "hex": hex_upper(bytes),
        "securityInfos": SecurityInfos::parse(bytes).map(|i| security_infos_json(&i.infos)).unwrap_or(Value::Null),
    })
}

fn security_infos_json(infos: &[SecurityInfo]) -> Value {
    infos
        .iter()
        .map(|i| match i {
            SecurityInfo::Pace(p) => json!({"kind": "PACEInfo", "protocol": to_dotted(&p.protocol), "version": p.version, "parameterId": p.parameter_id}),
            SecurityInfo::ChipAuthentication(c) => json!({"kind": "ChipAuthenticationInfo", "protocol": to_dotted(&c.protocol), "version": c.version, "keyId": c.key_id}),
            // The chip's public key is unique to the chip: its algorithm only.
            SecurityInfo::ChipAuthenticationPublicKey(k) => json!({
                "kind": "ChipAuthenticationPublicKeyInfo",
                "protocol": to_dotted(&k.protocol),
                "keyId": k.key_id,
                "curve": icao9303::ca::parse_chip_public_key(&k.public_key_info).map(|(c, _)| format!("{c:?}")).unwrap_or_else(|why| why.to_owned()),
            }),
            SecurityInfo::TerminalAuthentication(t) => json!({"kind": "TerminalAuthenticationInfo", "version": t.version}),
            SecurityInfo::ActiveAuthentication(a) => json!({"kind": "ActiveAuthenticationInfo", "version": a.version, "signatureAlgorithm": to_dotted(&a.signature_algorithm)}),
            SecurityInfo::Unknown { protocol, raw } => json!({"kind": "other", "protocol": to_dotted(protocol), "length": raw.len()}),
            _ => json!({"kind": "other"}),
        })
        .collect()
}

/// EF.COM holds versions and a tag list, nothing of the holder: kept whole.
fn ef_com_json(bytes: &[u8]) -> Value {
    match EfCom::parse(bytes) {
        Ok(c) => {
            json!({"hex": hex_upper(bytes), "ldsVersion": c.lds_version, "unicodeVersion": c.unicode_version, "dataGroups": c.data_groups()})
        }
        Err(e) => json!({"hex": hex_upper(bytes), "error": e.to_string()}),
    }
}

/// EF.SOD's algorithms and certificates; never its hashes or signing time.
fn sod_json(bytes: &[u8]) -> Value {
    let sod = match trust::EfSod::from_bytes(bytes) {
        Ok(s) => s,
        Err(e) => return json!({"length": bytes.len(), "error": e.to_string()}),
    };
    let lds = sod.lds_security_object();
    let signed = sod.signed_data();
    json!({
        "length": bytes.len(),
        "ber": signed.was_ber,
        "eContentType": signed.econtent_type.to_string(),
        "ldsSecurityObjectVersion": lds.version,
        "hashAlgorithm": lds.hash_algorithm_oid.to_string(),
        "dataGroupsHashed": lds.data_group_hashes.keys().collect::<Vec<_>>(),
        "ldsVersionInfo": lds.lds_version_info,
        "signers": signed.signer_infos.iter().map(|s| json!({
            "digestAlgorithm": s.digest_algorithm.to_string(),
            "signatureAlgorithm": s.signature_algorithm.to_string(),
            "signedAttributes": s.signed_attributes_der.is_some(),
            "hasSigningTime": s.signing_time.is_some(),
        })).collect::<Vec<_>>(),
        "certificates": sod.certificates().iter().map(|c| json!({
            "subject": c.subject_string(),
            "issuer": c.issuer_string(),
            "serialNumber": hex_upper(c.serial_number()),
            "notBefore": c.not_before().to_string(),
            "notAfter": c.not_after().to_string(),
            "subjectKeyIdentifier": c.subject_key_identifier().map(|k| hex_upper(&k)),
            "authorityKeyIdentifier": c.authority_key_identifier().map(|k| hex_upper(&k)),
            "signatureAlgorithm": c.signature_algorithm().map(|a| format!("{a:?}")).ok(),
            "publicKey": c.public_key().map(|k| k.describe()).ok(),
            "der": base64_of(c.der()),
        })).collect::<Vec<_>>(),
    })
}

/// DG1: its length and the MRZ's format, no character of it.
fn dg1_json(bytes: &[u8]) -> Value {
    json!({
        "length": bytes.len(),
        "mrzFormat": DataGroup1::parse(bytes).ok().map(|d| format!("{:?}", d.mrz.format())),
    })
}

/// DG2: the image's format and size, none of its bytes.
fn dg2_json(bytes: &[u8]) -> Value {
    match DataGroup2::parse(bytes) {
        Ok(d) => json!({
            "length": bytes.len(),
            "faces": d.faces.iter().map(|f| json!({
                "recordFormat": format!("{:?}", f.record_format),
                "imageType": f.image_type.mime_type(),
                "imageBytes": f.data.len(),
                "declaredWidth": f.declared_width,
                "declaredHeight": f.declared_height,
                "size": f.image_size(),
            })).collect::<Vec<_>>(),
        }),
        Err(e) => json!({"length": bytes.len(), "error": e.to_string()}),
    }
}

/// DG13's structure: each element's tag, length and nesting; the values of the few elements
/// that are not the holder's (the version, the OID, each entry's field number) and nothing else.
fn dg13_json(bytes: &[u8]) -> Value {
    let mut r = Reader::new(bytes, 0);
    match r.read() {
        Ok(top) => json!({"length": bytes.len(), "structure": structure(&top, Role::Top)}),
        Err(e) => json!({"length": bytes.len(), "error": e.to_string()}),
    }
}

/// Where an element sits in DG13, which decides whether its value may be shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Top,
    Body,
    Entries,
    Entry,
    Value,
}

fn structure(t: &Tlv<'_>, role: Role) -> Value {
    let mut node = serde_json::Map::new();
    node.insert("tag".into(), hex_upper(t.tag_bytes()).into());
    node.insert("length".into(), t.value.len().into());
    if !t.constructed {
        // The body's version INTEGER and OID, and each entry's field number.
        let shown = matches!(
            (role, t.tag),
            (Role::Body, 0x02 | 0x06) | (Role::Entry, 0x02)
        );
        if shown {
            let v = if t.tag == 0x06 {
                to_dotted(t.value).map(Value::from)
            } else {
                t.uint().map(Value::from)
            };
            node.insert("value".into(), v.unwrap_or(Value::Null));
        }
        return Value::Object(node);
    }
    let children = match t.children().all() {
        Ok(c) => c,
        Err(e) => {
            node.insert("error".into(), e.to_string().into());
            return Value::Object(node);
        }
    };
    let child_role = |i: usize, c: &Tlv<'_>| match role {
        Role::Top => Role::Body,
        Role::Body if c.tag == 0x31 => Role::Entries,
        Role::Body => Role::Body,
        Role::Entries => Role::Entry,
        // The field number is the entry's first element; what follows is the holder's.
        Role::Entry if i == 0 => Role::Entry,
        _ => Role::Value,
    };
    let list: Vec<Value> = children
        .iter()
        .enumerate()
        .map(|(i, c)| structure(c, child_role(i, c)))
        .collect();
    node.insert("children".into(), list.into());
    Value::Object(node)
}

/// DG14's SecurityInfos, without the chip's key.
fn dg14_json(bytes: &[u8]) -> Value {
    match DataGroup14::parse(bytes) {
        Ok(d) => {
            json!({"length": bytes.len(), "securityInfos": security_infos_json(&d.security_infos.infos)})
        }
        Err(e) => json!({"length": bytes.len(), "error": e.to_string()}),
    }
}

/// DG15's key type and size, not the key (unique to the chip).
fn dg15_json(bytes: &[u8]) -> Value {
    match DataGroup15::parse(bytes) {
        Ok(d) => match d.algorithm {
            PublicKeyAlgorithm::Rsa { modulus_bits } => {
                json!({"length": bytes.len(), "keyType": "RSA", "bits": modulus_bits})
            }
            PublicKeyAlgorithm::Ec {
                curve,
                explicit_parameters,
                field_bits,
            } => json!({
                "length": bytes.len(),
                "keyType": "EC",
                "curve": curve.map(|c| format!("{c:?}")),
                "explicitParameters": explicit_parameters,
                "bits": field_bits,
            }),
            _ => json!({"length": bytes.len(), "keyType": "other"}),
        },
        Err(e) => json!({"length": bytes.len(), "error": e.to_string()}),
    }
}

fn chip_authentication_json(read: &pipeline::CardRead) -> Value {
    let refusals: Vec<Value> = read
        .clone_check
        .chip_authentication_refusals
        .iter()
        .map(|r| json!({"cipher": format!("{:?}", r.cipher), "step": r.step, "status": r.sw.to_string()}))
        .collect();
    let outcome = match &read.clone_check.chip_authentication {
        None => json!({"outcome": "not-run"}),
        Some(ChipAuthOutcome::Passed(d)) => {
            json!({"outcome": "passed", "cipher": format!("{:?}", d.cipher), "curve": format!("{:?}", d.curve), "commands": format!("{:?}", d.commands)})
        }
        Some(ChipAuthOutcome::Failed { details, reason }) => {
            json!({"outcome": "failed", "cipher": format!("{:?}", details.cipher), "reason": reason.to_string()})
        }
        Some(ChipAuthOutcome::Refused(_)) => json!({"outcome": "refused"}),
        Some(ChipAuthOutcome::NotOffered) => json!({"outcome": "not-offered"}),
        Some(ChipAuthOutcome::NotSupported(why)) => json!({"outcome": "not-supported", "why": why}),
        Some(_) => json!({"outcome": "other"}),
    };
    json!({"result": outcome, "refusals": refusals})
}

/// Standard base64 (RFC 4648 §4) of a certificate.
fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
