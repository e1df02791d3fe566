//! BLT ballot files:
//!
//! ```text
//! 4 2            candidates, seats
//! -2             withdrawn candidates (optional), as negative numbers
//! 3 1 3 0        a weight, preferences by candidate number, 0
//! 2 2 1 0
//! 0              end of ballots
//! "Ana"          a name per candidate, in order
//! "Ben"
//! "Carol"
//! "Dev"
//! "Board 2026"   the title
//! ```
//!
//! Read as Droop and OpenSTV write them: option lines in brackets between
//! the first line and the ballots (`[withdrawn 4]`, the same as `-4`;
//! `[tie 3 2 1]`, the order that decides exact ties; `[droop …]`, that
//! counter's own settings, ignored), `#` comments, and anything after the
//! title (Wichmann's source and comment, the ERBS files' tables) ignored.

/// One ballot: preferences by candidate index (from 0), best first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ballot {
    /// How many identical ballots this line stands for.
    pub weight: u64,
    pub preferences: Vec<usize>,
}

/// An election as a BLT file describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election {
    pub candidates: Vec<String>,
    pub seats: usize,
    /// Candidate indices withdrawn before the count.
    pub withdrawn: Vec<usize>,
    /// The order that decides a tie nothing else decides (the earliest
    /// listed is picked), every candidate once; empty: by lot.
    pub tie_order: Vec<usize>,
    pub ballots: Vec<Ballot>,
    pub title: String,
}

/// Where and why a BLT file is wrong. Nothing is counted from a file that
/// did not parse whole.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

fn error(line: usize, reason: impl Into<String>) -> ParseError {
    ParseError {
        line,
        reason: reason.into(),
    }
}

/// The largest election this reads: far beyond any co-op, small enough
/// that a hostile file cannot make the count run for ever.
const CANDIDATES_MAX: usize = 1_000;

/// The most ballots a file may stand for, weights added up: beyond any
/// electorate, and small enough that no count's sums can overflow (votes
/// are counted in hundred-thousandths in a `u64`).
pub const BALLOTS_MAX: u64 = 1_000_000_000_000;

/// Reads a BLT file.
pub fn parse(text: &str) -> Result<Election, ParseError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
    let (first, header) = lines.next().ok_or_else(|| error(1, "the file is empty"))?;
    let numbers: Vec<&str> = header.split_whitespace().collect();
    let [candidates, seats] = numbers[..] else {
        return Err(error(
            first,
            "the first line must be two numbers: candidates and seats",
        ));
    };
    let number = |text: &str, line, what: &str| {
        text.parse::<usize>()
            .map_err(|_| error(line, format!("{what} must be a whole number, not {text:?}")))
    };
    let candidates = number(candidates, first, "the number of candidates")?;
    let seats = number(seats, first, "the number of seats")?;
    if candidates == 0 || candidates > CANDIDATES_MAX {
        return Err(error(
            first,
            format!("there must be 1 to {CANDIDATES_MAX} candidates"),
        ));
    }
    if seats == 0 || seats > candidates {
        return Err(error(
            first,
            "there must be at least one seat, and no more seats than candidates",
        ));
    }
    let mut withdrawn = Vec::new();
    let mut tie_order = Vec::new();
    let mut ballots = Vec::new();
    let mut ballots_total: u64 = 0;
    let mut ended = false;
    let mut last = first;
    for (line, text) in lines.by_ref() {
        last = line;
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields == ["0"] {
            ended = true;
            break;
        }
        if let Some(option) = text.strip_prefix('[') {
            if !ballots.is_empty() {
                return Err(error(line, "options must come before the ballots"));
            }
            read_option(option, line, candidates, &mut withdrawn, &mut tie_order)?;
            continue;
        }
        if ballots.is_empty() && fields.iter().all(|f| f.starts_with('-')) {
            for field in fields {
                let n = number(&field[1..], line, "a withdrawn candidate")?;
                if n == 0 || n > candidates {
                    return Err(error(
                        line,
                        format!("there is no candidate {n} to withdraw"),
                    ));
                }
                withdrawn.push(n - 1);
            }
            continue;
        }
        if text.starts_with('"') {
            return Err(error(
                line,
                "the ballots must end with a line holding 0 before the names",
            ));
        }
        let (weight, rest) = fields
            .split_first()
            .ok_or_else(|| error(line, "a ballot line is empty"))?;
        let weight = weight.parse::<u64>().map_err(|_| {
            error(
                line,
                format!("a ballot's weight must be a whole number, not {weight:?}"),
            )
        })?;
        if rest.last() != Some(&"0") {
            return Err(error(line, "a ballot must end with 0"));
        }
        let mut preferences = Vec::with_capacity(rest.len() - 1);
        for field in &rest[..rest.len() - 1] {
            let n = number(field, line, "a preference")?;
            if n == 0 || n > candidates {
                return Err(error(
                    line,
                    format!("the ballot names candidate {n}, but there are {candidates}"),
                ));
            }
            if preferences.contains(&(n - 1)) {
                return Err(error(line, format!("the ballot names candidate {n} twice")));
            }
            preferences.push(n - 1);
        }
        ballots_total = ballots_total
            .checked_add(weight)
            .filter(|total| *total <= BALLOTS_MAX)
            .ok_or_else(|| {
                error(
                    line,
                    format!("the ballots add up to more than {BALLOTS_MAX}"),
                )
            })?;
        ballots.push(Ballot {
            weight,
            preferences,
        });
    }
    if !ended {
        return Err(error(last, "the ballots must end with a line holding 0"));
    }
    let mut names = Vec::with_capacity(candidates);
    let mut title = String::new();
    for (line, text) in lines.by_ref() {
        let name = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .ok_or_else(|| error(line, "a name must be in double quotes"))?;
        // BLT has no escape for a quote within a name: `"A"7"B"` is not a
        // name but a broken line, and no counter would read it as one.
        if name.contains('"') {
            return Err(error(line, "a name cannot hold a double quote"));
        }
        if names.len() < candidates {
            // A count reports who won by name: two alike would hide who.
            if names.iter().any(|n| n == name) {
                return Err(error(line, format!("two candidates are named {name:?}")));
            }
            names.push(name.to_owned());
        } else {
            title = name.to_owned();
            // What follows the title is for people: a source, a comment,
            // a table of first preferences.
            break;
        }
    }
    if names.len() < candidates {
        return Err(error(
            last,
            format!("{candidates} candidates but {} names", names.len()),
        ));
    }
    Ok(Election {
        candidates: names,
        seats,
        withdrawn,
        tie_order,
        ballots,
        title,
    })
}

/// Reads one option line (`tie 3 2 1]`, after its `[`).
fn read_option(
    option: &str,
    line: usize,
    candidates: usize,
    withdrawn: &mut Vec<usize>,
    tie_order: &mut Vec<usize>,
) -> Result<(), ParseError> {
    let option = option
        .trim_end()
        .strip_suffix(']')
        .ok_or_else(|| error(line, "an option must end with ]"))?;
    let mut words = option.split_whitespace();
    let name = words.next().unwrap_or_default();
    let mut candidate_numbers = || -> Result<Vec<usize>, ParseError> {
        words
            .by_ref()
            .map(|word| match word.parse::<usize>() {
                Ok(n) if (1..=candidates).contains(&n) => Ok(n - 1),
                _ => Err(error(
                    line,
                    format!("[{name}] names {word:?}, but the candidates are 1 to {candidates}"),
                )),
            })
            .collect()
    };
    match name {
        "withdrawn" => withdrawn.extend(candidate_numbers()?),
        "tie" => {
            let order = candidate_numbers()?;
            let mut sorted = order.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if sorted.len() != candidates || order.len() != candidates {
                return Err(error(line, "[tie] must list every candidate once"));
            }
            *tie_order = order;
        }
        // Droop's own settings (its rule, its arithmetic): the method and
        // seats to count by are chosen here, not by the file.
        "droop" => {}
        other => {
            return Err(error(
                line,
                format!("the option [{other}] is not one this reads"),
            ))
        }
    }
    Ok(())
}

/// Writes an election as a BLT file that [`parse`] reads back unchanged,
/// but for double quotes in names, which BLT cannot hold: they become
/// single quotes (a file [`parse`] read has none).
pub fn write(election: &Election) -> String {
    let mut out = format!("{} {}\n", election.candidates.len(), election.seats);
    if !election.withdrawn.is_empty() {
        let withdrawn: Vec<String> = election
            .withdrawn
            .iter()
            .map(|c| format!("-{}", c + 1))
            .collect();
        out.push_str(&withdrawn.join(" "));
        out.push('\n');
    }
    if !election.tie_order.is_empty() {
        let order: Vec<String> = election
            .tie_order
            .iter()
            .map(|c| (c + 1).to_string())
            .collect();
        out.push_str(&format!("[tie {}]\n", order.join(" ")));
    }
    for ballot in &election.ballots {
        out.push_str(&ballot.weight.to_string());
        for c in &ballot.preferences {
            out.push_str(&format!(" {}", c + 1));
        }
        out.push_str(" 0\n");
    }
    out.push_str("0\n");
    for name in &election.candidates {
        out.push_str(&format!("\"{}\"\n", name.replace('"', "'")));
    }
    out.push_str(&format!("\"{}\"\n", election.title.replace('"', "'")));
    out
}
