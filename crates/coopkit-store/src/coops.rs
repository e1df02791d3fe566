//! Co-ops, their member classes and their bylaws' settings.

use coopkit_domain::coop::NewCoop;
use coopkit_domain::{
    ClassKey, CoopId, CoopSettings, Event, Happened, MembershipStatus, PersonId, Role,
    SettingsPart, Timestamp, Zone,
};

use crate::error::Conflict;
use crate::events::{compare_and_set, record_events};
use crate::ledger::insert_currency;
use crate::records::{
    all, maybe, Coop, CoopRow, CoopSummary, CoopSummaryRow, MemberClass, MemberClassRow,
};
use crate::Currency;
use crate::{on_pool, sql_words, BeginWrite, Result, Store, StoreError};

const COOP_COLUMNS: &str = "coop.id, coop.slug, coop.name, coop.description, coop.profile, \
     coop.joining_requires_approval, coop.dues_amount, coop.dues_currency, coop.dues_period, \
     coop.time_zone, coop.created_at";

const CLASS_COLUMNS: &str = "id, coop_id, key, name, description, open_to_join, requires_approval";

impl Store {
    /// Founds a co-op: the co-op, its classes, its founder as an active
    /// admin in `founder_class`, and its first currency if it has one, in
    /// one transaction. [`StoreError::Conflict`] on `slug` when the slug
    /// is taken.
    pub async fn create_coop(
        &self,
        new: &NewCoop,
        founder: PersonId,
        founder_class: &ClassKey,
        currency: Option<&Currency>,
        now: Timestamp,
    ) -> Result<Coop> {
        let insert_coop = format!(
            "INSERT INTO coop (slug, name, description, profile, joining_requires_approval, \
             dues_amount, dues_currency, dues_period, time_zone, created_at, founded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COOP_COLUMNS}"
        );
        let row: CoopRow = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: CoopRow = sqlx::query_as(&insert_coop)
                .bind(new.slug.as_str())
                .bind(new.name.as_str())
                .bind(&new.description)
                .bind(&new.profile)
                .bind(new.settings.joining_requires_approval)
                .bind(new.settings.dues_amount)
                .bind(&new.settings.dues_currency)
                .bind(new.settings.dues_period.as_str())
                .bind(new.settings.time_zone.name())
                .bind(now.as_millis())
                .bind(founder.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::conflict_as(Conflict::Slug))?;
            let mut founder_class_id = None;
            for (position, class) in new.classes.iter().enumerate() {
                let class_id: i64 = sqlx::query_scalar(
                    "INSERT INTO member_class \
                     (coop_id, key, name, description, open_to_join, requires_approval, position) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(row.id)
                .bind(class.key.as_str())
                .bind(&class.name)
                .bind(&class.description)
                .bind(class.open_to_join)
                .bind(class.requires_approval)
                .bind(position as i64)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::conflict_as(Conflict::ClassKey))?;
                if &class.key == founder_class {
                    founder_class_id = Some(class_id);
                }
            }
            let Some(founder_class_id) = founder_class_id else {
                return Err(StoreError::Corrupt(format!(
                    "founder class {founder_class} is not among the co-op's classes"
                )));
            };
            sqlx::query(
                "INSERT INTO membership (coop_id, person_id, class_id, role, status, applied_at, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(row.id)
            .bind(founder.0)
            .bind(founder_class_id)
            .bind(Role::Admin.as_str())
            .bind(MembershipStatus::Active.as_str())
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            let coop = CoopId(row.id);
            let founded = Event::CoopFounded { coop, founder };
            record_events!(tx, &[Happened::new(coop, Some(founder), now, founded)]);
            if let Some(currency) = currency {
                insert_currency!(coop, currency).execute(&mut *tx).await?;
                let defined = Event::CurrencyDefined {
                    coop,
                    currency: currency.code.as_str().to_owned(),
                };
                record_events!(tx, &[Happened::new(coop, Some(founder), now, defined)]);
            }
            tx.commit().await?;
            row
        });
        row.try_into()
    }

    /// Every co-op with its count of active members, by name.
    pub async fn list_coops(&self) -> Result<Vec<CoopSummary>> {
        let sql = format!(
            "SELECT {COOP_COLUMNS}, \
               (SELECT count(*) FROM membership m WHERE m.coop_id = coop.id AND m.status = {active}) \
               AS active_members \
             FROM coop ORDER BY lower(coop.name), coop.id",
            active = sql_words([MembershipStatus::Active.as_str()])
        );
        let rows: Vec<CoopSummaryRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        all(rows)
    }

    /// How many co-ops `person` has founded.
    pub async fn coops_founded_by(&self, person: PersonId) -> Result<u64> {
        let (count,): (i64,) = on_pool!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM coop WHERE founded_by = $1")
                .bind(person.0)
                .fetch_one(pool)
                .await
        })?;
        Ok(count.unsigned_abs())
    }

    /// The time zone of the co-op `slug`, if there is one: one column,
    /// read for every page of a co-op.
    pub async fn coop_zone(&self, slug: &str) -> Result<Option<Zone>> {
        let name: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT time_zone FROM coop WHERE slug = $1")
                .bind(slug)
                .fetch_optional(pool)
                .await
        })?;
        name.map(|name| {
            Zone::named(&name).map_err(|_| StoreError::corrupt("coop.time_zone", &name))
        })
        .transpose()
    }

    pub async fn coop_by_slug(&self, slug: &str) -> Result<Option<Coop>> {
        let sql = format!("SELECT {COOP_COLUMNS} FROM coop WHERE slug = $1");
        let row: Option<CoopRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql).bind(slug).fetch_optional(pool).await
        })?;
        maybe(row)
    }

    /// A co-op's rules of one kind, as the JSON the use cases wrote; empty
    /// when never set.
    pub async fn coop_rules(&self, coop: CoopId, rules: CoopRules) -> Result<String> {
        let sql = format!("SELECT {} FROM coop WHERE id = $1", rules.column());
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar(&sql).bind(coop.0).fetch_one(pool).await
        })?)
    }

    /// Replaces one kind of a co-op's rules, recording who changed them.
    pub async fn set_coop_rules(
        &self,
        coop: CoopId,
        rules: CoopRules,
        json: &str,
        by: PersonId,
        now: Timestamp,
    ) -> Result<()> {
        let sql = format!("UPDATE coop SET {} = $1 WHERE id = $2", rules.column());
        let changed = Event::SettingsChanged {
            coop,
            part: rules.part(),
        };
        let happened = [Happened::new(coop, Some(by), now, changed)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(&sql).bind(json).bind(coop.0),
            &happened
        ))?;
        Ok(())
    }

    pub async fn coop_by_id(&self, id: CoopId) -> Result<Option<Coop>> {
        let sql = format!("SELECT {COOP_COLUMNS} FROM coop WHERE id = $1");
        let row: Option<CoopRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await
        })?;
        maybe(row)
    }

    /// A co-op's member classes, in the order its founders listed them.
    pub async fn member_classes(&self, coop: CoopId) -> Result<Vec<MemberClass>> {
        let sql = format!(
            "SELECT {CLASS_COLUMNS} FROM member_class WHERE coop_id = $1 ORDER BY position"
        );
        let rows: Vec<MemberClassRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql).bind(coop.0).fetch_all(pool).await
        })?;
        all(rows)
    }

    /// Replaces a co-op's bylaws' settings, recording who changed them.
    pub async fn update_coop_settings(
        &self,
        coop: CoopId,
        settings: &CoopSettings,
        by: PersonId,
        now: Timestamp,
    ) -> Result<()> {
        let changed = Event::SettingsChanged {
            coop,
            part: SettingsPart::Bylaws,
        };
        let happened = [Happened::new(coop, Some(by), now, changed)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE coop SET joining_requires_approval = $1, dues_amount = $2, \
                 dues_currency = $3, dues_period = $4, time_zone = $6 WHERE id = $5",
            )
            .bind(settings.joining_requires_approval)
            .bind(settings.dues_amount)
            .bind(&settings.dues_currency)
            .bind(settings.dues_period.as_str())
            .bind(coop.0)
            .bind(settings.time_zone.name()),
            &happened
        ))?;
        Ok(())
    }
}

/// Bylaws' rules a co-op keeps as JSON, each in its own column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoopRules {
    /// Class weights, a cap, pass in every class: for votes.
    Class,
    /// Reserve, class pools, cash part: for closing a year.
    Patronage,
}

impl CoopRules {
    fn column(self) -> &'static str {
        match self {
            CoopRules::Class => "class_rules",
            CoopRules::Patronage => "patronage_rules",
        }
    }

    fn part(self) -> SettingsPart {
        match self {
            CoopRules::Class => SettingsPart::ClassRules,
            CoopRules::Patronage => SettingsPart::PatronageRules,
        }
    }
}
