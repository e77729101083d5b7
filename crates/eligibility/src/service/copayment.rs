//! The co-payment lookup through the service: the facility's account, answers kept for 15
//! minutes, and one gateway call for concurrent requests about the same card.

use jiff::Timestamp;

use super::{Eligibility, full_name};
use crate::client::CopaymentQuery;
use crate::codes::Message;
use crate::copayment::{Copayment, CopaymentCategory};
use crate::error::Error;
use crate::patient::{AskedBy, CopaymentRequest, copayment_date_of_birth};

/// A co-payment lookup's result with who asked.
#[derive(Debug, Clone)]
pub struct CopaymentOutcome {
    /// The answer for reception.
    pub copayment: Copayment,
    /// The facility and its account (the lookup names no operator).
    pub asked_by: AskedBy,
}

impl Eligibility {
    /// The year's co-payment of `request.patient` (`TraCuuTienMCCT`), asked by its facility.
    ///
    /// An answer about the card younger than 15 minutes (configurable) comes back at once,
    /// marked `cached` with its age, unless `refresh`; concurrent requests for the same card
    /// share one gateway call (refreshing or not). Every answer, and every failure to get one,
    /// is a [`Copayment`]; `Err` only for input that cannot be sent. A temporary newborn card is
    /// not sent.
    pub async fn copayment(&self, request: &CopaymentRequest) -> Result<CopaymentOutcome, Error> {
        let facility = self.facility(request.facility.as_deref())?;
        let patient = &request.patient;
        let query = CopaymentQuery {
            card_id: patient.card.as_str().to_owned(),
            full_name: full_name(patient)?,
            date_of_birth: copayment_date_of_birth(&patient.date_of_birth),
        };
        let asked_by = AskedBy {
            facility: facility.code.clone(),
            account: facility.client.username().to_owned(),
            operator: None,
        };
        let base_salary = self.options.copayment.base_salary;
        if patient
            .card
            .is_temporary_newborn_card(patient.registered_facility.as_deref())
        {
            let copayment = Copayment::new(
                CopaymentCategory::NoData,
                Message::new(
                    "Thẻ BHYT tạm của trẻ sơ sinh: cổng BHXH chưa có thông tin loại thẻ này nên không tra cứu.",
                    "A temporary newborn health-insurance card: the gateway does not know such cards, so it was not asked.",
                ),
                base_salary,
                self.clock.now(),
            );
            return Ok(CopaymentOutcome {
                copayment,
                asked_by,
            });
        }
        let key = self.lookup_key(
            facility,
            &query.card_id,
            &query.full_name,
            &query.date_of_birth,
        );
        if !request.refresh
            && let Some(kept) = self.kept_copayment(&key, self.clock.now())
        {
            return Ok(CopaymentOutcome {
                copayment: kept,
                asked_by,
            });
        }
        let copayment = self
            .copayment_calls
            .run(key.clone(), || async {
                let c = match facility.client.copayment(&query).await {
                    Ok(answer) => Copayment::from_answer(&answer, base_salary, self.clock.now()),
                    Err(e) => {
                        tracing::warn!("co-payment lookup failed: {e}");
                        Copayment::from_failure(&e, base_salary, self.clock.now())
                    }
                };
                tracing::info!(
                    category = c.category.as_str(),
                    result_code = c.result_code.as_deref().unwrap_or("-"),
                    "co-payment looked up"
                );
                if c.category.is_about_the_card() {
                    self.keep_copayment(key, &c);
                }
                c
            })
            .await;
        Ok(CopaymentOutcome {
            copayment,
            asked_by,
        })
    }

    /// The answer kept for `key` if younger than the freshness window, marked cached.
    fn kept_copayment(&self, key: &str, now: Timestamp) -> Option<Copayment> {
        let kept = self.kept_copayments.lock().ok()?.get(key)?.clone();
        let age = now.duration_since(kept.looked_up_at).as_secs().max(0);
        let age = u64::try_from(age).unwrap_or(0);
        if age >= self.options.copayment.fresh_for.as_secs() {
            return None;
        }
        Some(Copayment {
            cached: true,
            age_seconds: Some(age),
            ..kept
        })
    }

    /// Keeps `c` for `key`, dropping answers past the freshness window (the map stays small).
    fn keep_copayment(&self, key: String, c: &Copayment) {
        let fresh_for = self.options.copayment.fresh_for.as_secs();
        let now = self.clock.now();
        if let Ok(mut kept) = self.kept_copayments.lock() {
            kept.retain(|_, k| {
                u64::try_from(now.duration_since(k.looked_up_at).as_secs()).unwrap_or(0) < fresh_for
            });
            kept.insert(key, c.clone());
        }
    }
}
