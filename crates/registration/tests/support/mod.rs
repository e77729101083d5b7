//! Ways staff write a unit's name, shared by the tests and the benchmark.

use unicode_normalization::UnicodeNormalization;

/// The text without diacritics, as typed on a keyboard without Vietnamese input.
pub fn plain(text: &str) -> String {
    text.nfd()
        .filter(|c| !('\u{300}'..='\u{36F}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

/// The name without its type prefix.
pub fn short(name: &str) -> &str {
    for p in [
        "Thành phố ",
        "Thị xã ",
        "Thị trấn ",
        "Đặc khu ",
        "Tỉnh ",
        "Quận ",
        "Huyện ",
        "Phường ",
        "Xã ",
    ] {
        if let Some(head) = name.get(..p.len())
            && head.to_lowercase() == p.to_lowercase()
        {
            return &name[p.len()..];
        }
    }
    name
}

/// Abbreviated as staff type it.
pub fn abbreviated(name: &str) -> String {
    for (p, a) in [
        ("Thành phố ", "TP. "),
        ("Thị xã ", "TX. "),
        ("Thị trấn ", "TT. "),
        ("Tỉnh ", "T. "),
        ("Quận ", "Q."),
        ("Huyện ", "H. "),
        ("Phường ", "P."),
        ("Xã ", "X. "),
    ] {
        if let Some(rest) = name.strip_prefix(p) {
            return format!("{a}{rest}");
        }
    }
    name.to_owned()
}
