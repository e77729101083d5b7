use std::path::{Path, PathBuf};

use ::apdu::CardConnection;
use citizen::{CitizenRecord, parse_user_date};
use icao9303::read::LdsFile;
use icao9303::{AccessKey, MrzInfo};
use pcsc_backend::Pcsc;
use std::sync::Arc;

use pipeline::{AccessInput, CardRead, CardReader, Files, ReadRequest};
use serde::Serialize;

use crate::config::Config;
use crate::error::CliError;
use crate::output::Output;

/// `cccd read` options.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("key").required(true).args(["can", "id", "mrz", "doc", "qr"])))]
pub struct ReadArgs {
    /// Reader to use (exact name or a unique part of it).
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
    /// The card access number: the last 6 digits of the ID number (PACE).
    #[arg(long, value_name = "N")]
    can: Option<String>,
    /// The 12-digit ID number (its last 6 digits are the CAN).
    #[arg(long, value_name = "ID12")]
    id: Option<String>,
    /// The MRZ printed on the back: 3 lines (TD1) separated by newlines or spaces.
    #[arg(long, value_name = "LINES")]
    mrz: Option<String>,
    /// Document number (with --dob and --expiry): for a CCCD, the last 9 digits of the ID.
    #[arg(long, value_name = "N", requires_all = ["dob", "expiry"])]
    doc: Option<String>,
    /// Date of birth: dd/mm/yyyy, yyyy-mm-dd or yymmdd.
    #[arg(long, value_name = "DATE", requires = "doc")]
    dob: Option<String>,
    /// Date of expiry: dd/mm/yyyy, yyyy-mm-dd or yymmdd (991231 for none).
    #[arg(long, value_name = "DATE", requires = "doc")]
    expiry: Option<String>,
    /// The text of the QR code on the front of the card.
    #[arg(long, value_name = "STRING")]
    qr: Option<String>,
    /// Files to read, comma-separated, in this order (default: what the card lists in EF.COM
    /// and EF.SOD, identity first).
    #[arg(long, value_delimiter = ',')]
    files: Vec<String>,
    /// Write the files to this folder (EF_COM.bin, EF_SOD.bin, EF_DG1.bin, ...), owner-only.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the face photo (as a browser shows it) to this file, owner-only.
    #[arg(long, value_name = "FILE")]
    photo: Option<PathBuf>,
    /// Extra trusted CSCAs for the verification: certificate files or folders.
    #[arg(long = "trust", value_name = "DIR|FILE")]
    trust: Vec<PathBuf>,
    /// Also trust the virtual card's test CSCA (for tests with `cccd sim`).
    #[arg(long)]
    allow_test_csca: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileJson {
    bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepJson {
    ms: f64,
    apdus: u64,
    bytes_sent: u64,
    bytes_received: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReadJson {
    reader: String,
    protocol: &'static str,
    extended_length: Option<bool>,
    apdus: u64,
    bytes_sent: u64,
    bytes_received: u64,
    timings: serde_json::Map<String, serde_json::Value>,
    steps: serde_json::Map<String, serde_json::Value>,
    files: serde_json::Map<String, serde_json::Value>,
    citizen: Option<CitizenRecord>,
    /// What the HIS files (XML1 names as keys), marked by the verdict.
    registration: Option<registration::RegistrationBlock>,
    verification: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    photo: Option<PhotoJson>,
    /// The files asked for that the card did not give, and why.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    not_given: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhotoJson {
    path: String,
    mime: &'static str,
    bytes: usize,
}

/// The keys to try, in order, from what the user gave.
fn access_keys(args: &ReadArgs) -> Result<Vec<AccessKey>, CliError> {
    let bad = |e: &dyn std::fmt::Display| CliError::BadInput(e.to_string());
    let today = jiff::Zoned::now().date();
    let input = if let Some(c) = &args.can {
        AccessInput::Can(c.clone())
    } else if let Some(id) = &args.id {
        AccessInput::IdNumber(id.clone())
    } else if let Some(m) = &args.mrz {
        AccessInput::Mrz(m.clone())
    } else if let Some(q) = &args.qr {
        AccessInput::Qr(q.clone())
    } else if let (Some(doc), Some(dob), Some(exp)) = (&args.doc, &args.dob, &args.expiry) {
        // The three MRZ fields typed one by one: only the command line offers this form.
        let yymmdd = |d: &str| -> Result<String, CliError> {
            if d == "991231" {
                return Ok(d.to_owned());
            }
            let d = parse_user_date(d, today).map_err(|e| bad(&e))?;
            Ok(format!(
                "{:02}{:02}{:02}",
                d.year() % 100,
                d.month(),
                d.day()
            ))
        };
        let info = MrzInfo::new(doc, &yymmdd(dob)?, &yymmdd(exp)?).map_err(|e| bad(&e))?;
        return Ok(vec![AccessKey::Mrz(info)]);
    } else {
        return Err(CliError::BadInput(
            "give the card's access data: --can, --id, --mrz, --doc/--dob/--expiry or --qr".into(),
        ));
    };
    Ok(pipeline::access_keys(&input)?)
}

fn files(args: &ReadArgs) -> Result<Files, CliError> {
    if args.files.is_empty() {
        return Ok(Files::Listed { photo: true });
    }
    let mut out = Vec::new();
    for name in &args.files {
        let f = LdsFile::parse(name).ok_or_else(|| {
            CliError::BadInput(format!(
                "unknown file \"{name}\": use com, sod, dg1 to dg16"
            ))
        })?;
        if matches!(f, LdsFile::Dg(3 | 4)) {
            return Err(CliError::BadInput(format!(
                "{} (fingerprints or iris) needs terminal authentication, which cccd-bridge does not do: leave it out",
                f.name()
            )));
        }
        if !out.contains(&f) {
            out.push(f);
        }
    }
    Ok(Files::Only(out))
}

/// Writes one file owner-only: it holds personal data.
fn write_private(path: &Path, data: &[u8]) -> Result<(), CliError> {
    crate::private_dir::write_private_file(path, data)
        .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))
}

/// Writes the files owner-only (they hold personal data), in a folder made owner-only when this
/// creates it.
fn write_files(dir: &Path, read: &CardRead) -> Result<Vec<(LdsFile, PathBuf)>, CliError> {
    crate::private_dir::ensure(dir)
        .map_err(|e| CliError::Other(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    for (f, data) in &read.document.files {
        let path = dir.join(f.file_name());
        write_private(&path, data)?;
        written.push((*f, path));
    }
    Ok(written)
}

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

/// `cccd read`.
pub fn run(out: &Output, cfg: &Config, args: &ReadArgs) -> Result<(), CliError> {
    let keys = access_keys(args)?;
    let files_asked = files(args)?;
    let pcsc = Pcsc::establish()?;
    let name = super::select_reader(&pcsc, cfg, args.reader.as_deref())?;
    let mut conn = pcsc.connect(&name, cfg.reader.share_mode.into())?;
    let store = crate::trust_store::load(&cfg.trust, &args.trust, args.allow_test_csca)?;
    let mut reader = CardReader::for_reader(&name)
        .limited(cfg.reader.read_limits())
        .trusting(Some(Arc::new(store)));
    let request = ReadRequest {
        files: files_asked.clone(),
        clone_check: true,
    };
    let started = std::time::Instant::now();
    let read = {
        let mut tx = conn.begin()?;
        reader.read(&mut tx, &keys, &request, &mut |_| {})?
    };
    let total_time = started.elapsed();
    let written = match &args.out {
        Some(dir) => write_files(dir, &read)?,
        None => Vec::new(),
    };
    let photo = match (&args.photo, &read.photo) {
        (Some(path), Some(p)) => {
            write_private(path, &p.bytes)?;
            Some(PhotoJson {
                path: path.display().to_string(),
                mime: p.mime,
                bytes: p.bytes.len(),
            })
        }
        (Some(_), None) if matches!(&files_asked, Files::Only(f) if !f.contains(&LdsFile::Dg(2))) =>
        {
            return Err(CliError::BadInput(
                "--photo needs dg2 among --files (and a face image in it)".into(),
            ));
        }
        _ => None,
    };
    let total = read.document.total_transfer();
    let mut report = ReadJson {
        reader: name,
        protocol: read.document.protocol.name(),
        extended_length: read.document.extended_length,
        apdus: total.apdus,
        bytes_sent: total.bytes_sent,
        bytes_received: total.bytes_received,
        timings: serde_json::Map::new(),
        steps: serde_json::Map::new(),
        files: serde_json::Map::new(),
        citizen: read.citizen.clone(),
        registration: read.registration.clone(),
        not_given: read
            .document
            .unavailable
            .iter()
            .map(|(f, why)| (f.short_name(), why.to_string().into()))
            .collect(),
        verification: read
            .verification
            .as_ref()
            .map(crate::trust_store::verification_json),
        photo,
    };
    for s in &read.document.steps {
        report.timings.insert(s.name.clone(), ms(s.duration).into());
        let step = StepJson {
            ms: ms(s.duration),
            apdus: s.transfer.apdus,
            bytes_sent: s.transfer.bytes_sent,
            bytes_received: s.transfer.bytes_received,
        };
        report.steps.insert(
            s.name.clone(),
            serde_json::to_value(step).unwrap_or_default(),
        );
    }
    report.timings.insert("total".into(), ms(total_time).into());
    for (f, data) in &read.document.files {
        let path = written
            .iter()
            .find(|(w, _)| w == f)
            .map(|(_, p)| p.display().to_string());
        report.files.insert(
            f.short_name(),
            serde_json::to_value(FileJson {
                bytes: data.len(),
                path,
            })
            .unwrap_or_default(),
        );
    }
    out.emit(&report, || {
        let mut s = format!(
            "reader: {}\nprotocol: {} (extended length: {})\n\n{:<12} {:>9} {:>6} {:>8} {:>9}\n",
            report.reader,
            report.protocol,
            match report.extended_length {
                Some(true) => "yes",
                Some(false) => "no",
                None => "not tried",
            },
            "step",
            "ms",
            "APDUs",
            "sent",
            "received"
        );
        for st in &read.document.steps {
            s += &format!(
                "{:<12} {:>9.2} {:>6} {:>8} {:>9}\n",
                st.name,
                ms(st.duration),
                st.transfer.apdus,
                st.transfer.bytes_sent,
                st.transfer.bytes_received
            );
        }
        s += &format!(
            "{:<12} {:>9.2} {:>6} {:>8} {:>9}\n",
            "total",
            ms(total_time),
            total.apdus,
            total.bytes_sent,
            total.bytes_received
        );
        if let Some(c) = &report.citizen {
            s += &citizen_table(c);
        }
        if let Some(b) = &report.registration {
            s += &registration_table(b);
        }
        if let Some(v) = &read.verification {
            s += &crate::trust_store::verification_text(v);
        }
        if let Some(p) = &report.photo {
            s += &format!("\nphoto: {} ({}, {} bytes)\n", p.path, p.mime, p.bytes);
        } else if read.photo.is_none()
            && !matches!(&files_asked, Files::Only(f) if !f.contains(&LdsFile::Dg(2)))
        {
            s += "\nphoto: none on this card (thẻ không có ảnh: children under 6 have none)\n";
        }
        for (f, why) in &report.not_given {
            s += &format!("not given: {f}: {}\n", why.as_str().unwrap_or_default());
        }
        if !written.is_empty() {
            s += "\nwritten (owner-only):\n";
            for (f, p) in &written {
                s += &format!(
                    "  {} ({} bytes)\n",
                    p.display(),
                    read.document
                        .files
                        .iter()
                        .find(|(g, _)| g == f)
                        .map_or(0, |(_, d)| d.len())
                );
            }
        }
        s
    });
    Ok(())
}

/// The record as a two-column table, Vietnamese labels with English.
/// The XML1 values, one per line: key, value, where it came from and any doubt.
fn registration_table(block: &registration::RegistrationBlock) -> String {
    let mut s = String::from("\nregistration (XML1):\n");
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(block) else {
        return s;
    };
    for (key, f) in &fields {
        let Some(value) = f.get("value").and_then(|v| v.as_str()) else {
            continue;
        };
        let source = f.get("source").and_then(|v| v.as_str()).unwrap_or("");
        s += &format!("  {key:<14} {value} [{source}]");
        if let Some(why) = f.get("uncertain").and_then(|v| v.as_str()) {
            s += &format!(" ({why})");
        }
        s += "\n";
    }
    s
}

fn citizen_table(c: &CitizenRecord) -> String {
    let iso = |d: Option<citizen::PartialDate>| d.map(|d| d.to_iso());
    let (birth, issue, expiry) = (
        iso(c.date_of_birth),
        iso(c.date_of_issue),
        iso(c.date_of_expiry),
    );
    let rows: [(&str, &Option<String>); 16] = [
        ("Số định danh / ID number", &c.id_number),
        ("Họ và tên / Full name", &c.full_name),
        ("Ngày sinh / Date of birth", &birth),
        ("Giới tính / Sex", &c.sex),
        ("Quốc tịch / Nationality", &c.nationality),
        ("Dân tộc / Ethnicity", &c.ethnicity),
        ("Tôn giáo / Religion", &c.religion),
        ("Quê quán / Place of origin", &c.place_of_origin),
        ("Nơi thường trú / Residence", &c.place_of_residence),
        ("Đặc điểm nhận dạng / Marks", &c.identifying_marks),
        ("Ngày cấp / Date of issue", &issue),
        ("Có giá trị đến / Valid until", &expiry),
        ("Họ tên cha / Father", &c.father_name),
        ("Họ tên mẹ / Mother", &c.mother_name),
        ("Vợ/chồng / Spouse", &c.spouse_name),
        ("CMND cũ / Old ID number", &c.old_id_number),
    ];
    let mut s = String::from("\n");
    for (label, value) in rows {
        let shown = match (label, value) {
            (l, None) if l.starts_with("Có giá trị") && c.date_of_issue.is_some() => {
                "không thời hạn / no expiry"
            }
            (_, None) => "—",
            (_, Some(v)) => v.as_str(),
        };
        s += &format!("{label:<32} {shown}\n");
    }
    for w in &c.warnings {
        s += &format!("warning: {w}\n");
    }
    s
}
