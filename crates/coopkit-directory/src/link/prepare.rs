//! Records made ready to compare: every normalised value numbered, so a
//! comparison is a few integer equalities and one merge of sorted word
//! numbers, and a blocking key is one `u64`.

use rustc_hash::FxHashMap;

use super::Reviewed;
use crate::mapping::Record;
use crate::normalize;

/// The number of an absent (empty) value: it never equals anything.
pub(super) const ABSENT: u32 = 0;

/// Distinct strings numbered as first met, from 1.
#[derive(Debug, Default)]
struct Numbers {
    ids: FxHashMap<Box<str>, u32>,
}

impl Numbers {
    fn of(&mut self, value: &str) -> u32 {
        if value.is_empty() {
            return ABSENT;
        }
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = u32::try_from(self.ids.len() + 1).unwrap_or(u32::MAX);
        self.ids.insert(value.into(), id);
        id
    }

    fn len(&self) -> usize {
        self.ids.len() + 1
    }
}

/// A name or a street: the whole text's number, its letters without
/// spaces, and its distinct words' numbers in ascending order with the
/// sum of their weights.
#[derive(Debug)]
pub(super) struct Text {
    pub id: u32,
    pub letters: Box<[u8]>,
    /// The number of `letters`: "tin tre" and "tintre" share it.
    pub joined: u32,
    pub words: Box<[u32]>,
    /// Bit `k` set: `words[k]` names the record's own town or region.
    pub places: u64,
    /// The sum of the words' weights.
    pub norm: f64,
}

/// How much a word naming the record's own place counts in a name, as a
/// share of its rarity: "Teddington" in "Teddington Constitutional Club"
/// says where the club is, which the postcode already says, more than
/// which club it is.
const PLACE_SHARE: f64 = 0.25;

impl Text {
    /// The word at `k`'s share of its rarity in this text.
    pub fn share(&self, k: usize) -> f64 {
        if k < 64 && self.places & (1 << k) != 0 {
            PLACE_SHARE
        } else {
            1.0
        }
    }
}

impl Text {
    fn none() -> Text {
        Text {
            id: ABSENT,
            letters: Box::default(),
            joined: ABSENT,
            words: Box::default(),
            places: 0,
            norm: 0.0,
        }
    }
}

/// One record's comparable values.
#[derive(Debug)]
pub(super) struct Prepared {
    /// The name and the other name, when they differ.
    pub names: Vec<Text>,
    pub street: Text,
    pub postcode: u32,
    pub outward: u32,
    pub company: u32,
    pub domain: u32,
    pub phone: u32,
    pub legal_form: u32,
    pub ownership: u32,
    pub sic: u32,
    pub sector: u32,
    pub country: u32,
}

/// Both lists prepared, with what the comparisons need to know of them
/// as a whole.
#[derive(Debug)]
pub(super) struct Lists {
    pub left: Vec<Prepared>,
    pub right: Vec<Prepared>,
    /// The reviewed pairs, prepared alike but not counted in the lists'
    /// word and value counts.
    pub reviewed: Vec<(Prepared, Prepared, bool)>,
    /// Per word number: its weight in cosines, the square of its rarity
    /// (inverse document frequency among names).
    pub weight: Vec<f64>,
    /// Per word number: how many records' names hold it.
    pub word_count: Vec<u32>,
    /// Per whole-text number: how many names are exactly it.
    pub name_count: Vec<u32>,
    /// Per postcode number: how many records have it.
    pub postcode_count: Vec<u32>,
    /// Per whole-text number: how many streets are exactly it.
    pub street_count: Vec<u32>,
}

#[derive(Debug, Default)]
struct Vocabulary {
    texts: Numbers,
    joined: Numbers,
    words: Numbers,
    postcodes: Numbers,
    outwards: Numbers,
    others: Numbers,
}

impl Vocabulary {
    fn text(&mut self, normal: &str, places: &[u32]) -> Text {
        let mut words: Vec<u32> = normal.split(' ').map(|w| self.words.of(w)).collect();
        words.retain(|&w| w != ABSENT);
        words.sort_unstable();
        words.dedup();
        let letters: String = normal.chars().filter(|&c| c != ' ').collect();
        Text {
            id: self.texts.of(normal),
            joined: self.joined.of(&letters),
            letters: letters.into_bytes().into(),
            places: words
                .iter()
                .take(64)
                .enumerate()
                .filter(|(_, w)| places.contains(w))
                .fold(0, |mask, (k, _)| mask | 1 << k),
            words: words.into(),
            norm: 0.0,
        }
    }

    fn prepare(&mut self, record: &Record) -> Prepared {
        let places: Vec<u32> = [&record.locality, &record.region]
            .into_iter()
            .flat_map(|place| normalize::tokens(place))
            .map(|w| self.words.of(&w))
            .collect();
        let mut names: Vec<Text> = Vec::with_capacity(2);
        for name in [&record.name, &record.other_name] {
            let normal = normalize::name(name);
            if !normal.is_empty()
                && names
                    .last()
                    .is_none_or(|last| last.id != self.texts.of(&normal))
            {
                names.push(self.text(&normal, &places));
            }
        }
        let postcode = normalize::postcode(&record.postcode);
        let sic: String = record
            .sic
            .chars()
            .filter(char::is_ascii_digit)
            // "UKSIC07-4711" carries the scheme's year: keep the code.
            .skip(if record.sic.contains("SIC07") { 2 } else { 0 })
            .take(4)
            .collect();
        // Each kind of value tagged, so "1234" as a phone never equals
        // "1234" as a company number.
        let mut other = |tag: &str, value: String| {
            if value.is_empty() {
                ABSENT
            } else {
                self.others.of(&format!("{tag}{value}"))
            }
        };
        Prepared {
            company: other("c:", normalize::company_number(&record.company_number)),
            domain: other("d:", normalize::domain(&record.website)),
            phone: other("t:", normalize::phone(&record.phone)),
            legal_form: other("l:", record.legal_form.trim().to_lowercase()),
            ownership: other("o:", record.ownership.trim().to_lowercase()),
            sic: other("s:", sic),
            sector: other("k:", record.sector.trim().to_lowercase()),
            country: other("n:", record.country.trim().to_uppercase()),
            street: match normalize::name(&record.street) {
                street if street.is_empty() => Text::none(),
                street => self.text(&street, &[]),
            },
            outward: self.outwards.of(normalize::outward(&postcode)),
            postcode: self.postcodes.of(&postcode),
            names,
        }
    }
}

/// Prepares both lists (`right` may be empty when a list is compared
/// with itself) and the reviewed pairs.
pub(super) fn prepare(left: &[Record], right: &[Record], reviewed: &[Reviewed]) -> Lists {
    let mut vocabulary = Vocabulary::default();
    let mut left: Vec<Prepared> = left.iter().map(|r| vocabulary.prepare(r)).collect();
    let mut right: Vec<Prepared> = right.iter().map(|r| vocabulary.prepare(r)).collect();
    let mut reviewed: Vec<(Prepared, Prepared, bool)> = reviewed
        .iter()
        .map(|r| {
            (
                vocabulary.prepare(&r.left),
                vocabulary.prepare(&r.right),
                r.same,
            )
        })
        .collect();
    let mut word_count = vec![0u32; vocabulary.words.len()];
    let mut name_count = vec![0u32; vocabulary.texts.len()];
    let mut postcode_count = vec![0u32; vocabulary.postcodes.len()];
    let mut street_count = vec![0u32; vocabulary.texts.len()];
    let mut seen: Vec<u32> = Vec::new();
    for p in left.iter().chain(&right) {
        if p.postcode != ABSENT {
            postcode_count[p.postcode as usize] += 1;
        }
        if p.street.id != ABSENT {
            street_count[p.street.id as usize] += 1;
        }
        seen.clear();
        for name in &p.names {
            name_count[name.id as usize] += 1;
            seen.extend_from_slice(&name.words);
        }
        seen.sort_unstable();
        seen.dedup();
        for &word in &seen {
            word_count[word as usize] += 1;
        }
    }
    let total = (left.len() + right.len()) as f64;
    let weight: Vec<f64> = word_count
        .iter()
        .map(|&count| (total / f64::from(1 + count)).ln().powi(2))
        .collect();
    let pairs = reviewed.iter_mut().flat_map(|(a, b, _)| [a, b]);
    for p in left.iter_mut().chain(&mut right).chain(pairs) {
        for text in p.names.iter_mut().chain([&mut p.street]) {
            text.norm = text.words.iter().map(|&w| weight[w as usize]).sum();
        }
    }
    Lists {
        left,
        right,
        reviewed,
        weight,
        word_count,
        name_count,
        postcode_count,
        street_count,
    }
}

/// Cosine of two texts' word sets, each word weighted by its rarity, and
/// a shared word that names where the records are by its share. A place
/// word not shared keeps its whole weight: "Swindon Royal Naval
/// Association Club" is not the club of Lincoln.
pub(super) fn cosine(a: &Text, b: &Text, weight: &[f64]) -> f64 {
    let (mut x, mut y, mut shared) = (0, 0, 0.0);
    let (mut a_less, mut b_less) = (0.0, 0.0);
    while x < a.words.len() && y < b.words.len() {
        match a.words[x].cmp(&b.words[y]) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                let (w, sa, sb) = (weight[a.words[x] as usize], a.share(x), b.share(y));
                shared += w * sa * sb;
                a_less += w * (1.0 - sa * sa);
                b_less += w * (1.0 - sb * sb);
                x += 1;
                y += 1;
            }
        }
    }
    let norm = ((a.norm - a_less) * (b.norm - b_less)).sqrt();
    if norm > 0.0 {
        shared / norm
    } else {
        0.0
    }
}
