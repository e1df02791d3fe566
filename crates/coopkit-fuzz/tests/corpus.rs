//! Replays the corpus kept in the repository through every target, so
//! that each input that once crashed a target (kept beside the seeds, see
//! `scripts/fuzz`) is checked on every test run, without AFL++.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use coopkit_fuzz::Target;

fn corpus(target: Target) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target.name());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_input_in_the_corpus_runs_without_a_crash() {
    let mut crashed = Vec::new();
    for target in Target::ALL {
        for file in corpus(target) {
            let input = std::fs::read(&file).unwrap();
            if catch_unwind(AssertUnwindSafe(|| target.run(&input))).is_err() {
                crashed.push(file.display().to_string());
            }
        }
    }
    assert!(crashed.is_empty(), "crashed on {crashed:#?}");
}

/// A corpus of inputs the parser refuses at its first byte would leave
/// the fuzzer nothing to grow from; each target has seeds it reads whole.
#[test]
fn every_target_has_seeds_its_parser_reads() {
    for target in Target::ALL {
        let read = corpus(target)
            .iter()
            .filter(|file| target.run(&std::fs::read(file).unwrap()))
            .count();
        assert!(read > 0, "no seed of {} reads", target.name());
    }
}

#[test]
fn targets_are_found_by_their_names() {
    for target in Target::ALL {
        assert_eq!(Target::named(target.name()), Some(target));
    }
    assert_eq!(Target::named("nonsense"), None);
}
