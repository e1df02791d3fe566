//! Signed checkpoints: a co-op's Ed25519 signature over the head of its
//! journal. The hash chain shows that a journal is whole; a checkpoint
//! shows that it is the one the co-op vouched for. Anyone holding the
//! co-op's public key can then tell that a journal handed to them later
//! still contains the signed history unchanged: rewriting any batch up to
//! a checkpoint changes the hash the co-op signed.
//!
//! The signing key never needs to be on the server: `coopkit ledger
//! checkpoint --key FILE` signs where the key is kept, and only the
//! signature is stored.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::journal::{BatchRecord, Hash};

/// What every signed message starts with, so that a checkpoint signature
/// can never be mistaken for a signature over anything else.
const DOMAIN: &[u8] = b"coopkit-ledger-checkpoint-v1\0";

/// A co-op's signing key. Its secret half is written as 64 hex digits.
pub struct CoopKey(SigningKey);

impl std::fmt::Debug for CoopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "CoopKey({})", self.public_key())
    }
}

/// An Ed25519 public key, written as 64 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(pub [u8; 32]);

/// An Ed25519 signature, written as 128 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(pub [u8; 64]);

impl CoopKey {
    /// A key from 32 secret bytes, which the caller draws from the
    /// operating system's random source.
    pub fn from_secret(secret: [u8; 32]) -> CoopKey {
        CoopKey(SigningKey::from_bytes(&secret))
    }

    /// Reads a key file: 64 hex digits, surrounding whitespace ignored.
    pub fn parse(text: &str) -> Result<CoopKey, &'static str> {
        let mut secret = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut secret).map_err(|_| "not-a-secret-key")?;
        Ok(CoopKey::from_secret(secret))
    }

    /// The secret, as a key file holds it.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs the head of a co-op's journal: its last batch.
    pub fn sign(&self, coop: &str, head: &BatchRecord) -> Checkpoint {
        let signature = self.0.sign(&message(coop, head.seq, &head.hash));
        Checkpoint {
            coop: coop.to_owned(),
            seq: head.seq,
            hash: head.hash,
            public_key: self.public_key(),
            signature: Signature(signature.to_bytes()),
        }
    }
}

/// A signed statement: "batch `seq` of `coop`'s journal has hash `hash`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The co-op's slug: a signature for one co-op's journal cannot pass
    /// for another's, even under the same key.
    pub coop: String,
    pub seq: u64,
    pub hash: Hash,
    pub public_key: PublicKey,
    pub signature: Signature,
}

impl Checkpoint {
    /// Whether the signature is the public key's over this checkpoint.
    pub fn signature_holds(&self) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.public_key.0) else {
            return false;
        };
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature.0);
        key.verify_strict(&message(&self.coop, self.seq, &self.hash), &signature)
            .is_ok()
    }
}

fn message(coop: &str, seq: u64, hash: &Hash) -> Vec<u8> {
    let mut message = Vec::with_capacity(DOMAIN.len() + coop.len() + 1 + 8 + 32);
    message.extend_from_slice(DOMAIN);
    message.extend_from_slice(coop.as_bytes());
    message.push(0);
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(&hash.0);
    message
}

/// Why a checkpoint does not vouch for a journal.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointBroken {
    #[error("checkpoint {index}: the signature does not verify")]
    BadSignature { index: usize },
    #[error("checkpoint {index}: signed for co-op {found}, not {expected}")]
    OtherCoop {
        index: usize,
        found: String,
        expected: String,
    },
    #[error("checkpoint {index}: signed by {found}, not by the trusted key {trusted}")]
    Untrusted {
        index: usize,
        found: PublicKey,
        trusted: PublicKey,
    },
    #[error(
        "checkpoint {index}: vouches for batch {seq}, but the journal ends before it ({batches} batches): it was cut short"
    )]
    BeyondJournal {
        index: usize,
        seq: u64,
        batches: usize,
    },
    #[error("checkpoint {index}: batch {seq} differs from the one the co-op signed: history was rewritten")]
    HashDiffers { index: usize, seq: u64 },
}

/// Checks checkpoints (numbered from 1 in errors) against a co-op's
/// journal, given as the hash of each batch in order, whose chain the
/// caller has already verified: each is signed for `coop`, by `trusted`
/// when given, and names a batch the journal holds with exactly that hash.
pub fn check(
    checkpoints: &[Checkpoint],
    coop: &str,
    journal: &[Hash],
    trusted: Option<&PublicKey>,
) -> Result<(), CheckpointBroken> {
    for (index, checkpoint) in checkpoints.iter().enumerate() {
        let index = index + 1;
        if checkpoint.coop != coop {
            return Err(CheckpointBroken::OtherCoop {
                index,
                found: checkpoint.coop.clone(),
                expected: coop.to_owned(),
            });
        }
        if let Some(trusted) = trusted.filter(|key| **key != checkpoint.public_key) {
            return Err(CheckpointBroken::Untrusted {
                index,
                found: checkpoint.public_key,
                trusted: *trusted,
            });
        }
        if !checkpoint.signature_holds() {
            return Err(CheckpointBroken::BadSignature { index });
        }
        // Batches are numbered from 0 without gaps in a verified journal.
        let hash = usize::try_from(checkpoint.seq)
            .ok()
            .and_then(|seq| journal.get(seq))
            .ok_or(CheckpointBroken::BeyondJournal {
                index,
                seq: checkpoint.seq,
                batches: journal.len(),
            })?;
        if *hash != checkpoint.hash {
            return Err(CheckpointBroken::HashDiffers {
                index,
                seq: checkpoint.seq,
            });
        }
    }
    Ok(())
}

/// Checkpoints as JSON Lines, one per line.
pub fn to_json_lines(checkpoints: &[Checkpoint]) -> String {
    let mut out = String::new();
    for checkpoint in checkpoints {
        // Strings and integers only: this cannot fail.
        out.push_str(&serde_json::to_string(checkpoint).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Reads checkpoints from JSON Lines; the error names the line (from 1).
/// Blank lines are skipped.
pub fn from_json_lines(text: &str) -> Result<Vec<Checkpoint>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .map_err(|e| format!("line {}: not a checkpoint: {e}", index + 1))
        })
        .collect()
}

hex_text!(PublicKey, "not-a-public-key");

hex_serde!(PublicKey, 32, "a public key is 64 hex digits");
hex_serde!(Signature, 64, "a signature is 128 hex digits");

#[cfg(test)]
mod tests {
    use coopkit_domain::Timestamp;

    use super::*;
    use crate::seal::SealKey;

    fn journal(n: u64) -> Vec<BatchRecord> {
        let mut prev = Hash::default();
        (0..n)
            .map(|seq| {
                let at = Timestamp::from_millis(seq as i64);
                let batch =
                    BatchRecord::seal(seq, at, prev, Vec::new(), &SealKey::from_bytes([1; 32]));
                prev = batch.hash;
                batch
            })
            .collect()
    }

    fn hashes(journal: &[BatchRecord]) -> Vec<Hash> {
        journal.iter().map(|batch| batch.hash).collect()
    }

    fn key(byte: u8) -> CoopKey {
        CoopKey::from_secret([byte; 32])
    }

    #[test]
    fn a_signed_head_checks_against_its_journal() {
        let journal = journal(3);
        let checkpoint = key(7).sign("sitters", &journal[2]);
        assert!(checkpoint.signature_holds());
        let trusted = key(7).public_key();
        assert_eq!(
            check(&[checkpoint], "sitters", &hashes(&journal), Some(&trusted)),
            Ok(())
        );
    }

    #[test]
    fn each_way_of_breaking_trust_is_named() {
        let journal = journal(3);
        let good = key(7).sign("sitters", &journal[1]);

        let mut forged = good.clone();
        forged.seq = 2;
        forged.hash = journal[2].hash;
        assert_eq!(
            check(&[forged], "sitters", &hashes(&journal), None),
            Err(CheckpointBroken::BadSignature { index: 1 })
        );
        assert!(matches!(
            check(
                std::slice::from_ref(&good),
                "cleaners",
                &hashes(&journal),
                None
            ),
            Err(CheckpointBroken::OtherCoop { index: 1, .. })
        ));
        assert!(matches!(
            check(
                std::slice::from_ref(&good),
                "sitters",
                &hashes(&journal),
                Some(&key(8).public_key())
            ),
            Err(CheckpointBroken::Untrusted { index: 1, .. })
        ));
        assert_eq!(
            check(
                std::slice::from_ref(&good),
                "sitters",
                &hashes(&journal[..1]),
                None
            ),
            Err(CheckpointBroken::BeyondJournal {
                index: 1,
                seq: 1,
                batches: 1
            })
        );
        // The same length of history, but rewritten: a different chain.
        let mut rewritten = journal.clone();
        let key = SealKey::from_bytes([1; 32]);
        rewritten[1] = BatchRecord::seal(
            1,
            Timestamp::from_millis(99),
            journal[0].hash,
            Vec::new(),
            &key,
        );
        assert_eq!(
            check(&[good], "sitters", &hashes(&rewritten), None),
            Err(CheckpointBroken::HashDiffers { index: 1, seq: 1 })
        );
    }

    #[test]
    fn checkpoints_and_keys_round_trip_as_text() {
        let journal = journal(1);
        let key = key(3);
        let checkpoint = key.sign("sitters", &journal[0]);
        let lines = to_json_lines(&[checkpoint.clone(), checkpoint.clone()]);
        assert_eq!(
            from_json_lines(&lines).unwrap(),
            vec![checkpoint.clone(); 2]
        );
        let damaged = lines.replacen("\"seq\":0", "\"seq\":\"zero\"", 1);
        assert!(from_json_lines(&damaged)
            .unwrap_err()
            .starts_with("line 1: "));
        let again = CoopKey::parse(&format!("  {}\n", key.secret_hex())).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(key.public_key().to_string().parse(), Ok(key.public_key()));
        assert!(CoopKey::parse("not hex").is_err());
        assert!(!format!("{key:?}").contains(&key.secret_hex()));
    }
}
