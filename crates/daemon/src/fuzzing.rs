//! The API's request bodies as the handlers take them, without a server (feature `fuzzing`):
//! each body deserialised as its route does and checked as far as nothing is sent yet (the
//! access input and its keys, the patient, the operator), for the fuzz targets and their corpus
//! replay. Not for applications: call the API.

use crate::error::ApiError;
use crate::insurance::routes::{CopaymentRequestJson, EligibilityRequest};
use crate::page::LoginRequest;

/// A route that takes a JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// `POST /v1/cards/read`.
    CardsRead,
    /// `POST /v1/identify`.
    Identify,
    /// `POST /v1/eligibility/check`.
    EligibilityCheck,
    /// `POST /v1/eligibility/copayment`.
    EligibilityCopayment,
    /// `POST /v1/page/login` (deserialised only: checking the password is Argon2id's).
    PageLogin,
    /// `POST /v1/demo/tap`.
    DemoTap,
}

impl Body {
    /// Every route with a body (the fuzz inputs' first byte picks one: the order is kept).
    pub const ALL: [Self; 6] = [
        Self::CardsRead,
        Self::EligibilityCheck,
        Self::EligibilityCopayment,
        Self::PageLogin,
        Self::DemoTap,
        Self::Identify,
    ];
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Deserialises `bytes` as `body`'s route does and runs its checks; the error is the one the
/// route would answer.
pub fn check_body(body: Body, bytes: &[u8]) -> Result<(), ApiError> {
    match body {
        Body::CardsRead => crate::api::check_read_request(&json(bytes)?),
        Body::Identify => crate::identify::check_identify_request(&json(bytes)?),
        Body::EligibilityCheck => {
            let req: EligibilityRequest = json(bytes)?;
            crate::insurance::patient(&req.patient_fields())?;
            if let Some(o) = req.operator() {
                crate::insurance::operator_given(o)?;
            }
            Ok(())
        }
        Body::EligibilityCopayment => {
            let req: CopaymentRequestJson = json(bytes)?;
            crate::insurance::patient(&req.patient_fields()).map(drop)
        }
        Body::PageLogin => json::<LoginRequest>(bytes).map(drop),
        Body::DemoTap => crate::api::tap_request(bytes).map(drop),
    }
}
