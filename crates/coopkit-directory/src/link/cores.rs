//! Work spread across the machine's cores.

use std::ops::Range;

const CHUNK: usize = 1024;

/// Runs `work` over `0..rows` in chunks spread across the machine's cores,
/// each thread with its own state from `start`; returns the states.
pub(super) fn across_cores<S: Send>(
    rows: usize,
    start: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, Range<usize>) + Sync,
) -> Vec<S> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(rows.div_ceil(CHUNK))
        .max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (start, work) = (&start, &work);
                scope.spawn(move || {
                    let mut state = start();
                    for from in (t * CHUNK..rows).step_by(threads * CHUNK) {
                        work(&mut state, from..(from + CHUNK).min(rows));
                    }
                    state
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}
