//! What a creator or goods co-op sells, and the life of an order:
//!
//! ```text
//! pending ──paid──▶ paid ──sent (goods)──▶ sent
//!    │
//!    └──refused──▶ refused   (the payment was refused; goods go back)
//! ```
//!
//! An order is recorded pending before it is paid, so that the same form
//! sent twice finds it; the payment then settles it once, either way. Only
//! the seller marks goods sent, and a licence is never "sent": its buyer
//! downloads it while it is paid.

use coopkit_domain::{CoopId, Event, ItemId, OrderId, PersonId, Timestamp};
use coopkit_ledger::CurrencyCode;
use serde::{Deserialize, Serialize};

/// What an item of a catalogue is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Photo,
    Track,
    Film,
    Text,
    /// A made thing, sold from stock by one seller.
    Good,
}

impl ItemKind {
    pub const ALL: [ItemKind; 5] = [
        ItemKind::Photo,
        ItemKind::Track,
        ItemKind::Film,
        ItemKind::Text,
        ItemKind::Good,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Photo => "photo",
            ItemKind::Track => "track",
            ItemKind::Film => "film",
            ItemKind::Text => "text",
            ItemKind::Good => "good",
        }
    }

    pub fn parse(text: &str) -> Option<ItemKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Works are sold as licences; goods by the piece.
    pub fn is_work(self) -> bool {
        self != ItemKind::Good
    }

    /// Photos and goods are shown by a picture made from their file.
    pub fn shows_picture(self) -> bool {
        matches!(self, ItemKind::Photo | ItemKind::Good)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Recorded, not yet paid.
    Pending,
    Paid,
    /// The payment was refused; nothing was paid.
    Refused,
    /// Goods the seller has sent.
    Sent,
}

impl OrderState {
    pub const ALL: [OrderState; 4] = [
        OrderState::Pending,
        OrderState::Paid,
        OrderState::Refused,
        OrderState::Sent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Paid => "paid",
            OrderState::Refused => "refused",
            OrderState::Sent => "sent",
        }
    }

    pub fn parse(text: &str) -> Option<OrderState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderAction {
    /// The payment went through.
    Pay,
    /// The payment was refused.
    Refuse,
    /// The seller sent the goods.
    Send,
}

/// Why a step on an order is refused. Each has a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrderRefusal {
    #[error("the order is already settled")]
    Settled,
    #[error("the order is not paid")]
    NotPaid,
    #[error("a licence is downloaded, not sent")]
    NotGoods,
}

impl OrderRefusal {
    pub fn code(self) -> &'static str {
        match self {
            OrderRefusal::Settled => "order-settled",
            OrderRefusal::NotPaid => "not-paid",
            OrderRefusal::NotGoods => "nothing-to-send",
        }
    }
}

/// Where an order goes on `action`, or why it cannot; `goods` says
/// whether it bought goods rather than a licence. Who may act (the
/// payment settles; the seller sends) is the caller's to check.
pub fn step(
    state: OrderState,
    goods: bool,
    action: OrderAction,
) -> Result<OrderState, OrderRefusal> {
    match (state, action) {
        (OrderState::Pending, OrderAction::Pay) => Ok(OrderState::Paid),
        (OrderState::Pending, OrderAction::Refuse) => Ok(OrderState::Refused),
        (_, OrderAction::Pay | OrderAction::Refuse) => Err(OrderRefusal::Settled),
        (_, OrderAction::Send) if !goods => Err(OrderRefusal::NotGoods),
        (OrderState::Paid, OrderAction::Send) => Ok(OrderState::Sent),
        (_, OrderAction::Send) => Err(OrderRefusal::NotPaid),
    }
}

/// The event of a step that brought an order to `after`; `None` for
/// pending, which no step reaches (an order is placed pending).
pub fn event(order: OrderId, after: OrderState) -> Option<Event> {
    match after {
        OrderState::Paid => Some(Event::OrderPaid { order }),
        OrderState::Refused => Some(Event::OrderRefused { order }),
        OrderState::Sent => Some(Event::OrderSent { order }),
        OrderState::Pending => None,
    }
}

/// Whether the buyer may download what the order bought: a paid licence.
pub fn downloadable(state: OrderState, goods: bool) -> bool {
    state == OrderState::Paid && !goods
}

/// What a co-op's sales are paid in, and the creators' part of each kind
/// of sale, in basis points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogueSettings {
    pub currency: CurrencyCode,
    pub licence_rate_bp: u32,
    pub play_rate_bp: u32,
    pub goods_rate_bp: u32,
    /// The most the fund pays an investor a year, as a part of their
    /// pledged capital.
    pub fund_return_cap_bp: u32,
}

/// A file as the item keeps it: its key in the file store, and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    pub key: String,
    pub name: String,
    pub content_type: String,
    pub bytes: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewItem {
    pub coop: CoopId,
    pub kind: ItemKind,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub file: StoredFile,
    /// The preview's key and type (its name and size are the original's).
    pub preview_key: String,
    pub preview_type: String,
    /// Goods only.
    pub price: Option<u64>,
    pub stock: Option<u64>,
    /// In order, with shares in basis points.
    pub creators: Vec<(PersonId, u32)>,
    pub created_by: PersonId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: ItemId,
    pub item: NewItem,
    /// Each creator's display name, in the creators' order.
    pub creator_names: Vec<String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Licence {
    /// The kind of work it licenses.
    pub kind: ItemKind,
    pub name: String,
    pub price: u64,
    pub terms: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrder {
    pub coop: CoopId,
    /// The buyer's form's key: the same key is the same order.
    pub key: String,
    pub item: ItemId,
    pub buyer: PersonId,
    /// The licence bought; `None` for goods.
    pub licence: Option<String>,
    pub quantity: u64,
    pub amount: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub order: NewOrder,
    pub state: OrderState,
    pub created_at: Timestamp,
}

/// An order with the title of what it bought, as lists show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLine {
    pub order: Order,
    pub title: String,
}

impl Order {
    /// Whether it bought goods (sent by their seller) rather than a
    /// licence (downloaded by its buyer).
    pub fn is_goods(&self) -> bool {
        self.order.licence.is_none()
    }

    /// Whether its buyer may download what it bought.
    pub fn downloadable(&self) -> bool {
        downloadable(self.state, self.is_goods())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn action() -> impl Strategy<Value = OrderAction> {
        prop::sample::select(vec![
            OrderAction::Pay,
            OrderAction::Refuse,
            OrderAction::Send,
        ])
    }

    proptest! {
        /// However often the payment answers and the seller clicks, an
        /// order is settled once, and only paid goods are ever sent.
        #[test]
        fn orders_settle_once_and_only_paid_goods_are_sent(
            goods in any::<bool>(),
            actions in proptest::collection::vec(action(), 0..20),
        ) {
            let mut state = OrderState::Pending;
            let mut settled = 0;
            let mut paid = false;
            for action in actions {
                if let Ok(next) = step(state, goods, action) {
                    match action {
                        OrderAction::Pay => {
                            settled += 1;
                            paid = true;
                        }
                        OrderAction::Refuse => settled += 1,
                        OrderAction::Send => {
                            prop_assert!(goods);
                            prop_assert_eq!(state, OrderState::Paid);
                        }
                    }
                    prop_assert_ne!(next, OrderState::Pending);
                    state = next;
                }
            }
            prop_assert!(settled <= 1);
            if downloadable(state, goods) {
                prop_assert!(!goods && paid);
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in ItemKind::ALL {
            assert_eq!(ItemKind::parse(kind.as_str()), Some(kind));
        }
        for state in OrderState::ALL {
            assert_eq!(OrderState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ItemKind::parse("sculpture"), None);
    }

    #[test]
    fn a_refused_payment_leaves_nothing_to_send_or_download() {
        let refused = step(OrderState::Pending, true, OrderAction::Refuse).unwrap();
        assert_eq!(
            step(refused, true, OrderAction::Send),
            Err(OrderRefusal::NotPaid)
        );
        assert_eq!(
            step(OrderState::Paid, false, OrderAction::Send),
            Err(OrderRefusal::NotGoods)
        );
        assert!(!downloadable(refused, false));
        assert!(downloadable(OrderState::Paid, false));
        assert!(!downloadable(OrderState::Paid, true));
        assert_eq!(
            event(OrderId(3), OrderState::Sent).map(|e| e.kind()),
            Some("order.sent")
        );
        assert_eq!(event(OrderId(3), OrderState::Pending), None);
    }
}
