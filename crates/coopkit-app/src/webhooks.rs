//! Webhooks: a co-op's admins register endpoints for chosen kinds of
//! event, and the server posts each such event to each, signed.
//!
//! Two steps, each safe to run on every app server at once, as mail's are:
//!
//! 1. [`App::queue_webhook_deliveries`] reads the event log from where it
//!    left off and queues a delivery for each endpoint that takes the
//!    event's kind, in the transaction that moves its place in the log.
//! 2. [`App::send_due_webhooks`] claims the next delivery of each active
//!    endpoint, posts it, and records the answer; one not accepted is
//!    tried again later, and after a day pauses its endpoint
//!    (`coopkit_domain::webhook`).
//!
//! Deliveries follow the Standard Webhooks specification: the headers
//! `webhook-id` (the event's number in the log, the same on every try, for
//! the receiver to drop repeats), `webhook-timestamp` (seconds) and
//! `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
//! `id.timestamp.body` under the endpoint's secret, `whsec_` and its
//! bytes in base64).

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use coopkit_domain::webhook::{
    self, deliverable, Attempt, Delivery, DeliveryListing, Endpoint, EndpointChange, EndpointUrl,
    UrlError, WebhookSecret,
};
use coopkit_domain::{Event, Happened, Role, WebhookId};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::records::Person;
use crate::{App, AppError, Result};

/// How long a sender holds the deliveries it claimed: longer than a
/// receiver may take to answer.
const CLAIM_MS: i64 = 60 * 1000;
/// How long a receiver has to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
/// Deliveries claimed at a time.
const CLAIM_BATCH: u32 = 50;
/// Events read from the log at a time.
const EVENT_BATCH: u32 = 500;
/// The most endpoints a co-op may have: each event goes to each, so more
/// would let one co-op's admins multiply the server's work.
pub const WEBHOOKS_MAX: usize = 20;
/// How much of a receiver's answer is kept for its admins.
const ANSWER_KEPT: usize = 200;
/// How many of an endpoint's latest deliveries its admins see.
const DELIVERIES_SHOWN: u32 = 100;

/// What an admin asks for: where, and which kinds of event.
#[derive(Clone, Debug, Default)]
pub struct WebhookForm {
    pub url: String,
    pub kinds: Vec<String>,
}

/// A new endpoint and its secret, which is shown this once.
#[derive(Clone, Debug)]
pub struct AddedWebhook {
    pub endpoint: Endpoint,
    /// `whsec_` and the secret's bytes in base64.
    pub secret: String,
}

/// A co-op's endpoints as its admins' page shows them, each with its
/// latest deliveries.
#[derive(Clone, Debug)]
pub struct WebhooksOverview {
    pub coop_name: String,
    pub endpoints: Vec<(Endpoint, Vec<DeliveryListing>)>,
}

/// How many of an endpoint's latest deliveries its admins' page shows.
const DELIVERIES_ON_PAGE: u32 = 10;

/// What one pass of the sender did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WebhookRun {
    pub delivered: usize,
    pub refused: usize,
}

/// The secret as Standard Webhooks writes it.
pub fn secret_text(secret: &WebhookSecret) -> String {
    format!("whsec_{}", BASE64.encode(secret.0))
}

/// The `webhook-signature` header of a delivery: `v1,` and the base64
/// HMAC-SHA256 of `id.timestamp.body`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> Result<String> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key).map_err(AppError::because("webhook signing key"))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

impl WebhookForm {
    fn checked(&self) -> Result<(EndpointUrl, Vec<String>)> {
        let url = EndpointUrl::parse(&self.url).map_err(|error| {
            let code = match error {
                UrlError::TooLong => "webhook-url-too-long",
                UrlError::NotHttps => "webhook-url-https",
                UrlError::Malformed => "webhook-url-malformed",
            };
            AppError::invalid("url", code)
        })?;
        let mut kinds: Vec<String> = self.kinds.iter().map(|k| k.trim().to_owned()).collect();
        kinds.sort();
        kinds.dedup();
        if kinds.is_empty() || !kinds.iter().all(|k| deliverable(k)) {
            return Err(AppError::invalid("kinds", "webhook-kinds"));
        }
        Ok((url, kinds))
    }
}

impl App {
    /// Registers an endpoint for a co-op; admins only. The secret is
    /// returned this once.
    pub async fn add_webhook(
        &self,
        actor: &Person,
        slug: &str,
        form: &WebhookForm,
    ) -> Result<AddedWebhook> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let (url, kinds) = form.checked()?;
        if self.store.webhooks(coop.id).await?.len() >= WEBHOOKS_MAX {
            return Err(AppError::Conflict {
                field: "url",
                code: "webhook-too-many",
            });
        }
        let secret = WebhookSecret(crate::auth::random_bytes());
        let endpoint = self
            .store
            .add_webhook(coop.id, &url, &kinds, &secret, actor.id, self.clock.now())
            .await?;
        Ok(AddedWebhook {
            endpoint,
            secret: secret_text(&secret),
        })
    }

    /// A co-op's endpoints; admins only.
    pub async fn webhooks(&self, actor: &Person, slug: &str) -> Result<Vec<Endpoint>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        Ok(self.store.webhooks(coop.id).await?)
    }

    /// The co-op's endpoints, each with its latest deliveries; admins
    /// only.
    pub async fn webhooks_overview(&self, actor: &Person, slug: &str) -> Result<WebhooksOverview> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let mut endpoints = Vec::new();
        for endpoint in self.store.webhooks(coop.id).await? {
            let deliveries = self
                .store
                .webhook_deliveries(coop.id, endpoint.id, DELIVERIES_ON_PAGE)
                .await?;
            endpoints.push((endpoint, deliveries));
        }
        Ok(WebhooksOverview {
            coop_name: coop.name.to_string(),
            endpoints,
        })
    }

    /// An endpoint's latest deliveries, newest first; admins only.
    pub async fn webhook_deliveries(
        &self,
        actor: &Person,
        slug: &str,
        id: WebhookId,
    ) -> Result<(Endpoint, Vec<DeliveryListing>)> {
        let (coop, endpoint) = self.admins_webhook(actor, slug, id).await?;
        let deliveries = self
            .store
            .webhook_deliveries(coop.id, id, DELIVERIES_SHOWN)
            .await?;
        Ok((endpoint, deliveries))
    }

    /// Pauses or resumes an endpoint; admins only. Resumed, its waiting
    /// deliveries are tried at once.
    pub async fn change_webhook(
        &self,
        actor: &Person,
        slug: &str,
        id: WebhookId,
        change: EndpointChange,
    ) -> Result<Endpoint> {
        let (coop, endpoint) = self.admins_webhook(actor, slug, id).await?;
        let already = || AppError::Conflict {
            field: "state",
            code: "webhook-already",
        };
        let (to, event) =
            webhook::change_endpoint(endpoint.state, change, id).map_err(|_| already())?;
        let now = self.clock.now();
        let happened = Happened::new(coop.id, Some(actor.id), now, event);
        if !self
            .store
            .change_webhook(coop.id, id, (endpoint.state, to), happened)
            .await?
        {
            return Err(already());
        }
        Ok(Endpoint {
            state: to,
            ..endpoint
        })
    }

    /// One of the co-op's endpoints, for one of its admins.
    async fn admins_webhook(
        &self,
        actor: &Person,
        slug: &str,
        id: WebhookId,
    ) -> Result<(crate::records::Coop, Endpoint)> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let endpoint = self
            .store
            .webhook(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("webhook"))?;
        Ok((coop, endpoint))
    }

    /// Removes an endpoint and its deliveries; admins only.
    pub async fn remove_webhook(&self, actor: &Person, slug: &str, id: WebhookId) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let event = Event::WebhookRemoved { webhook: id };
        let happened = Happened::new(coop.id, Some(actor.id), self.clock.now(), event);
        if !self.store.remove_webhook(coop.id, id, happened).await? {
            return Err(AppError::NotFound("webhook"));
        }
        Ok(())
    }

    /// Queues deliveries for the events since the last pass; returns how
    /// many were queued.
    pub async fn queue_webhook_deliveries(&self) -> Result<usize> {
        let mut queued = 0;
        loop {
            let (events, more) = self
                .store
                .queue_webhook_deliveries(self.clock.now(), EVENT_BATCH)
                .await?;
            queued += more;
            if events < EVENT_BATCH as usize {
                return Ok(queued);
            }
        }
    }

    /// Posts every delivery that is due, each endpoint's in order, until
    /// none is left due.
    pub async fn send_due_webhooks(&self, http: &reqwest::Client) -> Result<WebhookRun> {
        let claim = crate::new_secret();
        let mut run = WebhookRun::default();
        loop {
            let now = self.clock.now();
            let claimed = self
                .store
                .claim_webhook_deliveries(now, CLAIM_MS, &claim, CLAIM_BATCH)
                .await?;
            if claimed.is_empty() {
                return Ok(run);
            }
            for delivery in claimed {
                let attempt = self.post(http, &delivery).await?;
                match attempt {
                    Attempt::Accepted(_) => run.delivered += 1,
                    Attempt::Refused(_) => run.refused += 1,
                }
                let now = self.clock.now();
                let Ok(after) = webhook::after_attempt(&delivery.status, attempt, now) else {
                    continue;
                };
                let paused = (after.state == webhook::DeliveryState::Failed).then(|| {
                    let event = Event::WebhookPaused {
                        webhook: delivery.webhook,
                        failing: true,
                    };
                    Happened::new(delivery.coop, None, now, event)
                });
                self.store
                    .record_webhook_attempt(&delivery, &claim, &after, paused, now)
                    .await?;
            }
        }
    }

    /// One try of a delivery: its event, written and signed now.
    async fn post(&self, http: &reqwest::Client, delivery: &Delivery) -> Result<Attempt> {
        if delivery.url.as_str().starts_with("http://") && !self.config.webhooks_on_loopback {
            return Ok(Attempt::Refused(
                "this server delivers to http:// addresses only when its operator allows it".into(),
            ));
        }
        let Some(logged) = self.store.event(delivery.event).await? else {
            return Ok(Attempt::Refused("the event is no longer in the log".into()));
        };
        let slug = self
            .store
            .coop_by_id(delivery.coop)
            .await?
            .map(|coop| coop.slug.to_string())
            .unwrap_or_default();
        let body = serde_json::json!({
            "type": logged.happened.event.kind(),
            "timestamp": coopkit_domain::Zone::utc().rfc3339(logged.happened.at),
            "coop": slug,
            "data": logged.happened.event.data(),
        })
        .to_string();
        let id = delivery.event.to_string();
        let timestamp = self.clock.now().as_millis() / 1000;
        let signed = signature(&delivery.secret.0, &id, timestamp, &body)?;
        let sent = http
            .post(delivery.url.as_str())
            .timeout(ANSWER_WITHIN)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(body)
            .send()
            .await;
        Ok(match sent {
            Ok(mut answer) => {
                let status = answer.status();
                // Only the start of the body is kept, so only that much is
                // read: a receiver cannot fill the server's memory.
                let mut start = Vec::new();
                while start.len() < ANSWER_KEPT {
                    match answer.chunk().await {
                        Ok(Some(chunk)) => start.extend_from_slice(&chunk),
                        Ok(None) | Err(_) => break,
                    }
                }
                let text = String::from_utf8_lossy(&start);
                let kept: String = text.chars().take(ANSWER_KEPT).collect();
                let said = format!("{} {kept}", status.as_u16()).trim_end().to_owned();
                if status.is_success() {
                    Attempt::Accepted(said)
                } else {
                    Attempt::Refused(said)
                }
            }
            Err(error) => Attempt::Refused(format!("no answer: {error}")),
        })
    }
}

/// The client deliveries are posted with: it follows no redirect, so an
/// endpoint cannot send the server on to an address its admins could not
/// register.
pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("coopkit/", env!("CARGO_PKG_VERSION"), " webhooks"))
        .build()
        .map_err(AppError::because("building the webhook client"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification: its secret,
    /// id, timestamp and body sign to its signature.
    #[test]
    fn signatures_match_the_specifications_example() {
        let key = BASE64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            signature(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                r#"{"test": 2432232314}"#
            )
            .unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_form_names_an_address_and_kinds_there_are() {
        let form = |url: &str, kinds: &[&str]| WebhookForm {
            url: url.into(),
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
        };
        let (url, kinds) = form(
            " https://hooks.example.org/x ",
            &["booking.accepted", "booking.requested", "booking.accepted"],
        )
        .checked()
        .unwrap();
        assert_eq!(url.as_str(), "https://hooks.example.org/x");
        assert_eq!(kinds, ["booking.accepted", "booking.requested"]);
        for (bad, field) in [
            (
                form("http://hooks.example.org/", &["booking.accepted"]),
                "url",
            ),
            (form("https://hooks.example.org/", &[]), "kinds"),
            (
                form("https://hooks.example.org/", &["webhook.paused"]),
                "kinds",
            ),
            (
                form("https://hooks.example.org/", &["booking.eaten"]),
                "kinds",
            ),
        ] {
            match bad.checked() {
                Err(AppError::Invalid(invalid)) => assert_eq!(invalid.0[0].field, field),
                other => panic!("{other:?}"),
            }
        }
        assert!(secret_text(&WebhookSecret([0; 32])).starts_with("whsec_AAAA"));
    }
}
