//! The simulator's facility accounts (`domain/bhxh-gateway.md`, "2026": one `<maCSKCB>_BV`
//! account per facility code, each with its own registered operators; some accounts can log in
//! but may not query).

use std::fmt;

use crate::secret::Secret;

/// The first account's name (a facility `<maCSKCB>_BV` account, § Access).
pub const DEFAULT_USERNAME: &str = "38001_BV";
/// The first account's password (a demo value, documented in the README).
pub const DEFAULT_PASSWORD: &str = "cccd-sim-demo";
/// The first account's facility code: seeded cards registered here are "đúng tuyến".
pub const DEFAULT_FACILITY: &str = "38001";
/// The operator registered by the first facility (`hoTenCb`).
pub const DEFAULT_OPERATOR_NAME: &str = "Trần Thị Bình";
/// That operator's ID number (`cccdCb`).
pub const DEFAULT_OPERATOR_ID: &str = "038190000001";

/// A second facility of the same hospital group, with its own account and operator.
pub const SECOND_USERNAME: &str = "38002_BV";
/// Its password.
pub const SECOND_PASSWORD: &str = "cccd-sim-demo-38002";
/// Its facility code.
pub const SECOND_FACILITY: &str = "38002";
/// Its registered operator's name.
pub const SECOND_OPERATOR_NAME: &str = "Lê Thị Hoa";
/// Its registered operator's ID number.
pub const SECOND_OPERATOR_ID: &str = "038192000002";

/// An account that can log in but may not query (card checks answer HTTP 403).
pub const NO_QUERY_USERNAME: &str = "38003_BV";
/// Its password.
pub const NO_QUERY_PASSWORD: &str = "cccd-sim-demo-38003";
/// Its facility code.
pub const NO_QUERY_FACILITY: &str = "38003";

/// An account on BHXH's restricted-lookup list: card checks work, the co-payment lookup answers
/// 500 "Có lỗi xảy ra trong quá trình tra cứu!".
pub const RESTRICTED_USERNAME: &str = "38004_BV";
/// Its password.
pub const RESTRICTED_PASSWORD: &str = "cccd-sim-demo-38004";
/// Its facility code.
pub const RESTRICTED_FACILITY: &str = "38004";

/// One facility account of the simulator.
#[derive(Clone)]
pub struct SimAccount {
    /// `<maCSKCB>_BV`.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// The facility code (the co-payment lookup's `username` may be this or the account).
    pub facility_code: String,
    /// Registered operators (name, ID number); empty accepts any.
    pub operators: Vec<(String, String)>,
    /// Whether the account may query (card checks, history, co-payment); `false`: HTTP 403.
    pub may_query: bool,
    /// Whether the account is on the restricted-lookup list (the co-payment lookup's 500).
    pub restricted: bool,
}

impl fmt::Debug for SimAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimAccount")
            .field("username", &self.username)
            .field("facility_code", &self.facility_code)
            .field("may_query", &self.may_query)
            .field("restricted", &self.restricted)
            .finish_non_exhaustive()
    }
}

impl SimAccount {
    /// An account that may query, is not restricted, and registers `operators`.
    pub fn new(username: &str, password: &str, facility: &str, operators: &[(&str, &str)]) -> Self {
        Self {
            username: username.into(),
            password: Secret::new(password),
            facility_code: facility.into(),
            operators: operators
                .iter()
                .map(|(n, i)| ((*n).into(), (*i).into()))
                .collect(),
            may_query: true,
            restricted: false,
        }
    }
}

/// The seeded accounts: 38001_BV (the demo's), 38002_BV (a second facility), 38003_BV (logs in,
/// may not query) and 38004_BV (restricted list), each with its own operator.
pub fn seeded_accounts() -> Vec<SimAccount> {
    vec![
        SimAccount::new(
            DEFAULT_USERNAME,
            DEFAULT_PASSWORD,
            DEFAULT_FACILITY,
            &[(DEFAULT_OPERATOR_NAME, DEFAULT_OPERATOR_ID)],
        ),
        SimAccount::new(
            SECOND_USERNAME,
            SECOND_PASSWORD,
            SECOND_FACILITY,
            &[(SECOND_OPERATOR_NAME, SECOND_OPERATOR_ID)],
        ),
        SimAccount {
            may_query: false,
            ..SimAccount::new(
                NO_QUERY_USERNAME,
                NO_QUERY_PASSWORD,
                NO_QUERY_FACILITY,
                &[("Phạm Văn Quang", "038188000003")],
            )
        },
        SimAccount {
            restricted: true,
            ..SimAccount::new(
                RESTRICTED_USERNAME,
                RESTRICTED_PASSWORD,
                RESTRICTED_FACILITY,
                &[("Đỗ Văn Sơn", "038187000004")],
            )
        },
    ]
}
