//! The OpenAPI 3.1 document, generated from the handlers' annotations and the types.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::api;
use crate::insurance::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "cccd-bridge daemon", description = "Local REST API of cccd-bridge: read and verify Vietnamese chip ID cards (CCCD), check health-insurance eligibility, and follow card events. Errors are {\"error\":{\"code\",\"message\"}} with stable codes."),
    paths(
        api::health, api::readers, api::read_card, crate::identify::identify, api::get_session,
        api::get_photo,
        api::delete_session, routes::eligibility_check, routes::copayment,
        routes::list_rechecks, routes::acknowledge_recheck, api::events, api::events_ticket,
        api::openapi, api::demo_tap, crate::page::credential, crate::page::login,
        crate::page::logout, crate::metrics::page
    ),
    components(schemas(
        crate::error::ErrorBody, crate::error::ErrorDetail, crate::events::DaemonEvent,
        crate::insurance::AskedByView
    )),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as JSON.
pub fn openapi_json() -> serde_json::Value {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    serde_json::to_value(&doc).unwrap_or_else(|_| serde_json::json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every route of the API is in the document.
    #[test]
    fn every_route_is_documented() {
        let doc = openapi_json();
        for (method, path, _) in crate::scope::ROUTES {
            if *path == "/" {
                continue;
            }
            let m = method.to_ascii_lowercase();
            assert!(doc["paths"][path][&m].is_object(), "{method} {path}");
        }
    }

    /// Every event of the stream is documented, by its name and with its payload.
    #[test]
    fn the_events_are_in_the_document() {
        let doc = openapi_json();
        let schemas = &doc["components"]["schemas"];
        let text = schemas["DaemonEvent"].to_string();
        for name in crate::events::EVENT_NAMES {
            assert!(text.contains(&format!("\"{name}\"")), "{name} in {text}");
        }
        for payload in [
            "CardIdentity",
            "CardVerified",
            "CardPhoto",
            "EligibilityResult",
            "CopaymentResult",
            "ErrorEvent",
        ] {
            assert!(schemas.get(payload).is_some(), "{payload}");
        }
        let result = &schemas["EligibilityResult"]["properties"];
        for field in [
            "sessionId",
            "eligibility",
            "recheck",
            "recheckId",
            "facility",
        ] {
            assert!(result.get(field).is_some(), "eligibility.result's {field}");
        }
        assert!(schemas["CopaymentResult"]["properties"]["copayment"].is_object());
    }

    /// The identification without a chip: its request, its answer (the registration block
    /// marked by how the patient was identified) and its error codes; the read's consent.
    #[test]
    fn identify_and_consent_are_in_the_document() {
        let doc = openapi_json();
        let schemas = &doc["components"]["schemas"];
        let req = &schemas["IdentifyRequest"]["properties"];
        for field in [
            "qr",
            "id",
            "card",
            "name",
            "dob",
            "registeredFacility",
            "eligibility",
            "facility",
            "operator",
        ] {
            assert!(req.get(field).is_some(), "IdentifyRequest.{field}");
        }
        let answer = &schemas["IdentifyAnswer"];
        for field in [
            "sessionId",
            "identifiedBy",
            "registration",
            "eligibility",
            "askedBy",
            "recheck",
            "eligibilityError",
        ] {
            assert!(
                answer["properties"].get(field).is_some(),
                "IdentifyAnswer.{field}"
            );
        }
        let required: Vec<&str> = answer["required"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        for field in ["sessionId", "identifiedBy", "registration"] {
            assert!(required.contains(&field), "{field} is required");
        }
        let source = schemas["Source"].to_string();
        for method in ["chip-verified", "chip-unverified", "qr", "typed"] {
            assert!(
                source.contains(&format!("\"{method}\"")),
                "{method} in {source}"
            );
        }
        let path = &doc["paths"]["/v1/identify"]["post"];
        let text = path.to_string();
        for code in ["bad-identification", "bad-qr", "bad-card-number"] {
            assert!(text.contains(code), "{code}");
        }
        assert!(
            schemas["SessionView"]["properties"]
                .get("identifiedBy")
                .is_some()
        );
        assert!(
            schemas["ReadRequest"]["properties"]
                .get("consent")
                .is_some()
        );
        assert!(
            doc["paths"]["/v1/cards/read"]["post"]
                .to_string()
                .contains("consent-required")
        );
    }
}
