//! Work spread across the machine's cores.

use std::ops::Range;

const CHUNK: usize = 1024;

/// Runs `work` over `0..rows` in chunks spread across the machine's cores,
/// each thread with its own state from `start`; returns the states.
pub fn across_cores<S: Send>(
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

/// `f` of every item, in order, the items split into one run per core.
pub fn map_across_cores<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len().div_ceil(CHUNK))
        .max(1);
    let run = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(run)
            .map(|part| {
                let f = &f;
                scope.spawn(move || part.iter().map(f).collect::<Vec<U>>())
            })
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for handle in handles {
            all.extend(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        all
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_in_order_whatever_the_split() {
        for n in [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 7] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = map_across_cores(&items, |i| i * 2);
            assert_eq!(
                doubled,
                (0..n).map(|i| i * 2).collect::<Vec<_>>(),
                "n = {n}"
            );
        }
    }
}
