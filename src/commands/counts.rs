use card_sim::{AccessMode, CardIdentity, CccdOptions, InProcess, default_cccd};
use icao9303::read::ReadOptions;
use icao9303::{AccessKey, Can, DocumentRead};
use pipeline::{CardReader, Files, ReadRequest};
use serde::Serialize;

use ::apdu::TransferStats;

use crate::error::CliError;
use crate::output::Output;

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct Counts {
    apdus: u64,
    bytes_sent: u64,
    bytes_received: u64,
}

impl From<TransferStats> for Counts {
    fn from(t: TransferStats) -> Self {
        Self {
            apdus: t.apdus,
            bytes_sent: t.bytes_sent,
            bytes_received: t.bytes_received,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    what: &'static str,
    extended: Counts,
    short: Counts,
}

fn sum(read: &DocumentRead, names: &[&str]) -> TransferStats {
    read.steps
        .iter()
        .filter(|s| names.contains(&s.name.as_str()))
        .fold(TransferStats::default(), |a, s| TransferStats {
            apdus: a.apdus + s.transfer.apdus,
            bytes_sent: a.bytes_sent + s.transfer.bytes_sent,
            bytes_received: a.bytes_received + s.transfer.bytes_received,
        })
}

/// The file traffic of a full read, without the clone check (the table counts the reading
/// strategy's APDUs; `cccd bench` shows chip authentication's).
fn simulate(options: CccdOptions, key: &AccessKey) -> Result<DocumentRead, CliError> {
    let mut card = default_cccd(&options);
    let request = ReadRequest {
        files: Files::Listed { photo: true },
        clone_check: false,
    };
    let read = CardReader::with_options(ReadOptions::default()).read(
        &mut InProcess(&mut card),
        std::slice::from_ref(key),
        &request,
        &mut |_| {},
    )?;
    Ok(read.document)
}

/// `cccd counts`: the deterministic wire counts of reading the default virtual card.
pub fn run(out: &Output, markdown: bool) -> Result<(), CliError> {
    let holder = CardIdentity::default_holder();
    let can = AccessKey::Can(Can::new(holder.can.as_deref().unwrap_or_default())?);
    let mrz = AccessKey::Mrz(
        holder
            .mrz_info()
            .ok_or_else(|| CliError::Other("the default card has no MRZ".into()))?,
    );
    let ext = simulate(CccdOptions::default(), &can)?;
    let short = simulate(
        CccdOptions {
            extended: false,
            ..CccdOptions::default()
        },
        &can,
    )?;
    let bac_ext = simulate(
        CccdOptions {
            access: AccessMode::Bac,
            ..CccdOptions::default()
        },
        &mrz,
    )?;
    let bac_short = simulate(
        CccdOptions {
            access: AccessMode::Bac,
            extended: false,
            ..CccdOptions::default()
        },
        &mrz,
    )?;
    let main = ["com", "sod", "dg1", "dg13", "dg14", "dg15"];
    let row = |what, names: &[&str], e: &DocumentRead, s: &DocumentRead| Row {
        what,
        extended: sum(e, names).into(),
        short: sum(s, names).into(),
    };
    let rows = vec![
        row(
            "EF.CardAccess (also probes extended length)",
            &["cardAccess"],
            &ext,
            &short,
        ),
        row(
            "PACE-GM brainpoolP256r1 with the CAN + SELECT",
            &["access"],
            &ext,
            &short,
        ),
        row(
            "EF.COM + EF.SOD + DG1 + DG13 + DG14 + DG15",
            &main,
            &ext,
            &short,
        ),
        row("DG2 (the 20 KB JPEG photo)", &["dg2"], &ext, &short),
        Row {
            what: "whole read with PACE",
            extended: ext.total_transfer().into(),
            short: short.total_transfer().into(),
        },
        row(
            "BAC with the MRZ (SELECT + GET CHALLENGE + EXTERNAL AUTHENTICATE)",
            &["access"],
            &bac_ext,
            &bac_short,
        ),
        Row {
            what: "whole read with BAC",
            extended: bac_ext.total_transfer().into(),
            short: bac_short.total_transfer().into(),
        },
    ];
    if markdown {
        let mut s = String::from(
            "| read of the default virtual CCCD | APDUs (extended) | bytes sent / received (extended) | APDUs (short only) | bytes sent / received (short only) |\n|---|---:|---:|---:|---:|\n",
        );
        for r in &rows {
            s += &format!(
                "| {} | {} | {} / {} | {} | {} / {} |\n",
                r.what,
                r.extended.apdus,
                r.extended.bytes_sent,
                r.extended.bytes_received,
                r.short.apdus,
                r.short.bytes_sent,
                r.short.bytes_received
            );
        }
        print!("{s}");
        return Ok(());
    }
    out.emit(&rows, || {
        let mut s = format!("{:<70} {:>16} {:>16}\n", "", "extended", "short only");
        for r in &rows {
            s += &format!(
                "{:<70} {:>7} APDUs {:>4} {:>7} APDUs\n",
                r.what, r.extended.apdus, "", r.short.apdus
            );
        }
        s
    });
    Ok(())
}
