//! Favourites, open requests and the matching engine's proposals.

use coopkit_domain::{CoopId, Event, Happened, PersonId, SettingsPart, Timestamp};
use coopkit_market::matching::Point;
use coopkit_market::{BookingId, Window};

use crate::events::{compare_and_set, record_events};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

pub use coopkit_domain::HelpRequestId;
pub use coopkit_market::{NewRequest, Offer, OfferAnswer, OpenRequest, Referral};

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    coop_id: i64,
    requester_id: i64,
    category: String,
    starts_at: i64,
    ends_at: i64,
    lat_e6: i64,
    lon_e6: i64,
    language: String,
    notes: String,
    booking_id: Option<i64>,
    created_at: i64,
}

const REQUEST_COLUMNS: &str =
    "id, coop_id, requester_id, category, starts_at, ends_at, lat_e6, lon_e6, \
    language, notes, booking_id, created_at";

fn request_from(row: RequestRow) -> Result<OpenRequest> {
    let coordinate = |column: &str, value: i64| {
        i32::try_from(value).map_err(|_| StoreError::corrupt(column, &value.to_string()))
    };
    let ends = row.ends_at;
    Ok(OpenRequest {
        id: HelpRequestId(row.id),
        request: NewRequest {
            coop: CoopId(row.coop_id),
            requester: PersonId(row.requester_id),
            category: row.category,
            window: Window::new(Timestamp(row.starts_at), Timestamp(ends))
                .map_err(|_| StoreError::corrupt("market_request.ends_at", &ends.to_string()))?,
            place: Point {
                lat_e6: coordinate("market_request.lat_e6", row.lat_e6)?,
                lon_e6: coordinate("market_request.lon_e6", row.lon_e6)?,
            },
            language: row.language,
            notes: row.notes,
        },
        booking: row.booking_id.map(BookingId),
        created_at: Timestamp(row.created_at),
    })
}

#[derive(sqlx::FromRow)]
struct OfferRow {
    request_id: i64,
    provider_id: i64,
    reasons: String,
    answer: String,
}

#[derive(sqlx::FromRow)]
struct CalendarOwnerRow {
    coop_id: i64,
    coop_name: String,
    person_id: i64,
}

#[derive(sqlx::FromRow)]
struct ReferralRow {
    person_id: i64,
    referrer_id: i64,
    rewarded: bool,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct BonusRow {
    currency: String,
    amount: i64,
}

impl Store {
    /// Marks or unmarks a provider as one of a member's favourites.
    pub async fn set_favourite(
        &self,
        coop: CoopId,
        person: PersonId,
        provider: PersonId,
        favourite: bool,
        now: Timestamp,
    ) -> Result<()> {
        let sql = if favourite {
            "INSERT INTO favourite (coop_id, person_id, provider_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM favourite WHERE coop_id = $1 AND person_id = $2 AND provider_id = $3"
        };
        let changed = Event::FavouriteChanged {
            provider,
            favourite,
        };
        let happened = [Happened::new(coop, Some(person), now, changed)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(sql)
                .bind(coop.0)
                .bind(person.0)
                .bind(provider.0),
            &happened
        ))?;
        Ok(())
    }

    /// A member's favourite providers in a co-op.
    pub async fn favourites(&self, coop: CoopId, person: PersonId) -> Result<Vec<PersonId>> {
        let rows: Vec<(i64,)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT provider_id FROM favourite WHERE coop_id = $1 AND person_id = $2 ORDER BY provider_id",
            )
            .bind(coop.0)
            .bind(person.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(|(id,)| PersonId(id)).collect())
    }

    pub async fn create_request(&self, new: &NewRequest, now: Timestamp) -> Result<HelpRequestId> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO market_request (coop_id, requester_id, category, starts_at, ends_at, lat_e6, lon_e6, \
                 language, notes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(new.coop.0)
            .bind(new.requester.0)
            .bind(&new.category)
            .bind(new.window.start.as_millis())
            .bind(new.window.end.as_millis())
            .bind(i64::from(new.place.lat_e6))
            .bind(i64::from(new.place.lon_e6))
            .bind(&new.language)
            .bind(&new.notes)
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            let request = HelpRequestId(id);
            let event = Event::HelpRequestPosted { request };
            record_events!(
                tx,
                &[Happened::new(new.coop, Some(new.requester), now, event)]
            );
            tx.commit().await?;
            Ok(request)
        })
    }

    /// A request of this co-op.
    pub async fn request(&self, coop: CoopId, id: HelpRequestId) -> Result<Option<OpenRequest>> {
        let row: Option<RequestRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {REQUEST_COLUMNS} FROM market_request WHERE id = $1 AND coop_id = $2"
            ))
            .bind(id.0)
            .bind(coop.0)
            .fetch_optional(pool)
            .await
        })?;
        row.map(request_from).transpose()
    }

    /// The co-op's requests nobody has taken that have not started yet,
    /// soonest first.
    pub async fn open_requests(&self, coop: CoopId, now: Timestamp) -> Result<Vec<OpenRequest>> {
        let rows: Vec<RequestRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {REQUEST_COLUMNS} FROM market_request WHERE coop_id = $1 AND booking_id IS NULL \
                 AND starts_at > $2 ORDER BY starts_at, id"
            ))
            .bind(coop.0)
            .bind(now.as_millis())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(request_from).collect()
    }

    /// Keeps new offers in `coop`, each recorded as made by the engine;
    /// offers already made (and their answers) stay as they are.
    pub async fn add_offers(&self, coop: CoopId, offers: &[Offer], now: Timestamp) -> Result<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut made = Vec::new();
            for offer in offers {
                let added = sqlx::query(
                    "INSERT INTO proposal (request_id, provider_id, reasons, answer, created_at) \
                     VALUES ($1, $2, $3, $5, $4) ON CONFLICT DO NOTHING",
                )
                .bind(offer.request.0)
                .bind(offer.provider.0)
                .bind(&offer.reasons)
                .bind(now.as_millis())
                .bind(OfferAnswer::Offered.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if added == 1 {
                    let offered = Event::HelpRequestOffered {
                        request: offer.request,
                        provider: offer.provider,
                    };
                    made.push(Happened::new(coop, None, now, offered));
                }
            }
            record_events!(tx, &made);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every offer on the co-op's requests, newest request first.
    pub async fn offers(&self, coop: CoopId) -> Result<Vec<Offer>> {
        let rows: Vec<OfferRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT p.request_id, p.provider_id, p.reasons, p.answer FROM proposal p \
                 JOIN market_request r ON r.id = p.request_id WHERE r.coop_id = $1 \
                 ORDER BY p.request_id DESC, p.created_at",
            )
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(Offer {
                    request: HelpRequestId(row.request_id),
                    provider: PersonId(row.provider_id),
                    answer: OfferAnswer::parse(&row.answer)
                        .ok_or_else(|| StoreError::corrupt("proposal.answer", &row.answer))?,
                    reasons: row.reasons,
                })
            })
            .collect()
    }

    /// Records a provider's answer to an open offer. `false` when there
    /// was no open offer (answered already, or never made).
    pub async fn answer_offer(
        &self,
        coop: CoopId,
        request: HelpRequestId,
        provider: PersonId,
        yes: bool,
        now: Timestamp,
    ) -> Result<bool> {
        let Some(answer) = OfferAnswer::Offered.answer(yes) else {
            return Ok(false);
        };
        let event = Event::OfferAnswered {
            request,
            provider,
            accepted: yes,
        };
        let happened = [Happened::new(coop, Some(provider), now, event)];
        on_pool!(self, |pool| {
            compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE proposal SET answer = $1 WHERE request_id = $2 AND provider_id = $3 AND answer = $4",
            )
            .bind(answer.as_str())
            .bind(request.0)
            .bind(provider.0)
            .bind(OfferAnswer::Offered.as_str()),
            &happened
        )
        })
    }

    /// Closes a request with the booking that answers it; `false` if
    /// another provider took it first.
    pub async fn close_request(
        &self,
        coop: CoopId,
        id: HelpRequestId,
        booking: BookingId,
        provider: PersonId,
        now: Timestamp,
    ) -> Result<bool> {
        let closed = Event::HelpRequestClosed {
            request: id,
            booking,
        };
        let happened = [Happened::new(coop, Some(provider), now, closed)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE market_request SET booking_id = $1 WHERE id = $2 AND coop_id = $3 \
                 AND booking_id IS NULL",
            )
            .bind(booking.0)
            .bind(id.0)
            .bind(coop.0),
            &happened
        ))
    }

    /// Gives a member a new calendar link in a co-op, replacing any
    /// earlier one (which stops working).
    pub async fn set_calendar_token(
        &self,
        coop: CoopId,
        person: PersonId,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM calendar_feed WHERE coop_id = $1 AND person_id = $2")
                .bind(coop.0)
                .bind(person.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO calendar_feed (token_hash, coop_id, person_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&token_hash[..])
            .bind(coop.0)
            .bind(person.0)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Whose calendar link this is: the co-op, its name, and the member.
    pub async fn calendar_owner(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<(CoopId, String, PersonId)>> {
        let row: Option<CalendarOwnerRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT f.coop_id, c.name AS coop_name, f.person_id FROM calendar_feed f \
                 JOIN coop c ON c.id = f.coop_id WHERE f.token_hash = $1",
            )
            .bind(&token_hash[..])
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map(|row| (CoopId(row.coop_id), row.coop_name, PersonId(row.person_id))))
    }
}

impl Store {
    /// Records who invited `person`; the first invitation stands.
    pub async fn add_referral(
        &self,
        coop: CoopId,
        person: PersonId,
        referrer: PersonId,
        now: Timestamp,
    ) -> Result<()> {
        let made = Event::ReferralMade {
            member: person,
            referrer,
        };
        let happened = [Happened::new(coop, Some(person), now, made)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "INSERT INTO referral (coop_id, person_id, referrer_id, created_at, rewarded) \
                 VALUES ($1, $2, $3, $4, FALSE) ON CONFLICT DO NOTHING",
            )
            .bind(coop.0)
            .bind(person.0)
            .bind(referrer.0)
            .bind(now.as_millis()),
            &happened
        ))?;
        Ok(())
    }

    /// A co-op's referrals, newest first.
    pub async fn referrals(&self, coop: CoopId) -> Result<Vec<Referral>> {
        let rows: Vec<ReferralRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id, referrer_id, rewarded, created_at FROM referral WHERE coop_id = $1 \
                 ORDER BY created_at DESC, person_id",
            )
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| Referral {
                person: PersonId(row.person_id),
                referrer: PersonId(row.referrer_id),
                rewarded: row.rewarded,
                created_at: Timestamp(row.created_at),
            })
            .collect())
    }

    /// Marks a referral rewarded; `false` if it already was (or is none).
    pub async fn mark_referral_rewarded(
        &self,
        coop: CoopId,
        person: PersonId,
        now: Timestamp,
    ) -> Result<bool> {
        let rewarded = Event::ReferralRewarded { member: person };
        let happened = [Happened::new(coop, None, now, rewarded)];
        on_pool!(self, |pool| {
            compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE referral SET rewarded = TRUE WHERE coop_id = $1 AND person_id = $2 AND rewarded = FALSE",
            )
            .bind(coop.0)
            .bind(person.0),
            &happened
        )
        })
    }

    /// Sets the co-op's referral bonus; `None` removes it.
    pub async fn set_referral_bonus(
        &self,
        coop: CoopId,
        bonus: Option<(&coopkit_ledger::CurrencyCode, u64)>,
        by: PersonId,
        now: Timestamp,
    ) -> Result<()> {
        let changed = Event::SettingsChanged {
            coop,
            part: SettingsPart::ReferralBonus,
        };
        let happened = [Happened::new(coop, Some(by), now, changed)];
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM referral_bonus WHERE coop_id = $1")
                .bind(coop.0)
                .execute(&mut *tx)
                .await?;
            if let Some((currency, amount)) = bonus {
                let amount = i64::try_from(amount)
                    .map_err(|_| StoreError::Corrupt(format!("bonus {amount} exceeds i64")))?;
                sqlx::query(
                    "INSERT INTO referral_bonus (coop_id, currency, amount) VALUES ($1, $2, $3)",
                )
                .bind(coop.0)
                .bind(currency.as_str())
                .bind(amount)
                .execute(&mut *tx)
                .await?;
            }
            record_events!(tx, &happened);
            tx.commit().await?;
            Ok(())
        })
    }

    /// The co-op's referral bonus, if it pays one.
    pub async fn referral_bonus(
        &self,
        coop: CoopId,
    ) -> Result<Option<(coopkit_ledger::CurrencyCode, u64)>> {
        let row: Option<BonusRow> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT currency, amount FROM referral_bonus WHERE coop_id = $1")
                .bind(coop.0)
                .fetch_optional(pool)
                .await
        })?;
        row.map(|BonusRow { currency, amount }| {
            Ok((
                coopkit_ledger::CurrencyCode::parse(&currency)
                    .map_err(|_| StoreError::corrupt("referral_bonus.currency", &currency))?,
                u64::try_from(amount).map_err(|_| {
                    StoreError::corrupt("referral_bonus.amount", &amount.to_string())
                })?,
            ))
        })
        .transpose()
    }
}
