//! Normal forms for comparing: names without case, punctuation or the
//! legal words every co-op's name carries, postcodes without spaces,
//! websites as domains, phones as digits.

/// Words that say what kind of body an organisation is rather than which
/// one: "Limited", "Co-operative", "Society", "CIC"… Dropped from names
/// before comparing, so "Footprint Workers Co-operative Ltd." and
/// "Footprint Workers Co-operative, Radical Routes" meet on what differs.
const LEGAL_WORDS: [&str; 27] = [
    "limited",
    "ltd",
    "the",
    "co",
    "op",
    "operative",
    "cooperative",
    "coop",
    "society",
    "cic",
    "llp",
    "plc",
    "and",
    "of",
    "community",
    "interest",
    "company",
    "incorporated",
    "inc",
    "cbs",
    "ios",
    "cyfyngedig",
    "cyf",
    "assn",
    "association",
    "c",
    "i",
];

/// Lower case, `&` as "and", apostrophes dropped, anything else that is
/// not a letter or digit a space.
pub fn tokens(text: &str) -> Vec<String> {
    let mut clean = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            '&' => clean.push_str(" and "),
            '\'' | '’' | '`' | '.' => {}
            c if c.is_alphanumeric() => clean.push(c),
            _ => clean.push(' '),
        }
    }
    clean.split_whitespace().map(str::to_owned).collect()
}

/// A legal word, or one of the long ones mistyped ("Limted",
/// "Co-opertive"): lists typed by hand carry such slips, and a kept slip
/// would look like a distinguishing word.
fn is_legal_word(token: &str) -> bool {
    LEGAL_WORDS.contains(&token)
        || (token.len() >= 6
            && LEGAL_WORDS
                .iter()
                .any(|w| w.len() >= 7 && one_edit_apart(token.as_bytes(), w.as_bytes())))
}

/// A name's distinguishing words, in order, joined by single spaces.
pub fn name(text: &str) -> String {
    tokens(text)
        .into_iter()
        .filter(|t| !is_legal_word(t))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether two different texts are one slip of the keyboard apart: a
/// letter changed, added or dropped, or two neighbouring letters swapped.
/// Digits never slip: "Unit 1" and "Unit 2" are two places.
pub fn one_edit_apart(a: &[u8], b: &[u8]) -> bool {
    if a.len().abs_diff(b.len()) > 1 || a == b {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let room = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count();
    let (x, y) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let slipped = match (x.len(), y.len()) {
        (1, 1) | (1, 0) | (0, 1) => true,
        (2, 2) => x[0] == y[1] && x[1] == y[0],
        _ => false,
    };
    slipped && x.iter().chain(y).all(u8::is_ascii_alphabetic)
}

/// "wc2h 9hj" → "WC2H9HJ".
pub fn postcode(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The outward part of a UK-style postcode (all but the last three
/// characters), or the whole code when it is short.
pub fn outward(postcode: &str) -> &str {
    if postcode.len() > 4 {
        &postcode[..postcode.len() - 3]
    } else {
        postcode
    }
}

/// "https://www.example.coop/about" → "example.coop".
pub fn domain(website: &str) -> String {
    let lower = website.trim().to_lowercase();
    let rest = lower.split("://").nth(1).unwrap_or(&lower);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host.trim_start_matches("www.").to_owned()
}

/// The last ten digits of a phone number, so "+44 1234 567890" and
/// "01234 567890" agree.
pub fn phone(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let start = digits.len().saturating_sub(10);
    digits[start..].to_owned()
}

/// Company numbers: upper case, no spaces; a purely numeric one padded to
/// eight digits as Companies House writes them.
pub fn company_number(text: &str) -> String {
    let clean = postcode(text);
    if !clean.is_empty() && clean.len() < 8 && clean.bytes().all(|b| b.is_ascii_digit()) {
        format!("{clean:0>8}")
    } else {
        clean
    }
}

/// A country as an ISO 3166-1 alpha-2 code, if it is one or names one:
/// the gazetteer's reading, which places share.
pub use coopkit_places::country;
