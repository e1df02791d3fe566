//! `coopkit ledger ...` on the demo's data: keys, checkpoints, the
//! journal's export and its verification, and the auditor's key.

use std::path::Path;

use coopkit_ledger::auditor::{AuditorKey, Envelope};
use coopkit_ledger::journal::{read_json_lines, to_json_lines};
use coopkit_ledger::seal::Commitment;
use coopkit_ledger::{Hash, PublishedBatch, SealedEvent};

use crate::support::run;

/// Run on the demo's data by `demo_serves_the_demo_coops_and_stops_cleanly`.
pub(crate) fn signed_checkpoints_catch_a_rewritten_history(data: &Path) {
    let data_dir = data.to_str().unwrap();
    let path = |name: &str| data.join(name).to_str().unwrap().to_owned();
    let (code, stdout, stderr) = run(&["ledger", "keygen", "--out", &path("coop.key")]);
    assert_eq!(code, 0, "{stderr}");
    let public_key = stdout
        .lines()
        .find_map(|l| l.strip_prefix("public key: "))
        .unwrap()
        .to_owned();
    let (code, _, stderr) = run(&["ledger", "keygen", "--out", &path("coop.key")]);
    assert_eq!(code, 1, "an existing key is never replaced");
    assert!(stderr.contains("never replaced"), "{stderr}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path("coop.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the secret is readable by its owner only"
    );

    let slug = "capitol-hill-sitters";
    let (code, stdout, stderr) = run(&[
        "ledger",
        "checkpoint",
        "--coop",
        slug,
        "--key",
        &path("coop.key"),
        "--data",
        data_dir,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&public_key), "{stdout}");
    let (code, _, stderr) = run(&[
        "ledger",
        "export",
        "--coop",
        slug,
        "--data",
        data_dir,
        "--out",
        &path("j.jsonl"),
        "--checkpoints",
        &path("c.jsonl"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let verify = |journal: &str, key: &str| {
        run(&[
            "ledger",
            "verify",
            "--file",
            &path(journal),
            "--checkpoints",
            &path("c.jsonl"),
            "--public-key",
            key,
        ])
    };
    let (code, stdout, stderr) = verify("j.jsonl", &public_key);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("1 signed checkpoint(s) hold, up to batch 0"),
        "{stdout}"
    );
    assert!(stdout.contains("(the trusted key)"), "{stdout}");
    let (code, _, stderr) = verify("j.jsonl", &"ab".repeat(32));
    assert_eq!(code, 1);
    assert!(stderr.contains("not by the trusted key"), "{stderr}");
    let (code, stdout, _) = run(&["ledger", "verify", "--data", data_dir]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(&format!("{slug}: 1 signed checkpoint(s) hold")),
        "{stdout}"
    );

    // The operator's export opens every memo and owner; a forger without
    // the co-op's seal key can only swap in other commitments and chain
    // every batch again: a consistent chain, but not the one the co-op
    // signed.
    let (code, stdout, stderr) = run(&["ledger", "verify", "--file", &path("j.jsonl")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("memos and owners opened, each matching"),
        "the export opens them: {stdout}"
    );
    let text = std::fs::read_to_string(path("j.jsonl")).unwrap();
    let mut prev = Hash::default();
    let rewritten: Vec<PublishedBatch> = read_json_lines(&text)
        .unwrap()
        .into_iter()
        .map(|(_, mut batch)| {
            batch.openings.clear();
            for event in &mut batch.events {
                if let SealedEvent::Transfer(transfer) = event {
                    transfer.private = Commitment([9; 32]);
                }
            }
            batch.prev_hash = prev;
            batch.hash = documented_hash(&batch);
            prev = batch.hash;
            batch
        })
        .collect();
    std::fs::write(path("rewritten.jsonl"), to_json_lines(&rewritten)).unwrap();
    let (code, _, stderr) = run(&["ledger", "verify", "--file", &path("rewritten.jsonl")]);
    assert_eq!(code, 0, "the chain alone cannot tell: {stderr}");
    let (code, _, stderr) = verify("rewritten.jsonl", &public_key);
    assert_eq!(code, 1);
    assert!(stderr.contains("history was rewritten"), "{stderr}");

    an_auditor_reads_what_members_cannot(data, &text);
}

/// A batch's hash as `coopkit_ledger::journal` documents it: SHA-256 of
/// the previous hash and the compact JSON of the sealed body.
fn documented_hash(batch: &PublishedBatch) -> Hash {
    use sha2::{Digest, Sha256};
    #[derive(serde::Serialize)]
    struct Body<'a> {
        seq: u64,
        timestamp: coopkit_domain::Timestamp,
        events: &'a [SealedEvent],
    }
    let body = Body {
        seq: batch.seq,
        timestamp: batch.timestamp,
        events: &batch.events,
    };
    let digest = Sha256::new()
        .chain_update(batch.prev_hash.0)
        .chain_update(serde_json::to_vec(&body).unwrap())
        .finalize();
    Hash(digest.into())
}

/// An auditor's key registered for the co-op: the journal a member
/// downloads carries every opening sealed to it, which `verify
/// --auditor-key` opens and checks, and nobody else can.
fn an_auditor_reads_what_members_cannot(data: &Path, export: &str) {
    let path = |name: &str| data.join(name).to_str().unwrap().to_owned();
    let (code, stdout, stderr) = run(&[
        "ledger",
        "keygen",
        "--auditor",
        "--out",
        &path("auditor.key"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let auditor: AuditorKey = stdout
        .lines()
        .find_map(|l| l.strip_prefix("public key: "))
        .unwrap()
        .parse()
        .unwrap();
    let slug = "capitol-hill-sitters";
    let data_dir = data.to_str().unwrap();
    let (code, stdout, stderr) = run(&[
        "ledger",
        "auditor",
        "--coop",
        slug,
        "--public-key",
        &auditor.to_string(),
        "--data",
        data_dir,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&auditor.to_string()), "{stdout}");
    let (code, _, stderr) = run(&[
        "ledger",
        "auditor",
        "--coop",
        slug,
        "--public-key",
        "beef",
        "--data",
        data_dir,
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not an auditor's public key"), "{stderr}");

    // What a member downloads, made here from the operator's export: the
    // batches sealed, their openings in an envelope for the auditor.
    let member: Vec<PublishedBatch> = read_json_lines(export)
        .unwrap()
        .into_iter()
        .map(|(_, mut batch)| {
            let openings = std::mem::take(&mut batch.openings);
            batch.for_auditor = Some(Envelope::seal(&openings, auditor, [5; 32]).unwrap());
            batch
        })
        .collect();
    let text = to_json_lines(&member);
    assert!(!text.contains("\"memo\""), "no memo in the clear");
    std::fs::write(path("member.jsonl"), text).unwrap();
    let (code, stdout, stderr) = run(&["ledger", "verify", "--file", &path("member.jsonl")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("sealed, none opened"),
        "a member opens nothing: {stdout}"
    );
    let (code, stdout, stderr) = run(&[
        "ledger",
        "verify",
        "--file",
        &path("member.jsonl"),
        "--auditor-key",
        &path("auditor.key"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("opened, each matching"),
        "the auditor opens them: {stdout}"
    );
    // Another key is told whose envelope it is.
    let (code, _, _) = run(&["ledger", "keygen", "--auditor", "--out", &path("other.key")]);
    assert_eq!(code, 0);
    let (code, _, stderr) = run(&[
        "ledger",
        "verify",
        "--file",
        &path("member.jsonl"),
        "--auditor-key",
        &path("other.key"),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("line 1: sealed for auditor"), "{stderr}");
}
