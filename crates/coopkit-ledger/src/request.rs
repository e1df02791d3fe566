//! A payment request: a member asking to be paid a fixed amount, shown as
//! a QR code. Whether it was paid is the ledger's to say: the payment's
//! transfer takes the request's id, so paying it twice pays once.

use coopkit_domain::{CoopId, PersonId, Timestamp};

use crate::{CurrencyCode, TransferId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Random, so a request's address cannot be guessed; also the id of
    /// the transfer that pays it.
    pub id: TransferId,
    pub coop: CoopId,
    pub payee: PersonId,
    pub currency: CurrencyCode,
    pub amount: u64,
    pub memo: String,
    pub created_at: Timestamp,
}
