//! The process environment as the overrides read it.

use crate::error::CliError;

/// The environment's variables as text. A variable that is not valid Unicode (any byte string on
/// Unix) is skipped, since no override can be made of it, unless its name starts with `prefix`:
/// then it is an error naming the variable (never its value), as the override it was meant to be
/// cannot be applied. `std::env::vars` would panic on such a variable instead.
pub(super) fn variables(
    vars: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    prefix: &str,
) -> Result<Vec<(String, String)>, CliError> {
    vars.filter_map(
        |(name, value)| match (name.into_string(), value.into_string()) {
            (Ok(name), Ok(value)) => Some(Ok((name, value))),
            (name, _) => {
                let name = name.unwrap_or_else(|n| n.to_string_lossy().into_owned());
                name.starts_with(prefix).then(|| {
                Err(CliError::Config(format!(
                    "the environment variable {name} is not valid Unicode: write its value as UTF-8"
                )))
            })
            }
        },
    )
    .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    use super::*;

    fn os(bytes: &[u8]) -> OsString {
        OsString::from_vec(bytes.to_vec())
    }

    #[test]
    fn variables_that_are_not_unicode_are_skipped_unless_they_are_overrides() {
        let vars = vec![
            (os(b"LANG"), os(b"C")),
            (os(b"JUNK"), os(b"\xFF")),
            (os(b"\xFEJUNK"), os(b"x")),
            (os(b"CCCD_READER__NAME"), os(b"ACS")),
        ];
        assert_eq!(
            variables(vars.into_iter(), "CCCD_").unwrap(),
            vec![
                ("LANG".to_owned(), "C".to_owned()),
                ("CCCD_READER__NAME".to_owned(), "ACS".to_owned())
            ]
        );
        let bad = vec![(os(b"CCCD_READER__NAME"), os(b"SECRET\xFF"))];
        let e = variables(bad.into_iter(), "CCCD_").unwrap_err().to_string();
        assert!(e.contains("CCCD_READER__NAME is not valid Unicode"), "{e}");
        assert!(!e.contains("SECRET"), "the value is not shown: {e}");
    }
}
