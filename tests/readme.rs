//! The README's generated parts equal what the commands print now.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn the_apdu_count_table_is_current() {
    let o = cccd(&["counts", "--markdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- apdu-counts:start -->")
        .expect("README marker")
        + "<!-- apdu-counts:start -->".len();
    let end = readme
        .find("<!-- apdu-counts:end -->")
        .expect("README marker");
    assert_eq!(
        readme[start..end].trim(),
        table.trim(),
        "update the README with `cccd counts --markdown`"
    );
}
