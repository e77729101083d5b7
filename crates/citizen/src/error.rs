/// What can be wrong with Vietnamese card data given by a person or read from a QR code.
///
/// Messages never repeat the personal data they concern.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The ID number is not 12 digits.
    #[error("the ID number must be exactly 12 digits")]
    IdLength,
    /// The ID number's province code is not one of 001-096.
    #[error("the ID number's first 3 digits are not a province code (001-096)")]
    IdProvince,
    /// A date is not in a format we accept (the text is not repeated: it may be a date of
    /// birth).
    #[error("a date given is not a date: use dd/mm/yyyy, yyyy-mm-dd or the MRZ's yymmdd")]
    BadDate,
    /// The QR text does not have the CCCD layout.
    #[error("this is not a CCCD QR code: {0}")]
    BadQr(&'static str),
    /// An access key could not be built.
    #[error(transparent)]
    Key(#[from] icao9303::Error),
    /// A data group read from the chip (DG13, DG1) is malformed.
    #[error(transparent)]
    Lds(icao9303::Error),
}
