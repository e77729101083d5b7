//! What arrives over HTTP: the BHXH gateway's answers to the eligibility client, and the API
//! clients' request bodies to the daemon.

use daemon::fuzzing::{Body, check_body};
use eligibility::fuzzing::{Endpoint, read_gateway_answer};

/// The HTTP statuses a [`gateway_answer`] input chooses from: the gateway's own (200, and 401,
/// 403, 500 with or without its JSON) and what a proxy in front of it sends.
pub const GATEWAY_STATUSES: [u16; 8] = [200, 401, 403, 500, 502, 404, 400, 204];

/// One answer of the gateway as the client reads it: byte 0 chooses the endpoint (token, card
/// check, history, co-payment, modulo 4), byte 1 the HTTP status ([`GATEWAY_STATUSES`], modulo
/// 8), the rest is the body (sent as `application/json`).
pub fn gateway_answer(data: &[u8]) {
    let [endpoint, status, body @ ..] = data else {
        return;
    };
    let endpoint = Endpoint::ALL[usize::from(*endpoint) % Endpoint::ALL.len()];
    let status = GATEWAY_STATUSES[usize::from(*status) % GATEWAY_STATUSES.len()];
    let _ = read_gateway_answer(endpoint, status, "application/json; charset=utf-8", body);
}

/// One request body as its route takes it: byte 0 chooses the route (`cards/read`,
/// `eligibility/check`, `eligibility/copayment`, `page/login`, `demo/tap`, `identify`, modulo
/// 6), the rest is the body.
pub fn api_body(data: &[u8]) {
    let Some((route, body)) = data.split_first() else {
        return;
    };
    let route = Body::ALL[usize::from(*route) % Body::ALL.len()];
    let _ = check_body(route, body);
}
