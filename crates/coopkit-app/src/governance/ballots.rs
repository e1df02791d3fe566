//! Casting, checking and publishing secret ballots.

use coopkit_domain::{PersonId, Role};
use coopkit_governance::ProposalState;
use coopkit_store::{CastBallot, Person, ProposalId};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{election_of, rules_of};
use crate::{App, AppError, Result};

/// A vote: a choice on a motion (`yes`, `no`, `abstain`, `block` with a
/// reason), or an election's candidates by number, best first (for
/// approval, the approved ones).
#[derive(Clone, Debug, Default)]
pub struct VoteForm {
    pub choice: String,
    pub ranking: Vec<usize>,
    pub reason: String,
}

/// The code a voter keeps to check, after closing, that their ballot was
/// counted as cast. Shown once; only its hash is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt(pub String);

/// The anonymous ballots of a closed proposal, for anyone to recount.
#[derive(Clone, Debug)]
pub struct Download {
    pub name: String,
    pub content_type: &'static str,
    pub body: String,
}

fn receipt_hash(code: &str) -> Vec<u8> {
    let normalized: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Sha256::digest(normalized.as_bytes()).to_vec()
}

/// Five groups of four hex digits: 80 random bits.
fn new_receipt() -> Receipt {
    let secret = crate::new_secret().to_ascii_uppercase();
    let groups: Vec<&str> = (0..5).map(|i| &secret[i * 4..i * 4 + 4]).collect();
    Receipt(groups.join("-"))
}

fn voter_tag(secret: &[u8], person: PersonId) -> Result<Vec<u8>> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret).map_err(AppError::because("ballot secret"))?;
    mac.update(person.0.to_string().as_bytes());
    Ok(mac.finalize().into_bytes().to_vec())
}

fn closed() -> AppError {
    AppError::Conflict {
        field: "proposal",
        code: "voting-not-open",
    }
}

impl App {
    /// Those on the roll of the open proposal `id` who have no ballot in,
    /// found by their voter tags; nobody once voting has closed. Only the
    /// reminder asks, and only who has not voted: never when anyone did.
    pub(crate) async fn not_yet_voted(&self, id: ProposalId) -> Result<Vec<PersonId>> {
        let Some(secret) = self.store.ballot_secret(id).await? else {
            return Ok(Vec::new());
        };
        let mut missing = Vec::new();
        for entry in self.store.roll(id).await? {
            let tag = voter_tag(&secret, entry.person)?;
            if !self.store.has_ballot(id, &tag).await? {
                missing.push(entry.person);
            }
        }
        Ok(missing)
    }

    /// Whether `actor` has a ballot in on the open proposal `id`, found by
    /// their voter tag; `false` once voting has closed and tags are gone.
    pub(crate) async fn has_voted(&self, actor: &Person, id: ProposalId) -> Result<bool> {
        let Some(secret) = self.store.ballot_secret(id).await? else {
            return Ok(false);
        };
        let tag = voter_tag(&secret, actor.id)?;
        Ok(self.store.has_ballot(id, &tag).await?)
    }

    /// Casts the actor's vote, replacing any earlier one; returns the new
    /// receipt (an earlier receipt no longer matches anything).
    pub async fn vote(
        &self,
        actor: &Person,
        slug: &str,
        id: ProposalId,
        form: VoteForm,
    ) -> Result<Receipt> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let proposal = self.refresh_proposal(&coop, id).await?;
        if proposal.state != ProposalState::Open {
            return Err(closed());
        }
        // Whoever may not vote learns that, not what a valid ballot is.
        if self.store.roll_entry(id, actor.id).await?.is_none() {
            return Err(AppError::Forbidden("not-on-roll"));
        }
        let rules = rules_of(&proposal)?;
        let (choice, reason) = match rules.rule {
            Some(rule) => {
                let choice = form.choice.trim();
                let allowed = match rule {
                    coopkit_governance::Rule::Consent => {
                        ["yes", "no", "abstain", "block"].as_slice()
                    }
                    _ => ["yes", "no", "abstain"].as_slice(),
                };
                if !allowed.contains(&choice) {
                    return Err(AppError::invalid("choice", "unknown-choice"));
                }
                let reason = form.reason.trim();
                if choice == "block" && reason.is_empty() {
                    return Err(AppError::invalid("reason", "block-needs-reason"));
                }
                if reason.chars().count() > 2000 {
                    return Err(AppError::invalid("reason", "too-long"));
                }
                let reason = if choice == "block" { reason } else { "" };
                (choice.to_owned(), reason.to_owned())
            }
            None => {
                let n = proposal.proposal.options.len();
                let mut seen = vec![false; n];
                for &c in &form.ranking {
                    if c >= n || std::mem::replace(&mut seen[c], true) {
                        return Err(AppError::invalid("ranking", "ranking-invalid"));
                    }
                }
                let plurality = proposal.proposal.method == "plurality";
                if form.ranking.is_empty() || (plurality && form.ranking.len() != 1) {
                    return Err(AppError::invalid("ranking", "ranking-invalid"));
                }
                let json =
                    serde_json::to_string(&form.ranking).map_err(AppError::because("ranking"))?;
                (json, String::new())
            }
        };
        let secret = self.store.ballot_secret(id).await?.ok_or_else(closed)?;
        let tag = voter_tag(&secret, actor.id)?;
        let receipt = new_receipt();
        let hash = receipt_hash(&receipt.0);
        let cast = CastBallot {
            coop: coop.id,
            proposal: id,
            person: actor.id,
            voter_tag: &tag,
            receipt_hash: &hash,
            choice: &choice,
            reason: &reason,
        };
        if !self.store.cast_ballot(&cast, self.clock.now()).await? {
            // Not on the roll (joined after voting opened, or not in the
            // class), or voting closed in between.
            return Err(match self.store.roll_entry(id, actor.id).await? {
                None => AppError::Forbidden("not-on-roll"),
                Some(_) => closed(),
            });
        }
        Ok(receipt)
    }

    /// What the ballot with this receipt says, if there is one: a voter's
    /// check that their vote was recorded as cast.
    pub async fn check_receipt(
        &self,
        actor: &Person,
        slug: &str,
        id: ProposalId,
        code: &str,
    ) -> Result<Option<String>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let proposal = self.refresh_proposal(&coop, id).await?;
        let Some(ballot) = self
            .store
            .ballot_by_receipt(id, &receipt_hash(code))
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(if proposal.proposal.options.is_empty() {
            ballot.choice
        } else {
            let ranking: Vec<usize> =
                serde_json::from_str(&ballot.choice).map_err(AppError::because("ballot"))?;
            ranking
                .iter()
                .filter_map(|&c| proposal.proposal.options.get(c).cloned())
                .collect::<Vec<_>>()
                .join(", ")
        }))
    }

    /// A closed proposal's counted result as JSON: a motion's tallies by
    /// class, or an election's rounds with every count exact to the five
    /// decimal places the count used (pages show two).
    pub async fn published_result(
        &self,
        actor: &Person,
        slug: &str,
        id: ProposalId,
    ) -> Result<Download> {
        let view = self.proposal(actor, slug, id).await?;
        let outcome = view.outcome.ok_or(AppError::Conflict {
            field: "proposal",
            code: "result-not-yet",
        })?;
        Ok(Download {
            name: format!("{slug}-proposal-{id}-result.json"),
            content_type: "application/json",
            body: serde_json::to_string_pretty(&outcome).map_err(AppError::because("result"))?,
        })
    }

    /// The anonymous ballots of a closed proposal, as `file` asks or, when
    /// it does not, as a BLT file for ranked methods and CSV otherwise. In
    /// CSV each line holds its receipt's SHA-256 and the choices by name
    /// (a ranking in order, separated by "; "); BLT is for ranked methods
    /// only.
    pub async fn published_ballots(
        &self,
        actor: &Person,
        slug: &str,
        id: ProposalId,
        file: Option<BallotFile>,
    ) -> Result<Download> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let proposal = self.refresh_proposal(&coop, id).await?;
        if proposal.state != ProposalState::Closed {
            return Err(AppError::Conflict {
                field: "proposal",
                code: "not-closed-yet",
            });
        }
        let ballots = self.store.ballots(id).await?;
        let ranked = matches!(
            proposal.proposal.method.as_str(),
            "irv" | "scottish-stv" | "meek-stv"
        );
        let file = file.unwrap_or(if ranked {
            BallotFile::Blt
        } else {
            BallotFile::Csv
        });
        if file == BallotFile::Blt {
            if !ranked {
                return Err(AppError::invalid("format", "blt-ranked-only"));
            }
            let election = election_of(&proposal, &ballots)?;
            return Ok(Download {
                name: format!("{}-proposal-{id}.blt", coop.slug),
                content_type: "text/plain; charset=utf-8",
                body: coopkit_governance::blt::write(&election),
            });
        }
        let mut body = String::from("receipt_sha256,class,choice,reason\n");
        for ballot in &ballots {
            let choice = if proposal.proposal.options.is_empty() {
                ballot.choice.clone()
            } else {
                let picks: Vec<usize> =
                    serde_json::from_str(&ballot.choice).map_err(AppError::because("ballot"))?;
                picks
                    .iter()
                    .filter_map(|&c| proposal.proposal.options.get(c).cloned())
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            body.push_str(&format!(
                "{},{},{},{}\n",
                hex::encode(&ballot.receipt_hash),
                csv_field(&ballot.class_key),
                csv_field(&choice),
                csv_field(&ballot.reason)
            ));
        }
        Ok(Download {
            name: format!("{}-proposal-{id}.csv", coop.slug),
            content_type: "text/csv; charset=utf-8",
            body,
        })
    }
}

/// The forms in which published ballots are downloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BallotFile {
    /// The ballot format of STV counters (ranked methods only).
    Blt,
    /// One line per ballot, for a spreadsheet.
    Csv,
}

/// A CSV field, quoted when it must be (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
