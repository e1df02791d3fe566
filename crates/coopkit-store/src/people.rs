//! People: the logins behind memberships.

use coopkit_domain::{Email, Locale, NoticeKind, PersonId, Timestamp, Zone};

use crate::error::Conflict;
use crate::mail::queue_account_mail;
use crate::records::{maybe, NewPerson, Person, PersonRow, PERSON_COLUMNS};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

impl Store {
    /// Signs a person up. [`StoreError::Conflict`] on `email` when the
    /// address is taken. Unless the address is known to be theirs, the
    /// message that verifies it is queued in the same transaction.
    pub async fn create_person(&self, new: &NewPerson, now: Timestamp) -> Result<Person> {
        let sql = format!(
            "INSERT INTO person (email, display_name, password_hash, locale, created_at, \
             email_verified_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {PERSON_COLUMNS}"
        );
        let row: PersonRow = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: PersonRow = sqlx::query_as(&sql)
                .bind(new.email.as_str())
                .bind(new.display_name.as_str())
                .bind(&new.password_hash)
                .bind(new.locale.code())
                .bind(now.as_millis())
                .bind(new.verified.then_some(now.as_millis()))
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::conflict_as(Conflict::Email))?;
            if !new.verified {
                queue_account_mail!(tx, PersonId(row.id), NoticeKind::VerifyEmail, now);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(row)
        })?;
        row.try_into()
    }

    pub async fn person(&self, id: PersonId) -> Result<Option<Person>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM person WHERE id = $1");
        let row: Option<PersonRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await
        })?;
        maybe(row)
    }

    /// The person with this address, if any.
    pub async fn person_by_email(&self, email: &Email) -> Result<Option<Person>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM person WHERE email = $1");
        let row: Option<PersonRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(email.as_str())
                .fetch_optional(pool)
                .await
        })?;
        maybe(row)
    }

    /// The person with this address and their password hash, for logging in.
    pub async fn person_with_password(&self, email: &Email) -> Result<Option<(Person, String)>> {
        let sql = format!("SELECT {PERSON_COLUMNS}, password_hash FROM person WHERE email = $1");
        let row: Option<(String, PersonRow)> = on_pool!(self, |pool| {
            sqlx::query(&sql)
                .bind(email.as_str())
                .fetch_optional(pool)
                .await?
                .map(|row| {
                    use sqlx::{FromRow, Row};
                    Ok::<_, sqlx::Error>((
                        row.try_get("password_hash")?,
                        PersonRow::from_row(&row)?,
                    ))
                })
                .transpose()
        })?;
        row.map(|(hash, person)| Ok((person.try_into()?, hash)))
            .transpose()
    }

    /// The zone a person reads times in; `None` for the co-op's.
    pub async fn set_time_zone(&self, id: PersonId, zone: Option<&Zone>) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE person SET time_zone = $1 WHERE id = $2")
                .bind(zone.map(Zone::name))
                .bind(id.0)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn set_locale(&self, id: PersonId, locale: Locale) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE person SET locale = $1 WHERE id = $2")
                .bind(locale.code())
                .bind(id.0)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}
