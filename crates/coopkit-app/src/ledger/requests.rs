//! Payment requests: a member (a shop at its till, a sitter after a sit)
//! asks for a fixed amount; the request is shown as a QR code; another
//! member scans it and pays. The request's id is the id of the transfer
//! that pays it, so the ledger's idempotency makes it payable once: the
//! same payer paying again gets the first result, anyone else is refused.

use coopkit_domain::validation::Collector;
use coopkit_domain::{Role, Timestamp};
use coopkit_ledger::request::PaymentRequest;
use coopkit_ledger::transfer::{AMOUNT_MAX, TEXT_MAX_BYTES};
use coopkit_ledger::{AccountOwner, Applied, CurrencyCode, Refusal, TransferId};
use coopkit_store::{Coop, Currency, Person};

use super::payees::REQUEST_CAUSE;
use super::{new_transfer_id, Instruction, Payment};
use crate::{App, AppError, Result};

/// What a member asks to be paid.
#[derive(Clone, Debug)]
pub struct PaymentRequestForm {
    pub currency: String,
    pub amount: u64,
    pub memo: String,
}

/// A request with what a page shows beside it.
#[derive(Clone, Debug)]
pub struct PaymentRequestView {
    pub request: PaymentRequest,
    pub currency: Currency,
    pub payee_name: String,
    /// When it was paid; `None` while open.
    pub paid_at: Option<Timestamp>,
}

/// How many of a member's requests their ledger page lists.
const RECENT_REQUESTS: u32 = 10;

impl App {
    /// Creates a request to be paid by any member, the caller being payee.
    pub async fn request_payment(
        &self,
        actor: &Person,
        slug: &str,
        form: PaymentRequestForm,
    ) -> Result<PaymentRequest> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let mut errors = Collector::new();
        let currency = errors.check("currency", CurrencyCode::parse(form.currency.trim()));
        if form.amount == 0 {
            errors.push("amount", "amount-zero");
        } else if form.amount > AMOUNT_MAX {
            errors.push("amount", "amount-too-large");
        }
        let memo = form.memo.trim();
        if memo.len() > TEXT_MAX_BYTES {
            errors.push("memo", "text-too-long");
        }
        let currency = errors.finish_with(currency)?;
        self.coop_currency(&coop, &currency).await?;
        let request = PaymentRequest {
            id: new_transfer_id(),
            coop: coop.id,
            payee: actor.id,
            currency,
            amount: form.amount,
            memo: memo.to_owned(),
            created_at: self.clock.now(),
        };
        self.store.create_payment_request(&request).await?;
        Ok(request)
    }

    /// A request of the co-op, for any active member: the payee showing
    /// it, or whoever scanned it.
    pub async fn payment_request(
        &self,
        actor: &Person,
        slug: &str,
        id: TransferId,
    ) -> Result<PaymentRequestView> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let request = self
            .store
            .payment_request(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("payment request"))?;
        self.request_view(&coop, request).await
    }

    /// The caller's latest requests in the co-op, newest first.
    pub async fn my_payment_requests(
        &self,
        actor: &Person,
        slug: &str,
    ) -> Result<Vec<PaymentRequestView>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let requests = self
            .store
            .payment_requests_of(coop.id, actor.id, RECENT_REQUESTS)
            .await?;
        let mut views = Vec::with_capacity(requests.len());
        for request in requests {
            views.push(self.request_view(&coop, request).await?);
        }
        Ok(views)
    }

    /// Pays a request from the caller's account. Returns the ledger's
    /// answer, so that a refusal (not enough credit, say) can be shown;
    /// a request already paid by someone else is a conflict.
    pub async fn pay_request(
        &self,
        actor: &Person,
        slug: &str,
        id: TransferId,
    ) -> Result<Result<Applied, Refusal>> {
        let view = self.payment_request(actor, slug, id).await?;
        let request = view.request;
        if request.payee == actor.id {
            return Err(AppError::Conflict {
                field: "request",
                code: "request-own",
            });
        }
        let payee_active = self
            .store
            .membership(request.coop, request.payee)
            .await?
            .is_some_and(|m| m.status.is_active());
        if !payee_active {
            return Ok(Err(Refusal::CreditAccountUnknown));
        }
        let payment = Payment {
            id: request.id,
            currency: request.currency,
            from: AccountOwner::Member(actor.id),
            to: AccountOwner::Member(request.payee),
            amount: request.amount,
            hold: None,
            linked: false,
            memo: request.memo,
            cause: format!("{REQUEST_CAUSE}{:032x}", request.id.0),
        };
        let result = self
            .ledger
            .submit(request.coop, vec![Instruction::Pay(payment)])
            .await?
            .pop()
            .ok_or(AppError::internal("the ledger answered an empty batch"))?;
        match result {
            // Same id, different payer: someone else paid it first.
            Err(Refusal::ExistsWithDifferentFields) => Err(AppError::Conflict {
                field: "request",
                code: "request-already-paid",
            }),
            other => Ok(other),
        }
    }

    async fn request_view(
        &self,
        coop: &Coop,
        request: PaymentRequest,
    ) -> Result<PaymentRequestView> {
        let currency = self.coop_currency(coop, &request.currency).await?;
        let payee_name = self
            .store
            .person(request.payee)
            .await?
            .map(|p| p.display_name)
            .unwrap_or_default();
        let paid_at = self
            .ledger
            .transfer(coop.id, request.id)
            .await?
            .map(|t| t.record.timestamp);
        Ok(PaymentRequestView {
            request,
            currency,
            payee_name,
            paid_at,
        })
    }

    /// The co-op's currency with this code, or an error on `currency`.
    pub(crate) async fn coop_currency(&self, coop: &Coop, code: &CurrencyCode) -> Result<Currency> {
        self.store
            .currencies(coop.id)
            .await?
            .into_iter()
            .find(|c| c.code == *code)
            .ok_or_else(|| AppError::absent("currency", "currency-unknown"))
    }
}
