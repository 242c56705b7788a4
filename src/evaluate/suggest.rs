//! Rules from labels: for each service, the words and phrases (one to three words, any
//! language) that separate its labelled tickets from the others, where the current rules miss
//! them; written as a rules file for a person to read before using it.
//!
//! A candidate is any run of one to three words of a labelled ticket (lower case; a run never
//! starts or ends with a word found in more than a fifth of the labelled tickets (and more
//! than 10), the stop words of whatever language the team writes in, nor with a number or a
//! word of one or two letters). For a service s it is kept when
//! - it is in at least `min_support` tickets labelled s (its support),
//! - at least one of them is a ticket the current rules did not tag s (what it adds),
//! - of all labelled tickets holding it, at least `min_precision` are labelled s.
//!
//! With few labels this is weak evidence. Phrases suggested from a random fifth of a labelled
//! set changed micro-F1 on the other four fifths by -0.004 on average on the blind part of the
//! development set (63 reviewed tickets, five draws; -0.020 with every weight at 1.0) and by
//! -0.005 on the labelled real records of ../shared (29 reviewed, five draws). Even suggested
//! from the whole blind part and scored on that same part, they add +0.033 (+0.059 at weight
//! 1.0): on text by many writers a phrase of one ticket seldom recurs in the next. Read the
//! suggestions; keep what you recognise.
//!
//! Then, per service, the candidates are taken greedily: the one that catches most of the
//! missed tickets not caught yet (ties: the more precise, the more supported, the shorter),
//! until `per_service` are taken or no missed ticket is left. A phrase inside one taken (or
//! holding one) is not taken again.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::catalog::{Catalog, EntryId};
use crate::import::Ticket;
use crate::tag::Tagging;

/// What `rules suggest` keeps.
#[derive(Clone, Copy, Debug)]
pub struct SuggestOptions {
    /// Fewest tickets of the service that must hold a phrase.
    pub min_support: usize,
    /// Lowest share of the labelled tickets holding the phrase that are of the service.
    pub min_precision: f64,
    /// Most phrases per service.
    pub per_service: usize,
}

impl Default for SuggestOptions {
    fn default() -> SuggestOptions {
        SuggestOptions {
            min_support: 3,
            min_precision: 0.8,
            per_service: 8,
        }
    }
}

/// One word of a ticket: lower case, and where it is in its field.
#[derive(Clone, Debug)]
struct Word {
    text: String,
    field: usize,
    start: usize,
    end: usize,
}

/// A labelled ticket as the suggester keeps it.
#[derive(Debug)]
struct Labelled {
    id: String,
    texts: Vec<String>,
    words: Vec<Word>,
    gold: Vec<EntryId>,
    tagged: Vec<EntryId>,
}

/// A phrase proposed for a service, with the evidence for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// The service's id.
    pub service: String,
    /// The phrase (lower case, words joined by one space).
    pub phrase: String,
    /// Labelled tickets of the service holding it.
    pub support: usize,
    /// Labelled tickets of the service.
    pub of: usize,
    /// Of those, the ones the current rules did not tag with the service.
    pub missed: usize,
    /// Share of the labelled tickets holding it that are of the service.
    pub precision: f64,
    /// Ids of labelled tickets of other services holding it (at most 5).
    pub elsewhere: Vec<String>,
    /// A passage of a ticket of the service holding it, and that ticket's id.
    pub example: (String, String),
}

/// Gathers labelled tickets while they stream by; [`Suggester::finish`] proposes.
#[derive(Debug, Default)]
pub struct Suggester {
    tickets: Vec<Labelled>,
}

/// Service ids of a tagging, ranked.
fn services_of(tagging: &Tagging) -> Vec<EntryId> {
    tagging.services.iter().map(|s| s.service).collect()
}

impl Suggester {
    /// An empty suggester.
    pub fn new() -> Suggester {
        Suggester::default()
    }

    /// Takes a labelled ticket: `gold` its labelled services, `tagging` what the rules said.
    pub fn add(&mut self, ticket: &Ticket, tagging: &Tagging, gold: &[EntryId]) {
        let mut words = Vec::new();
        let mut texts = Vec::new();
        for (f, field) in ticket.texts.iter().enumerate() {
            let text = &field.text;
            let mut start = None;
            for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
                match (c.is_alphanumeric(), start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        words.push(Word {
                            text: text[s..i].to_lowercase(),
                            field: f,
                            start: s,
                            end: i,
                        });
                        start = None;
                    }
                    _ => {}
                }
            }
            texts.push(text.clone());
        }
        self.tickets.push(Labelled {
            id: ticket.id.clone(),
            texts,
            words,
            gold: gold.to_vec(),
            tagged: services_of(tagging),
        });
    }

    /// Labelled tickets taken.
    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    /// Whether no labelled ticket was taken.
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }

    /// The suggestions, per service in catalog order, best first.
    pub fn finish(&self, catalog: &Catalog, options: SuggestOptions) -> Vec<Suggestion> {
        let n = self.tickets.len();
        // Document frequency of each word: the common ones never start or end a phrase.
        let mut df: HashMap<&str, usize> = HashMap::new();
        for t in &self.tickets {
            let unique: HashSet<&str> = t.words.iter().map(|w| w.text.as_str()).collect();
            for w in unique {
                *df.entry(w).or_default() += 1;
            }
        }
        let common = |w: &str| {
            df.get(w).copied().unwrap_or(0) > (n / 5).max(10)
                || w.chars().count() < 3
                || w.chars().all(|c| c.is_numeric())
        };
        // Phrases of each ticket, and where each first is (word index, length).
        let mut grams: Vec<HashMap<String, (usize, usize)>> = Vec::with_capacity(n);
        for t in &self.tickets {
            let mut mine = HashMap::new();
            for i in 0..t.words.len() {
                for len in 1..=3 {
                    let Some(run) = t.words.get(i..i + len) else {
                        break;
                    };
                    if run.iter().any(|w| w.field != run[0].field) {
                        break;
                    }
                    if common(&run[0].text) || common(&run[len - 1].text) {
                        continue;
                    }
                    let phrase = run
                        .iter()
                        .map(|w| w.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    mine.entry(phrase).or_insert((i, len));
                }
            }
            grams.push(mine);
        }
        let mut holders: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, g) in grams.iter().enumerate() {
            for phrase in g.keys() {
                holders.entry(phrase.as_str()).or_default().push(k);
            }
        }
        let mut services: Vec<EntryId> = self.tickets.iter().flat_map(|t| t.gold.clone()).collect();
        services.sort_unstable();
        services.dedup();
        let mut out = Vec::new();
        for service in services {
            let of: Vec<usize> = (0..n)
                .filter(|&k| self.tickets[k].gold.contains(&service))
                .collect();
            let missed: HashSet<usize> = of
                .iter()
                .copied()
                .filter(|&k| !self.tickets[k].tagged.contains(&service))
                .collect();
            if missed.is_empty() {
                continue;
            }
            // Candidates: (phrase, support, precision, missed tickets holding it).
            let mut candidates: Vec<(&str, usize, f64, HashSet<usize>)> = Vec::new();
            let mut seen: HashSet<&str> = HashSet::new();
            for &k in &missed {
                for phrase in grams[k].keys() {
                    if !seen.insert(phrase.as_str()) {
                        continue;
                    }
                    let all = &holders[phrase.as_str()];
                    let support = all
                        .iter()
                        .filter(|&&h| self.tickets[h].gold.contains(&service))
                        .count();
                    let precision = support as f64 / all.len() as f64;
                    if support < options.min_support || precision < options.min_precision {
                        continue;
                    }
                    let catches: HashSet<usize> =
                        all.iter().copied().filter(|h| missed.contains(h)).collect();
                    candidates.push((phrase.as_str(), support, precision, catches));
                }
            }
            let mut left = missed.clone();
            let mut taken: Vec<&str> = Vec::new();
            while taken.len() < options.per_service && !left.is_empty() {
                let best = candidates
                    .iter()
                    .filter(|(p, ..)| {
                        !taken
                            .iter()
                            .any(|t| contains_phrase(t, p) || contains_phrase(p, t))
                    })
                    .map(|c| (c, c.3.intersection(&left).count()))
                    .filter(|(_, gain)| *gain > 0)
                    .max_by(|(a, ga), (b, gb)| {
                        ga.cmp(gb)
                            .then(a.2.total_cmp(&b.2))
                            .then(a.1.cmp(&b.1))
                            .then(b.0.len().cmp(&a.0.len()))
                            .then(b.0.cmp(a.0))
                    });
                let Some(((phrase, support, precision, catches), _)) = best else {
                    break;
                };
                taken.push(phrase);
                left.retain(|k| !catches.contains(k));
                let all = &holders[*phrase];
                let elsewhere = all
                    .iter()
                    .filter(|&&h| !self.tickets[h].gold.contains(&service))
                    .take(5)
                    .map(|&h| self.tickets[h].id.clone())
                    .collect();
                let k = *catches
                    .iter()
                    .min()
                    .expect("a candidate catches a missed ticket");
                out.push(Suggestion {
                    service: catalog.entry(service).id.clone(),
                    phrase: phrase.to_string(),
                    support: *support,
                    of: of.len(),
                    missed: catches.len(),
                    precision: *precision,
                    elsewhere,
                    example: (
                        self.tickets[k].id.clone(),
                        self.passage(k, &grams[k][*phrase]),
                    ),
                });
            }
        }
        out
    }

    /// A few words either side of the phrase at `(word index, length)` of ticket `k`, as
    /// written (white space folded).
    fn passage(&self, k: usize, &(i, len): &(usize, usize)) -> String {
        let t = &self.tickets[k];
        let field = t.words[i].field;
        let from = (i.saturating_sub(6)..=i)
            .find(|&j| t.words[j].field == field)
            .unwrap_or(i);
        let to = (i + len - 1..(i + len + 6).min(t.words.len()))
            .rev()
            .find(|&j| t.words[j].field == field)
            .unwrap_or(i + len - 1);
        let text = &t.texts[field][t.words[from].start..t.words[to].end];
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Whether `outer` holds `inner` as whole words.
fn contains_phrase(outer: &str, inner: &str) -> bool {
    format!(" {outer} ").contains(&format!(" {inner} "))
}

/// The suggestions as a rules file: a comment saying where they came from and that a person
/// reads them before use, then one rule per phrase, with its support and precision in its note
/// and a passage of a labelled ticket as its example.
pub fn to_toml(suggestions: &[Suggestion], catalog: &Catalog, labels: &str) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = format!(
        "# Rules suggested by `csirt-tagger rules suggest` from the labels in {labels}.\n\
         # Read each one before you use it: a phrase that separates your labelled tickets may\n\
         # be chance in a small sample. Use them beside the default rules with\n\
         # `--add-rules THIS_FILE`; `evaluate --compare-add THIS_FILE` shows what they change.\n\n\
         catalog = {}\n",
        q(&catalog.meta().short)
    );
    let mut per_service: BTreeMap<&str, usize> = BTreeMap::new();
    for s in suggestions {
        let k = per_service.entry(&s.service).or_default();
        *k += 1;
        let slug: String = s
            .phrase
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        // Alone, a phrase tags only when the labels leave little doubt; otherwise it adds to
        // what other rules found. On the blind development set, phrases drawn from a fifth of
        // it tagged alone cost more precision than they gave recall.
        let weight = if s.precision >= 1.0 && s.support >= 5 {
            1.0
        } else {
            0.5
        };
        let elsewhere = if s.elsewhere.is_empty() {
            String::new()
        } else {
            format!("; also in {}", s.elsewhere.join(", "))
        };
        out.push_str(&format!(
            "\n[[rule]]\nid = {}\nservice = {}\nany = [{}]\nweight = {weight:.1}\nnote = {}\nexamples = [{}]\n",
            q(&format!("suggested.{}.{}", s.service, slug)),
            q(&s.service),
            q(&s.phrase),
            q(&format!(
                "support {} of {} labelled {} tickets, {} of them missed by the rules; precision {:.2} on the labels{elsewhere}; example from {}",
                s.support, s.of, s.service, s.missed, s.precision, s.example.0
            )),
            q(&s.example.1),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tag::ServiceTag;

    fn ticket(id: &str, text: &str) -> Ticket {
        let mut t = Ticket::from_text(None, text);
        t.id = id.into();
        t
    }

    #[test]
    fn a_phrase_of_the_missed_tickets_of_a_service_is_suggested_with_its_evidence() {
        let catalog = Catalog::default_embedded();
        let s64 = catalog.resolve("6.4").unwrap();
        let s92 = catalog.resolve("9.2").unwrap();
        let tagged = |s: Option<EntryId>| Tagging {
            services: s
                .into_iter()
                .map(|service| ServiceTag {
                    service,
                    score: 1.0,
                    functions: Vec::new(),
                })
                .collect(),
            ..Tagging::default()
        };
        let mut sg = Suggester::new();
        let texts = [
            (
                "A",
                "Laptop reimaged from golden image after the infection",
                Some(s64),
                None,
            ),
            (
                "B",
                "We reimaged the kiosk PC from golden image today",
                Some(s64),
                None,
            ),
            (
                "C",
                "Server reimaged, golden image v3",
                Some(s64),
                Some(s64),
            ),
            (
                "D",
                "Training on golden image hygiene for the admins",
                Some(s92),
                Some(s92),
            ),
            (
                "E",
                "Course for the new admins on patching",
                Some(s92),
                Some(s92),
            ),
        ];
        for (id, text, gold, tag) in texts {
            sg.add(
                &ticket(id, text),
                &tagged(tag),
                &gold.into_iter().collect::<Vec<_>>(),
            );
        }
        let s = sg.finish(&catalog, SuggestOptions::default());
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].service, "6.4");
        assert_eq!(s[0].phrase, "reimaged");
        assert_eq!((s[0].support, s[0].of, s[0].missed), (3, 3, 2));
        assert_eq!(s[0].precision, 1.0);
        assert!(s[0].example.1.contains("reimaged"), "{:?}", s[0].example);
        let toml = to_toml(&s, &catalog, "labels.csv");
        assert!(toml.contains("any = [\"reimaged\"]"), "{toml}");
        // The file loads as rules, and each rule matches its example.
        let mut diags = crate::Diagnostics::default();
        let mut rules = crate::rules::RuleSetBuilder::new(&catalog);
        rules.add_str(&toml, "s.toml".as_ref(), &mut diags);
        assert!(diags.is_empty(), "{:?}", diags.items());
        rules.build().unwrap();
    }
}
