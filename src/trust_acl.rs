//! Windows: the trust folder must not be writable by ordinary users, since anyone who can write
//! there can add a CSCA (and then sign cards the daemon calls genuine) or delete a CRL. The
//! service checks it at start and refuses to start on such a folder, with the fix in the
//! message.
//!
//! The access lists come from the system's `icacls <folder> /save <file> /T /C /Q` (the
//! workspace forbids `unsafe` code, so no security API; `private_dir` sets lists with `icacls`
//! too). `/save` writes, for the folder and everything in it, a line with the object's name and
//! a line with its DACL in SDDL, in UTF-16LE: account names would be translated on a Vietnamese
//! or German Windows, SIDs and SDDL never are. The judgement is a function over the parsed
//! entries ([`judge`]), tested on samples on every platform; Wine cannot show access lists.
//!
//! Writing means any of: add or write a file (`0x2`), append or add a folder (`0x4`), delete a
//! child (`0x40`), delete (`0x10000`), change the list (`0x40000`) or the owner (`0x80000`),
//! generic write or all. An entry counts when it allows and applies to the object itself (not
//! inherit-only); deny entries are left out, so the check may refuse a list a deny entry would
//! make safe (rare, and the fix is the same). The owner's implicit right to change the list is
//! not in `/save`'s output and is not judged.

// Built and unit-tested everywhere, called by the Windows service only.
#![cfg_attr(not(windows), allow(dead_code))]

use std::path::Path;

/// One entry of an access list, as far as the judgement needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    /// An allow entry (`A`, `OA`, `XA`, `ZA`); deny and others are not.
    pub allow: bool,
    /// `IO`: applies to children only.
    pub inherit_only: bool,
    /// The access mask.
    pub mask: u32,
    /// The trustee: an SDDL abbreviation (`BU`) or a SID string (`S-1-5-21-...`).
    pub sid: String,
}

/// The access list of one object of `icacls /save`'s output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedAcl {
    /// The object's name as `icacls` wrote it (relative to the folder's parent).
    pub name: String,
    /// Its DACL.
    pub aces: Vec<Ace>,
}

const WRITE_MASK: u32 =
    0x2 | 0x4 | 0x40 | 0x1_0000 | 0x4_0000 | 0x8_0000 | 0x1000_0000 | 0x4000_0000;

/// SYSTEM, Administrators, TrustedInstaller, the built-in Administrator account, Domain and
/// Enterprise Admins; CREATOR OWNER (only ever a template for children).
const TRUSTED: [&str; 10] = [
    "SY",
    "S-1-5-18",
    "BA",
    "S-1-5-32-544",
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
    "LA",
    "DA",
    "EA",
    "CO",
    "S-1-3-0",
];

/// The mask of an SDDL rights field: hexadecimal, or two-letter codes (SDDL "ACE strings").
fn rights(field: &str) -> Result<u32, String> {
    if let Some(hex) = field
        .strip_prefix("0x")
        .or_else(|| field.strip_prefix("0X"))
    {
        return u32::from_str_radix(hex, 16).map_err(|_| format!("rights {field:?}"));
    }
    if !field.len().is_multiple_of(2) {
        return Err(format!("rights {field:?}"));
    }
    let mut mask = 0;
    for i in (0..field.len()).step_by(2) {
        mask |= match field.get(i..i + 2) {
            Some("GA") => 0x1000_0000,
            Some("GR") => 0x8000_0000,
            Some("GW") => 0x4000_0000,
            Some("GX") => 0x2000_0000,
            Some("RC") => 0x2_0000,
            Some("SD") => 0x1_0000,
            Some("WD") => 0x4_0000,
            Some("WO") => 0x8_0000,
            Some("CC") => 0x1,
            Some("DC") => 0x2,
            Some("LC") => 0x4,
            Some("SW") => 0x8,
            Some("RP") => 0x10,
            Some("WP") => 0x20,
            Some("DT") => 0x40,
            Some("LO") => 0x80,
            Some("CR") => 0x100,
            Some("FA") => 0x1F_01FF,
            Some("FR") => 0x12_0089,
            Some("FW") => 0x12_0116,
            Some("FX") => 0x12_00A0,
            _ => return Err(format!("rights {field:?}")),
        };
    }
    Ok(mask)
}

/// The entries of an SDDL DACL (`D:flags(ace)(ace)...`).
fn dacl(sddl: &str) -> Result<Vec<Ace>, String> {
    let body = sddl
        .trim()
        .strip_prefix("D:")
        .ok_or_else(|| format!("not a DACL: {sddl:?}"))?;
    let mut out = Vec::new();
    for part in body.split('(').skip(1) {
        let ace = part
            .split(')')
            .next()
            .ok_or_else(|| format!("entry {part:?}"))?;
        let f: Vec<&str> = ace.split(';').collect();
        let [kind, flags, mask, _, _, sid, ..] = f.as_slice() else {
            return Err(format!("entry {ace:?}"));
        };
        let flags: Vec<&str> = (0..flags.len() / 2)
            .filter_map(|i| flags.get(2 * i..2 * i + 2))
            .collect();
        out.push(Ace {
            allow: matches!(*kind, "A" | "OA" | "XA" | "ZA"),
            inherit_only: flags.contains(&"IO"),
            mask: rights(mask)?,
            sid: (*sid).to_owned(),
        });
    }
    Ok(out)
}

/// The text of `icacls /save`'s file: UTF-16LE (with or without a byte-order mark), or UTF-8.
fn decode(bytes: &[u8]) -> String {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE])
        || (bytes.len() >= 2 && bytes.len().is_multiple_of(2) && bytes[1] == 0);
    if utf16 {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
            .trim_start_matches('\u{FEFF}')
            .to_owned()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// The access lists of `icacls /save`'s output: a name line, then its `D:` line.
pub fn parse_icacls_save(bytes: &[u8]) -> Result<Vec<SavedAcl>, String> {
    let text = decode(bytes);
    let mut out = Vec::new();
    let mut name: Option<String> = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("D:") {
            let n = name.take().ok_or("an access list without a name")?;
            out.push(SavedAcl {
                name: n,
                aces: dacl(line)?,
            });
        } else {
            name = Some(line.to_owned());
        }
    }
    if out.is_empty() {
        return Err("no access list in icacls's output".into());
    }
    Ok(out)
}

/// A SID of one account or group of this machine or domain (`S-1-5-21-<domain>-<RID>`, RID
/// from 1000): someone an administrator named, not everyone of a built-in group.
fn named_account(sid: &str) -> bool {
    sid.strip_prefix("S-1-5-21-")
        .and_then(|rest| rest.rsplit('-').next())
        .and_then(|rid| rid.parse::<u32>().ok())
        .is_some_and(|rid| rid >= 1000)
}

/// What the access lists allow: `Err` with the objects and groups that let ordinary users
/// write (the folder must not be trusted), else the warnings (single accounts that may write:
/// the account that created the folder gets that from `cccd`'s own folders, so it is not
/// refused, but named).
pub fn judge(acls: &[SavedAcl]) -> Result<Vec<String>, Vec<String>> {
    let (mut refused, mut warned) = (Vec::new(), Vec::new());
    for acl in acls {
        for ace in acl.aces.iter().filter(|a| {
            a.allow
                && !a.inherit_only
                && a.mask & WRITE_MASK != 0
                && !TRUSTED.contains(&a.sid.as_str())
        }) {
            let what = format!("{} may be written by {}", acl.name, ace.sid);
            let list = if named_account(&ace.sid) {
                &mut warned
            } else {
                &mut refused
            };
            if !list.contains(&what) {
                list.push(what);
            }
        }
    }
    if refused.is_empty() {
        Ok(warned)
    } else {
        Err(refused)
    }
}

/// The message of a refused folder: who may write, and the two commands that fix it.
pub fn refusal(dir: &Path, found: &[String]) -> String {
    let d = dir.display();
    format!(
        "the trust folder {d} is writable by ordinary users ({}): anyone of them could add a CSCA, so it is not trusted and the service does not start. \
         Fix it in an administrator Command Prompt: icacls \"{d}\" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F \
         then icacls \"{d}\\*\" /reset (the files then take the folder's list), and start the service again",
        found.join("; ")
    )
}

/// The start-up check of the Windows service: `Err` with [`refusal`]'s message when ordinary
/// users may write the trust folder. A folder that does not exist holds no certificate (nothing
/// to check); when `icacls` cannot be run or its output not understood, a warning is logged
/// and the folder is used (as with `private_dir`'s own `icacls` calls).
pub fn check_trust_folder(dir: &Path) -> Result<(), String> {
    if !dir.is_dir() {
        return Ok(());
    }
    let acls = match saved_acls(dir) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(
                "cannot check who may write the trust folder {} ({e}): make sure only SYSTEM and Administrators can",
                dir.display()
            );
            return Ok(());
        }
    };
    match judge(&acls) {
        Ok(warnings) => {
            for w in warnings {
                tracing::warn!("trust folder: {w}: make sure that account is an administrator's");
            }
            Ok(())
        }
        Err(found) => Err(refusal(dir, &found)),
    }
}

/// Runs `icacls <dir> /save <file> /T /C /Q` into a fresh file of the service's own data
/// folder (owner-only), reads and removes it.
fn saved_acls(dir: &Path) -> Result<Vec<SavedAcl>, String> {
    let base = crate::paths::data_dir().unwrap_or_else(std::env::temp_dir);
    let mut nonce = [0u8; 8];
    rand_core::TryRngCore::try_fill_bytes(&mut rand_core::OsRng, &mut nonce)
        .map_err(|e| format!("random: {e}"))?;
    let file = base.join(format!("trust-acl-{}.txt", hex::encode(nonce)));
    let result = std::process::Command::new("icacls")
        .arg(dir)
        .arg("/save")
        .arg(&file)
        .args(["/T", "/C", "/Q"])
        .stdin(std::process::Stdio::null())
        .output();
    let read = std::fs::read(&file);
    let _ = std::fs::remove_file(&file);
    match result {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return Err(format!(
                "icacls: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        Err(e) => return Err(format!("icacls: {e}")),
    }
    parse_icacls_save(&read.map_err(|e| format!("icacls's output: {e}"))?)
}

#[cfg(test)]
mod tests {
    //! The samples follow the format Microsoft documents for `icacls /save` (the DACLs of the
    //! names, in SDDL) and the SDDL grammar of "ACE Strings" and "SID Strings"
    //! (learn.microsoft.com). The lists are Windows 10/11's defaults as published: a folder
    //! inheriting `C:\ProgramData`'s (Users may add files: `DCLCRPCR`, icacls's `WD,AD,WEA,WA`),
    //! a folder made at the root of `C:` (Authenticated Users may modify), and the list
    //! `private_dir` grants (SYSTEM, Administrators, the account running `cccd`). They were
    //! written here, not captured on a Windows machine.
    use super::*;

    const USER: &str = "S-1-5-21-1004336348-1177238915-682003330-1001";

    fn utf16(text: &str) -> Vec<u8> {
        let mut b = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b
    }

    #[test]
    fn cccds_own_folder_is_trusted_and_names_the_account() {
        let saved = format!(
            "trust\r\nD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;{USER})\r\n\
             trust\\vn-csca.der\r\nD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;FA;;;{USER})\r\n"
        );
        let acls = parse_icacls_save(&utf16(&saved)).unwrap();
        assert_eq!(acls.len(), 2);
        assert_eq!(acls[1].name, "trust\\vn-csca.der");
        assert_eq!(acls[0].aces[2].mask, 0x1F_01FF);
        let warnings = judge(&acls).unwrap();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains(USER), "{warnings:?}");
        // SYSTEM and Administrators only: nothing to say.
        let only = parse_icacls_save(
            b"trust\nD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)\n",
        )
        .unwrap();
        assert_eq!(judge(&only), Ok(vec![]));
    }

    #[test]
    fn a_folder_inheriting_programdata_is_refused() {
        let saved = "trust\r\nD:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIIOID;GA;;;CO)(A;OICIID;0x1200a9;;;BU)(A;CIID;DCLCRPCR;;;BU)\r\n";
        let found = judge(&parse_icacls_save(&utf16(saved)).unwrap()).unwrap_err();
        assert_eq!(found, ["trust may be written by BU"]);
        let msg = refusal(Path::new(r"C:\ProgramData\cccd-bridge\trust"), &found);
        assert!(
            msg.contains("writable by ordinary users (trust may be written by BU)"),
            "{msg}"
        );
        assert!(
            msg.contains(r#"icacls "C:\ProgramData\cccd-bridge\trust" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F"#),
            "{msg}"
        );
        assert!(
            msg.contains(r#"icacls "C:\ProgramData\cccd-bridge\trust\*" /reset"#),
            "{msg}"
        );
    }

    #[test]
    fn a_folder_at_the_root_of_c_and_a_file_everyone_may_write_are_refused() {
        let root = "csca\nD:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIIOID;SDGXGWGR;;;AU)(A;ID;0x1301bf;;;AU)(A;OICIID;0x1200a9;;;BU)\n";
        assert_eq!(
            judge(&parse_icacls_save(root.as_bytes()).unwrap()).unwrap_err(),
            ["csca may be written by AU"]
        );
        let file = "trust\nD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)\ntrust\\extra.pem\nD:AI(A;;0x1301bf;;;WD)(A;ID;FA;;;SY)\n";
        assert_eq!(
            judge(&parse_icacls_save(file.as_bytes()).unwrap()).unwrap_err(),
            ["trust\\extra.pem may be written by WD"]
        );
        // A group of the domain (Domain Users, RID 513) is everyone, not one account.
        let domain = "trust\nD:PAI(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;S-1-5-21-1-2-3-513)\n";
        assert!(judge(&parse_icacls_save(domain.as_bytes()).unwrap()).is_err());
    }

    #[test]
    fn deny_inherit_only_and_read_entries_do_not_count() {
        let saved = "trust\nD:PAI(D;OICI;FA;;;WD)(A;OICIIO;FA;;;BU)(A;OICI;FR;;;AU)(A;OICI;FX;;;IU)(A;OICI;FA;;;SY)\n";
        assert_eq!(
            judge(&parse_icacls_save(saved.as_bytes()).unwrap()),
            Ok(vec![])
        );
    }

    #[test]
    fn output_that_is_not_understood_is_an_error() {
        for bad in [
            "".as_bytes(),
            b"trust\n",
            b"D:(A;;FA;;;SY)\n",
            b"trust\nD:(A;;ZZ;;;SY)\n",
            b"trust\nD:(A;;FA)\n",
            b"trust\nD:(A;;0xnope;;;SY)\n",
        ] {
            assert!(
                parse_icacls_save(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(rights("FAGW"), Ok(0x1F_01FF | 0x4000_0000));
    }
}
