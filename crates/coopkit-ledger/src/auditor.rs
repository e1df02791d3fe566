//! The openings of a published batch, sealed for the co-op's auditor: a
//! member's download carries them, and only whoever holds the auditor's
//! secret key can read them. So a co-op can hand out one journal that every
//! member verifies and an auditor reads whole, offline, without an account
//! on the server.
//!
//! The auditor's key is an X25519 key pair of its own (`coopkit ledger
//! keygen --auditor`), not the co-op's checkpoint signing key: a signing
//! key should not double as an encryption key. Each envelope is sealed to
//! the auditor's public key `A` with a fresh ephemeral key `e`: the
//! ChaCha20-Poly1305 key is `SHA-256("coopkit-journal-auditor-v1\0" ‖ eG ‖
//! A ‖ eA)`, used once, so its nonce is zero; the plaintext is the batch's
//! openings as JSON.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};

use crate::seal::Opening;

const DOMAIN: &[u8] = b"coopkit-journal-auditor-v1\0";

/// An auditor's public key, written as 64 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditorKey(pub [u8; 32]);

hex_serde!(AuditorKey, 32, "an auditor's key is 64 hex digits");

hex_text!(AuditorKey, "not-an-auditor-key");

/// An auditor's secret key. Its secret half is written as 64 hex digits.
pub struct AuditorSecret(StaticSecret);

impl std::fmt::Debug for AuditorSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "AuditorSecret({})", self.public_key())
    }
}

impl AuditorSecret {
    /// A key from 32 secret bytes, which the caller draws from the
    /// operating system's random source.
    pub fn from_secret(secret: [u8; 32]) -> AuditorSecret {
        AuditorSecret(StaticSecret::from(secret))
    }

    /// Reads a key file: 64 hex digits, surrounding whitespace ignored.
    pub fn parse(text: &str) -> Result<AuditorSecret, &'static str> {
        let mut secret = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut secret).map_err(|_| "not-a-secret-key")?;
        Ok(AuditorSecret::from_secret(secret))
    }

    /// The secret, as a key file holds it.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    pub fn public_key(&self) -> AuditorKey {
        AuditorKey(PublicKey::from(&self.0).to_bytes())
    }
}

/// A batch's openings sealed for an auditor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The auditor's key it is sealed to.
    pub to: AuditorKey,
    /// The ephemeral public key, as 64 hex digits.
    pub from: AuditorKey,
    /// The ciphertext and its tag, as hex.
    pub sealed: String,
}

/// Why an envelope cannot be sealed or opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the auditor's key is not a usable X25519 public key")]
    WeakKey,
    #[error("sealed for auditor {0}, not for this key")]
    OtherAuditor(AuditorKey),
    #[error("the envelope was altered or is not for this key")]
    Unreadable,
}

fn cipher(ephemeral: &PublicKey, to: &PublicKey, shared: &[u8; 32]) -> ChaCha20Poly1305 {
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN);
    hasher.update(ephemeral.as_bytes());
    hasher.update(to.as_bytes());
    hasher.update(shared);
    let key: [u8; 32] = hasher.finalize().into();
    ChaCha20Poly1305::new(Key::from_slice(&key))
}

/// Each key is used for one message only, so one nonce serves.
fn nonce() -> &'static Nonce {
    Nonce::from_slice(&[0; 12])
}

impl Envelope {
    /// Seals `openings` to `to`, with `ephemeral` (32 bytes the caller
    /// draws from the operating system's random source, fresh for each
    /// envelope).
    pub fn seal(
        openings: &[Opening],
        to: AuditorKey,
        ephemeral: [u8; 32],
    ) -> Result<Envelope, EnvelopeError> {
        let ephemeral = StaticSecret::from(ephemeral);
        let from = PublicKey::from(&ephemeral);
        let recipient = PublicKey::from(to.0);
        let shared = ephemeral.diffie_hellman(&recipient);
        if !shared.was_contributory() {
            return Err(EnvelopeError::WeakKey);
        }
        // Openings are plain structs, integers and strings: this cannot fail.
        let plain = serde_json::to_vec(openings).unwrap_or_default();
        let sealed = cipher(&from, &recipient, shared.as_bytes())
            .encrypt(nonce(), plain.as_slice())
            .map_err(|_| EnvelopeError::Unreadable)?;
        Ok(Envelope {
            to,
            from: AuditorKey(from.to_bytes()),
            sealed: hex::encode(sealed),
        })
    }

    /// The openings inside, for the auditor holding `secret`.
    pub fn open(&self, secret: &AuditorSecret) -> Result<Vec<Opening>, EnvelopeError> {
        if self.to != secret.public_key() {
            return Err(EnvelopeError::OtherAuditor(self.to));
        }
        let from = PublicKey::from(self.from.0);
        let shared = secret.0.diffie_hellman(&from);
        let sealed = hex::decode(&self.sealed).map_err(|_| EnvelopeError::Unreadable)?;
        let plain = cipher(&from, &PublicKey::from(self.to.0), shared.as_bytes())
            .decrypt(nonce(), sealed.as_slice())
            .map_err(|_| EnvelopeError::Unreadable)?;
        serde_json::from_slice(&plain).map_err(|_| EnvelopeError::Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::{Private, Salt};
    use coopkit_domain::PersonId;

    fn openings() -> Vec<Opening> {
        vec![
            Opening {
                event: 0,
                salt: Salt([1; 32]),
                private: Private::Owner {
                    owner: PersonId(12),
                },
            },
            Opening {
                event: 1,
                salt: Salt([2; 32]),
                private: Private::Transfer {
                    memo: "Friday evening, 3 hours".into(),
                    cause: "booking:42".into(),
                },
            },
        ]
    }

    #[test]
    fn only_the_auditor_opens_what_was_sealed_for_them() {
        let auditor = AuditorSecret::from_secret([7; 32]);
        let envelope = Envelope::seal(&openings(), auditor.public_key(), [9; 32]).unwrap();
        assert_eq!(envelope.open(&auditor).unwrap(), openings());
        assert!(!envelope.sealed.contains(&hex::encode("Friday")));

        let stranger = AuditorSecret::from_secret([8; 32]);
        assert_eq!(
            envelope.open(&stranger),
            Err(EnvelopeError::OtherAuditor(auditor.public_key()))
        );
        // Claiming to be for the stranger does not help them read it.
        let readdressed = Envelope {
            to: stranger.public_key(),
            ..envelope.clone()
        };
        assert_eq!(readdressed.open(&stranger), Err(EnvelopeError::Unreadable));
        // Nor does changing one byte of it.
        let mut altered = envelope.clone();
        let flipped = if altered.sealed.starts_with('0') {
            "1"
        } else {
            "0"
        };
        altered.sealed.replace_range(0..1, flipped);
        assert_eq!(altered.open(&auditor), Err(EnvelopeError::Unreadable));
    }

    #[test]
    fn a_key_of_low_order_is_refused() {
        // The identity point: every shared secret with it is zero.
        assert_eq!(
            Envelope::seal(&openings(), AuditorKey([0; 32]), [9; 32]),
            Err(EnvelopeError::WeakKey)
        );
    }
}
