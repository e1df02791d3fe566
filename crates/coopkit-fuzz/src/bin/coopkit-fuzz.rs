//! The AFL++ driver: `coopkit-fuzz TARGET`, under `afl-fuzz` (see
//! `scripts/fuzz`), runs one target in AFL++'s persistent mode.

use coopkit_fuzz::Target;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(target) = Target::named(&name) else {
        let names: Vec<_> = Target::ALL.iter().map(|t| t.name()).collect();
        eprintln!("usage: coopkit-fuzz TARGET, one of {}", names.join(", "));
        std::process::exit(2);
    };
    afl::fuzz(true, |input| {
        target.run(input);
    });
}
