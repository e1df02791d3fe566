//! Roles on the whole server: who runs it (operators, named in
//! `coops.operators` or granted at the command line) and who moderates
//! the directory (appointed by an operator).

use coopkit_domain::server_role::RoleHolder;
use coopkit_domain::{Email, PersonId, ServerRole};
use coopkit_store::Person;

use crate::{App, AppError, Result};

impl App {
    /// Whether `person` runs this server.
    pub async fn is_operator(&self, person: &Person) -> Result<bool> {
        Ok(self.config.operators.contains(&person.email)
            || self
                .store
                .has_server_role(person.id, ServerRole::Operator)
                .await?)
    }

    pub async fn is_directory_moderator(&self, person: PersonId) -> Result<bool> {
        Ok(self
            .store
            .has_server_role(person, ServerRole::Moderator)
            .await?)
    }

    /// At the command line: gives the account with `email` a server role;
    /// the account, and false when it held the role already.
    pub async fn grant_server_role(&self, email: &str, role: ServerRole) -> Result<(Person, bool)> {
        let person = self.account_named(email).await?;
        let granted = self
            .store
            .grant_server_role(person.id, role, None, self.clock.now())
            .await?;
        tracing::info!(person = %person.id, role = role.as_str(), granted, "server role granted at the command line");
        Ok((person, granted))
    }

    /// At the command line: takes a server role from the account with
    /// `email`; the account, and false when it did not hold it. Someone
    /// named in `coops.operators` stays an operator while named there.
    pub async fn revoke_server_role(
        &self,
        email: &str,
        role: ServerRole,
    ) -> Result<(Person, bool)> {
        let person = self.account_named(email).await?;
        let revoked = self.store.revoke_server_role(person.id, role).await?;
        tracing::info!(person = %person.id, role = role.as_str(), revoked, "server role revoked at the command line");
        Ok((person, revoked))
    }

    /// The directory's moderators: operators only.
    pub async fn moderators(&self, actor: &Person) -> Result<Vec<RoleHolder>> {
        self.authorize_operator(actor).await?;
        Ok(self
            .store
            .server_role_holders(ServerRole::Moderator)
            .await?)
    }

    /// Makes the account with `email` a directory moderator: operators
    /// only.
    pub async fn appoint_moderator(&self, actor: &Person, email: &str) -> Result<Person> {
        self.authorize_operator(actor).await?;
        let person = self.account_named(email).await?;
        let now = self.clock.now();
        if !self
            .store
            .grant_server_role(person.id, ServerRole::Moderator, Some(actor.id), now)
            .await?
        {
            return Err(AppError::Conflict {
                field: "email",
                code: "already-moderator",
            });
        }
        tracing::info!(person = %person.id, by = %actor.id, "moderator appointed");
        Ok(person)
    }

    /// Ends a moderator's appointment: operators only.
    pub async fn remove_moderator(&self, actor: &Person, person: PersonId) -> Result<()> {
        self.authorize_operator(actor).await?;
        if !self
            .store
            .revoke_server_role(person, ServerRole::Moderator)
            .await?
        {
            return Err(AppError::NotFound("moderator"));
        }
        tracing::info!(person = %person, by = %actor.id, "moderator removed");
        Ok(())
    }

    /// Refuses anyone but an operator.
    pub async fn authorize_operator(&self, person: &Person) -> Result<()> {
        if self.is_operator(person).await? {
            Ok(())
        } else {
            Err(AppError::Forbidden("operators-only"))
        }
    }

    /// The account with this address, or an error on the `email` field.
    async fn account_named(&self, email: &str) -> Result<Person> {
        let email = Email::parse(email).map_err(|code| AppError::invalid("email", code))?;
        self.store
            .person_by_email(&email)
            .await?
            .ok_or_else(|| AppError::invalid("email", "no-such-account"))
    }
}
