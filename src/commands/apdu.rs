use ::apdu::{CardConnection, Command, ExchangeExt};
use pcsc_backend::Pcsc;
use serde::Serialize;

use crate::config::Config;
use crate::error::CliError;
use crate::output::{Output, hex_upper};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExchangeJson {
    command: String,
    response: String,
    data: String,
    sw: String,
    meaning: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApduJson {
    reader: String,
    exchanges: Vec<ExchangeJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Parses one APDU given in hex; spaces and colons are allowed as separators.
pub fn parse_apdu(text: &str) -> Result<Command, CliError> {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    let bytes = hex::decode(&clean)
        .map_err(|e| CliError::BadInput(format!("\"{text}\" is not hexadecimal: {e}")))?;
    Command::from_bytes(&bytes)
        .map_err(|e| CliError::BadInput(format!("\"{text}\" is not a command APDU: {e}")))
}

/// `cccd apdu`: sends the APDUs in one transaction; 61xx and 6Cxx are followed automatically.
pub fn run(
    out: &Output,
    cfg: &Config,
    reader: Option<&str>,
    apdus: &[String],
) -> Result<(), CliError> {
    let commands = apdus
        .iter()
        .map(|a| parse_apdu(a))
        .collect::<Result<Vec<_>, _>>()?;
    let pcsc = Pcsc::establish()?;
    let name = super::select_reader(&pcsc, cfg, reader)?;
    let mut conn = pcsc.connect(&name, cfg.reader.share_mode.into())?;
    let mut report = ApduJson {
        reader: name.clone(),
        exchanges: Vec::new(),
        error: None,
    };
    let mut failure = None;
    {
        let mut tx = conn.begin()?;
        for cmd in &commands {
            match tx.exchange(cmd) {
                Ok(r) => report.exchanges.push(ExchangeJson {
                    command: hex_upper(&cmd.to_bytes()?),
                    response: hex_upper(&r.to_bytes()),
                    data: hex_upper(&r.data),
                    sw: r.sw.to_string(),
                    meaning: r.sw.meaning(),
                }),
                Err(e) => {
                    failure = Some(CliError::from(e));
                    break;
                }
            }
        }
    }
    report.error = failure.as_ref().map(ToString::to_string);
    out.emit(&report, || {
        let mut s = format!("reader: {}\n", report.reader);
        for e in &report.exchanges {
            s += &format!(
                "> {}\n< {}{}{} ({})\n",
                e.command,
                e.data,
                if e.data.is_empty() { "" } else { " " },
                e.sw,
                e.meaning
            );
        }
        s
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Only used to keep the status-word meaning in one place for tests.
#[cfg(test)]
mod tests {
    use super::*;
    use ::apdu::StatusWord;

    #[test]
    fn apdu_arguments() {
        assert_eq!(
            parse_apdu("00A4040C07A0000002471001").unwrap().data().len(),
            7
        );
        assert_eq!(
            parse_apdu("00 a4 04 0c 07 a0:00:00:02:47:10:01")
                .unwrap()
                .data()
                .len(),
            7
        );
        assert!(matches!(
            parse_apdu("00A4040C07A00000024710"),
            Err(CliError::BadInput(_))
        ));
        assert!(matches!(parse_apdu("xyz"), Err(CliError::BadInput(_))));
        assert!(matches!(parse_apdu("00A"), Err(CliError::BadInput(_))));
        assert_eq!(
            StatusWord(0x6A82).meaning(),
            "file or application not found"
        );
    }
}
