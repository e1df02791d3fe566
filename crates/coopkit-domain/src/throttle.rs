//! How long a login must wait, from the failures before it, as OWASP's
//! guidance on credential stuffing has it: a client that fails too often
//! waits, whatever account it tries; an account and client that fail
//! together wait; an account that fails from everywhere slows down, by a
//! delay that doubles with each failure, rather than locking, so that
//! nobody can keep its owner out; and a browser its owner has logged in
//! from before (a device cookie) is not slowed by failures from elsewhere.

use crate::Timestamp;

/// The failed logins of the window that bear on one attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoginFailures {
    /// For the account, from anywhere.
    pub account: i64,
    /// For the account, from this client.
    pub pair: i64,
    /// From this client, for any account.
    pub client: i64,
    /// The account's latest failure.
    pub last: Option<Timestamp>,
}

/// The operator's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimits {
    /// The window failures are counted over, in milliseconds.
    pub window_ms: i64,
    /// Failures allowed for an account (from one client; and from
    /// everywhere before it slows down).
    pub per_account: i64,
    /// Failures allowed from one client, for any accounts.
    pub per_client: i64,
}

/// How many milliseconds this attempt must wait; zero: it may go ahead.
pub fn login_wait(
    failures: &LoginFailures,
    known_device: bool,
    limits: &LoginLimits,
    now: Timestamp,
) -> i64 {
    let window = limits.window_ms.max(0);
    if failures.client >= limits.per_client || failures.pair >= limits.per_account {
        return window;
    }
    if known_device || failures.account < limits.per_account {
        return 0;
    }
    // One second after the limit's failure, doubling with each after it,
    // never more than the window.
    let doublings = u32::try_from(failures.account - limits.per_account).unwrap_or(u32::MAX);
    let delay = 1_000i64
        .checked_shl(doublings.min(40))
        .unwrap_or(i64::MAX)
        .min(window);
    let since = failures
        .last
        .map_or(delay, |last| now.as_millis() - last.as_millis());
    (delay - since).clamp(0, window)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const LIMITS: LoginLimits = LoginLimits {
        window_ms: 15 * 60 * 1000,
        per_account: 5,
        per_client: 20,
    };
    const NOW: Timestamp = Timestamp(1_800_000_000_000);

    fn failures(account: i64, pair: i64, client: i64, ago_ms: i64) -> LoginFailures {
        LoginFailures {
            account,
            pair,
            client,
            last: Some(Timestamp(NOW.0 - ago_ms)),
        }
    }

    #[test]
    fn an_account_slows_down_and_never_locks() {
        assert_eq!(login_wait(&failures(4, 0, 0, 0), false, &LIMITS, NOW), 0);
        assert_eq!(
            login_wait(&failures(5, 0, 0, 0), false, &LIMITS, NOW),
            1_000
        );
        assert_eq!(
            login_wait(&failures(5, 0, 0, 1_000), false, &LIMITS, NOW),
            0
        );
        assert_eq!(
            login_wait(&failures(8, 0, 0, 3_000), false, &LIMITS, NOW),
            5_000
        );
        assert_eq!(
            login_wait(&failures(500, 0, 0, 0), false, &LIMITS, NOW),
            LIMITS.window_ms
        );
        assert_eq!(
            login_wait(&failures(500, 0, 0, 0), true, &LIMITS, NOW),
            0,
            "a known browser"
        );
        assert_eq!(
            login_wait(&failures(5, 5, 5, 0), true, &LIMITS, NOW),
            LIMITS.window_ms,
            "its own failures count"
        );
        assert_eq!(
            login_wait(&failures(0, 0, 20, 0), false, &LIMITS, NOW),
            LIMITS.window_ms
        );
    }

    proptest! {
        /// Failures from elsewhere never hold up a known browser; no wait
        /// passes the window; more failures never wait less.
        #[test]
        fn waits_are_bounded_monotone_and_spare_known_browsers(
            account in 0i64..10_000, more in 0i64..100, ago in 0i64..2_000_000,
        ) {
            let elsewhere = failures(account, 0, 0, ago);
            prop_assert_eq!(login_wait(&elsewhere, true, &LIMITS, NOW), 0);
            let wait = login_wait(&elsewhere, false, &LIMITS, NOW);
            prop_assert!((0..=LIMITS.window_ms).contains(&wait));
            let worse = login_wait(&failures(account + more, 0, 0, ago), false, &LIMITS, NOW);
            prop_assert!(worse >= wait, "{} then {}", wait, worse);
        }
    }
}
