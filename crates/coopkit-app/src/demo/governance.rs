//! The demo's votes and year-end: an open board election, a consent
//! motion and a forecast rule change at the sitters' co-op, a bylaw change needing two thirds in
//! every class at Lens Commons, and last year's surplus put to the vote at
//! Bright Homes, from a year of cleaning bookings.

use coopkit_domain::{CoopId, PersonId, Timestamp};
use coopkit_governance::decision::ClassRules;
use coopkit_ledger::{CurrencyCode, TransferId};
use coopkit_market::{BookingFacts, BookingState, Payment, Window};
use coopkit_patronage::{Bylaws, ClassPool, LossRule, Measure};
use coopkit_store::{NewBooking, Person};

use super::DAY_MS;
use crate::forecasts::{ProposeRuleChange, RuleChangeForm, TokenRules};
use crate::governance::{ProposalForm, VoteForm};
use crate::patronage::{CloseYearForm, PatronageSettings};
use crate::{App, AppError, Result};

const HOUR_MS: i64 = 60 * 60 * 1000;

fn motion(
    title: &str,
    body: &str,
    method: &str,
    closes_at: Timestamp,
    now: Timestamp,
) -> ProposalForm {
    ProposalForm {
        title: title.into(),
        body: body.into(),
        kind: "motion".into(),
        method: method.into(),
        options: Vec::new(),
        seats: 1,
        class_key: None,
        quorum_percent: 30,
        threshold: None,
        opens_at: now,
        closes_at,
    }
}

impl App {
    pub(super) async fn person_record(&self, id: PersonId) -> Result<Person> {
        self.store
            .person(id)
            .await?
            .ok_or(AppError::NotFound("person"))
    }

    /// The sitters elect their coordinating committee (three seats, by
    /// STV; most families have voted) and discuss a consent motion.
    pub(super) async fn demo_sitters_votes(
        &self,
        ben: PersonId,
        families: &[PersonId],
    ) -> Result<()> {
        let now = self.clock.now();
        let ben = self.person_record(ben).await?;
        let candidates = [0, 12, 25, 40, 57].map(|i| super::family(i).0);
        let election = self
            .create_proposal(
                &ben,
                super::SITTERS,
                ProposalForm {
                    title: "Coordinating committee 2027".into(),
                    body: "Three seats, counted by single transferable vote (Scottish rules). Rank as many \
                           candidates as you like."
                        .into(),
                    kind: "election".into(),
                    method: "scottish-stv".into(),
                    options: candidates.to_vec(),
                    seats: 3,
                    quorum_percent: 25,
                    ..motion("", "", "", now.plus_millis(5 * DAY_MS), now)
                },
            )
            .await?;
        for (i, family) in families.iter().enumerate().filter(|(i, _)| i % 3 != 2) {
            // Neighbourhood blocs: each family's favourites follow its number.
            let first = (i * 7 + i / 11) % 5;
            let ranking: Vec<usize> = (0..=(i % 4))
                .map(|k| (first + k * (1 + i % 2)) % 5)
                .collect();
            let mut seen = Vec::new();
            let ranking: Vec<usize> = ranking
                .into_iter()
                .filter(|c| {
                    let fresh = !seen.contains(c);
                    seen.push(*c);
                    fresh
                })
                .collect();
            let voter = self.person_record(*family).await?;
            self.vote(
                &voter,
                super::SITTERS,
                election,
                VoteForm {
                    ranking,
                    ..VoteForm::default()
                },
            )
            .await?;
        }
        let proposer = self.person_record(families[3]).await?;
        let consent = self
            .create_proposal(
                &proposer,
                super::SITTERS,
                motion(
                    "Sittings after 11pm earn double tokens",
                    "Late nights are the hardest to fill. From January, each half hour after 11pm earns two \
                     tokens instead of one.",
                    "consent",
                    now.plus_millis(9 * DAY_MS),
                    now,
                ),
            )
            .await?;
        for (i, text) in [
            (7, "Yes please: we never find anyone for late shows."),
            (10, "Could we try it for three months first and look again?"),
        ] {
            let member = self.person_record(families[i]).await?;
            self.comment_on_proposal(&member, super::SITTERS, consent, text)
                .await?;
        }
        self.demo_sitters_forecast(&ben, now).await
    }

    /// The sitters' coordinator, worried that families hoard their
    /// half-hours, forecasts mutual credit (balances may go 40 below
    /// zero) on the co-op as it is, and puts it to the vote with the
    /// forecast attached.
    async fn demo_sitters_forecast(&self, coordinator: &Person, now: Timestamp) -> Result<()> {
        let forecast = self
            .forecast_rule_change(
                coordinator,
                super::SITTERS,
                RuleChangeForm {
                    currency: "HALFHOUR".into(),
                    weeks: 52,
                    tokens_per_hour: 2,
                    proposed: TokenRules {
                        debit_limit: 40,
                        balance_cap: None,
                        issuance_per_month: 0,
                        demurrage_bp: 0,
                        demurrage_threshold: 0,
                        issue_now: 0,
                    },
                },
            )
            .await?;
        self.propose_rule_change(
            coordinator,
            super::SITTERS,
            forecast,
            ProposeRuleChange {
                title: "Mutual credit: let balances go 40 half-hours below zero".into(),
                body:
                    "Families hold on to their tokens and few go out. With mutual credit a family \
                       can go out before it has earned, and earns it back by sitting. The forecast \
                       compares a year under each rule."
                        .into(),
                closes_at: now.plus_millis(10 * DAY_MS),
                quorum_percent: 30,
            },
        )
        .await?;
        Ok(())
    }

    /// Lens Commons: a bylaw change that must pass by two thirds in each
    /// class, artists and staff.
    pub(super) async fn demo_lens_votes(
        &self,
        kwame: PersonId,
        members: &[PersonId],
    ) -> Result<()> {
        let now = self.clock.now();
        let kwame = self.person_record(kwame).await?;
        self.set_class_rules(
            &kwame,
            "lens-commons",
            ClassRules {
                every_class: true,
                ..ClassRules::default()
            },
        )
        .await?;
        let bylaw = self
            .create_proposal(
                &kwame,
                "lens-commons",
                ProposalForm {
                    kind: "bylaw".into(),
                    method: "supermajority".into(),
                    threshold: Some((2, 3)),
                    ..motion(
                        "Open the co-op to video makers",
                        "Amend rule 4: \"artist\" covers photographers and video makers who license their \
                         own work through the co-op.",
                        "",
                        now.plus_millis(6 * DAY_MS),
                        now,
                    )
                },
            )
            .await?;
        for (i, member) in members.iter().enumerate().take(12) {
            let voter = self.person_record(*member).await?;
            let choice = if i % 5 == 4 { "no" } else { "yes" };
            self.vote(
                &voter,
                "lens-commons",
                bylaw,
                VoteForm {
                    choice: choice.into(),
                    ..VoteForm::default()
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Bright Homes closes its year: a year of cleaning bookings by its
    /// worker-owners, the bylaws' rules, and the allocation put to the vote.
    pub(super) async fn demo_bright_year(
        &self,
        coop: CoopId,
        rosa: PersonId,
        workers: &[PersonId],
        households: &[PersonId],
    ) -> Result<()> {
        let now = self.clock.now();
        for (code, name) in [("GBP", "Pound sterling"), ("CAPITAL", "Members' capital")] {
            self.demo_currency(coop, code, name, 2, None).await?;
        }
        let gbp = CurrencyCode::parse("GBP").map_err(|c| AppError::invalid("currency", c))?;
        let year_start =
            Timestamp(now.as_millis() - now.as_millis().rem_euclid(DAY_MS) - 365 * DAY_MS);
        for (i, worker) in workers.iter().enumerate() {
            // Some clean full weeks, some a few hours: 20 to 60 visits.
            for visit in 0..(20 + (i * 13) % 41) {
                let start = Timestamp(
                    year_start.as_millis() + ((visit * 8 + i) % 360) as i64 * DAY_MS + 9 * HOUR_MS,
                );
                let hours = 2 + (visit + i) as i64 % 3;
                let window = Window::new(start, start.plus_millis(hours * HOUR_MS))
                    .map_err(|refusal| AppError::invalid("window", refusal.code()))?;
                let booking = self
                    .store
                    .create_booking(
                        &NewBooking {
                            coop,
                            requester: households[(i * 5 + visit) % households.len()],
                            provider: *worker,
                            category: "cleaning".into(),
                            currency: gbp.clone(),
                            amount: 1_800 * hours as u64,
                            payment: Payment::Cash,
                            window,
                            notes: String::new(),
                        },
                        |id| TransferId::derived(&format!("demo-bright-booking-{}", id.0)),
                        households[(i * 5 + visit) % households.len()],
                        start,
                    )
                    .await?;
                let settled = BookingFacts {
                    state: BookingState::Settled,
                    window,
                    payment: Payment::Cash,
                    requester_done: true,
                    provider_done: true,
                };
                self.store
                    .step_booking(&booking, &settled, None, window.end)
                    .await?;
            }
        }
        let rosa = self.person_record(rosa).await?;
        self.set_patronage_settings(
            &rosa,
            "bright-homes",
            PatronageSettings {
                bylaws: Bylaws {
                    reserve_percent: 30,
                    pools: vec![
                        ClassPool {
                            class: "worker".into(),
                            percent: 85,
                            measure: Measure::Hours,
                        },
                        ClassPool {
                            class: "customer".into(),
                            percent: 15,
                            measure: Measure::Purchases,
                        },
                    ],
                    cash_percent: 30,
                    losses: LossRule::Reserve,
                },
                currency: "GBP".into(),
                capital_currency: "CAPITAL".into(),
            },
        )
        .await?;
        self.propose_allocation(
            &rosa,
            "bright-homes",
            CloseYearForm {
                year: "2026".into(),
                period_start: year_start,
                period_end: Timestamp(year_start.as_millis() + 365 * DAY_MS),
                // £18,400.00
                net: 1_840_000,
                vote_closes_at: now.plus_millis(7 * DAY_MS),
                quorum_percent: 50,
            },
        )
        .await?;
        Ok(())
    }
}
