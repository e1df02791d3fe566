//! Journals and checkpoints, as anyone holding a co-op's export reads them.

use coopkit_ledger::{checkpoint, journal, offline, MemoryLedger, SealKey};

pub fn journal(input: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(input) else {
        return false;
    };
    // The verifier checks the chain before the rules; most fuzzed inputs
    // break the chain, so the rules are also driven directly below.
    let verified = journal::verify_json_lines(text);
    // Read twice, remembering only what may be named again, the same
    // journal gets the same verdict.
    let streamed = offline::verify(input, input);
    match (&verified, &streamed) {
        (Ok(whole), Ok(streamed)) => assert_eq!(streamed, &**whole, "the ledgers differ"),
        (Err(whole), Err(streamed)) => assert_eq!(streamed, whole, "the verdicts differ"),
        _ => panic!("one verifier accepted what the other refused"),
    }
    let Ok(batches) = journal::read_json_lines(text) else {
        assert!(verified.is_err(), "a journal that does not read verified");
        return false;
    };
    // Nothing here is published, so the salts need no secret.
    let mut ledger = MemoryLedger::new(SealKey::from_bytes([0; 32]));
    for (_, batch) in batches {
        let events = batch.events.iter().map(|e| e.unsealed(None)).collect();
        ledger.apply(events, batch.timestamp);
        for (currency, totals) in ledger.totals() {
            assert!(totals.is_balanced(), "{currency} is unbalanced: {totals:?}");
        }
    }
    if let Ok(replayed) = verified {
        assert!(
            replayed.totals().values().all(|t| t.is_balanced()),
            "a verified journal left a currency unbalanced"
        );
    }
    true
}

pub fn checkpoints(input: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(input) else {
        return false;
    };
    let Ok(read) = checkpoint::from_json_lines(text) else {
        return false;
    };
    for one in &read {
        one.signature_holds();
    }
    let written = checkpoint::to_json_lines(&read);
    assert_eq!(
        checkpoint::from_json_lines(&written).as_ref(),
        Ok(&read),
        "checkpoints written from what was read read back the same"
    );
    true
}
