//! One word or phrase of a rule: how it is written, which text words it accepts, and the
//! automaton patterns that find its candidates.
//!
//! Syntax (see `docs/rules.md`): words and phrases, matched whole-word after normalisation;
//! a leading `=` turns inflections off (`=dos` does not match `doses`); a trailing `*` makes
//! the last word a prefix (`phish*`); a leading `*` finds a single word inside compounds:
//! `*lücke` ends a word (`Sicherheitslücke`), `*lücke*` is anywhere in one (`Sicherheitslücken`).

use std::collections::HashMap;
use std::sync::Arc;

use super::inflect::{forms, inflects, key_len, wildcard_key_len};
use super::normalize::{is_word_char, normalize, words};

/// Each distinct rule word's forms ([`forms`]), computed once and shared by every phrase and
/// rule holding the word.
pub(crate) type FormsOf = HashMap<String, Arc<[Box<str>]>>;

/// A parsed word or phrase; two patterns that parse equal match the same text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Pattern {
    /// Normalised words (lower case, NFKC).
    pub words: Vec<String>,
    /// Written with a leading `=`: no inflections.
    pub exact: bool,
    /// Written with a trailing `*`: the last word is a prefix.
    pub wildcard: bool,
    /// Written with a leading `*`: one word found inside longer words (compounds).
    pub inside: Inside,
}

/// How one word of a pattern is matched (see [`Pattern::checks_shared`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WordKind {
    /// The wildcard's last word: a prefix.
    Prefix,
    /// Written with `=`, or a word without inflections: as written.
    Exact,
    /// Any of its forms.
    Inflected,
}

/// Where a compound pattern (`*word`, `*word*`) may sit in a text word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Inside {
    /// Not a compound pattern: whole words (or a prefix, with `wildcard`).
    No,
    /// `*word`: the text word ends with the word (German and Dutch compounds end with their
    /// head: `Sicherheitslücke`, `datalek`).
    End,
    /// `*word*`: the word anywhere in a text word (`Sicherheitslücken`, `Phishingmails`).
    Anywhere,
}

/// How one word of a pattern checks a word of the text (lower-cased, normalised).
#[derive(Clone, Debug)]
pub(crate) enum WordCheck {
    /// Exactly this word.
    Exact(Box<str>),
    /// One of these forms (the word and its inflections), one list per distinct word,
    /// shared by every phrase that holds it (a rule set of ten thousand multilingual phrases
    /// had half a million forms as separate lists, 46 MiB).
    Forms(Arc<[Box<str>]>),
    /// Any word starting with this prefix.
    Prefix(Box<str>),
}

impl WordCheck {
    /// Whether the text word `raw` is accepted. `raw` is either original ASCII text (any case)
    /// or normalised text (already lower case), hence the ASCII-case-insensitive comparison.
    #[inline]
    pub fn accepts(&self, raw: &[u8]) -> bool {
        match self {
            WordCheck::Exact(w) => raw.eq_ignore_ascii_case(w.as_bytes()),
            WordCheck::Forms(forms) => forms.iter().any(|f| raw.eq_ignore_ascii_case(f.as_bytes())),
            WordCheck::Prefix(p) => {
                raw.len() >= p.len() && raw[..p.len()].eq_ignore_ascii_case(p.as_bytes())
            }
        }
    }
}

/// Shortest prefix a wildcard accepts, in characters: `ip*` would match far too much.
pub(crate) const MIN_WILDCARD_CHARS: usize = 3;

impl Pattern {
    /// Parses a word or phrase as written in a rules file; the error says what is wrong.
    pub fn parse(written: &str) -> Result<Pattern, String> {
        let mut text = written.trim();
        let exact = text.starts_with('=');
        if exact {
            text = text[1..].trim_start();
        }
        let compound = text.starts_with('*');
        if compound {
            text = &text[1..];
            if exact {
                return Err("`=` and a leading `*` do not go together".into());
            }
        }
        let wildcard = text.ends_with('*');
        if wildcard {
            text = &text[..text.len() - 1];
            if text.ends_with(|c: char| !is_word_char(c)) {
                return Err("`*` must follow a word directly, as in `phish*`".into());
            }
        }
        if text.contains('*') {
            return Err(
                "`*` is only allowed at the end (`phish*`) or around one word (`*lücke*`)".into(),
            );
        }
        if exact && wildcard {
            return Err("`=` (no inflections) and a trailing `*` do not go together".into());
        }
        let norm = normalize(text);
        let words: Vec<String> = words(&norm).map(|(s, e)| norm[s..e].to_string()).collect();
        let Some(last) = words.last() else {
            return Err("has no letters or digits to match".into());
        };
        if wildcard && last.chars().count() < MIN_WILDCARD_CHARS {
            return Err(format!(
                "the prefix before `*` needs at least {MIN_WILDCARD_CHARS} letters"
            ));
        }
        let inside = match (compound, wildcard) {
            (false, _) => Inside::No,
            (true, _) if words.len() != 1 || text.starts_with(|c: char| !is_word_char(c)) => {
                return Err(
                    "a leading `*` needs one word right after it, as in `*lücke` or `*lücke*`"
                        .into(),
                )
            }
            (true, _) if last.chars().count() < MIN_WILDCARD_CHARS => {
                return Err(format!(
                    "the word after `*` needs at least {MIN_WILDCARD_CHARS} letters"
                ))
            }
            (true, false) => Inside::End,
            (true, true) => Inside::Anywhere,
        };
        Ok(Pattern {
            words,
            exact,
            wildcard: wildcard && inside == Inside::No,
            inside,
        })
    }

    /// The check of each word, in order.
    #[cfg(test)]
    pub fn checks(&self) -> Vec<WordCheck> {
        self.checks_shared(&mut HashMap::new())
    }

    /// The words whose forms [`Pattern::checks`] and [`Pattern::automaton_patterns`] need:
    /// the ones that inflect, wildcard prefixes and exact words aside.
    pub fn inflecting_words(&self) -> impl Iterator<Item = &str> {
        let whole_words = self.inside == Inside::No;
        self.word_kinds()
            .filter(move |&(kind, _)| whole_words && kind == WordKind::Inflected)
            .map(|(_, w)| w)
    }

    /// Each word with how it is matched: the one place that says which words are a prefix,
    /// which are taken as written and which inflect.
    fn word_kinds(&self) -> impl Iterator<Item = (WordKind, &str)> {
        let n = self.words.len();
        self.words.iter().enumerate().map(move |(i, w)| {
            let kind = if self.wildcard && i + 1 == n {
                WordKind::Prefix
            } else if self.exact || !inflects(w) {
                WordKind::Exact
            } else {
                WordKind::Inflected
            };
            (kind, w.as_str())
        })
    }

    /// [`Pattern::checks`], the forms of each word shared through `forms_of` (word -> forms).
    pub fn checks_shared(&self, forms_of: &mut FormsOf) -> Vec<WordCheck> {
        self.word_kinds()
            .map(|(kind, w)| match kind {
                WordKind::Prefix => WordCheck::Prefix(w.into()),
                WordKind::Exact => WordCheck::Exact(w.into()),
                WordKind::Inflected => {
                    let shared = forms_of
                        .entry(w.to_string())
                        .or_insert_with(|| forms(w).into_iter().map(Into::into).collect());
                    WordCheck::Forms(shared.clone())
                }
            })
            .collect()
    }

    /// The automaton patterns: ` key1 key2 ` for every combination of the keys of the words'
    /// forms (a wildcard ends with its key prefix and no space). Fails with the number of
    /// combinations when there would be more than `max`. None for a compound pattern, which
    /// is found among the text's literals instead (see `Matcher::scan`).
    #[cfg(test)]
    pub fn automaton_patterns(&self, max: usize) -> Result<Vec<Vec<u8>>, usize> {
        self.automaton_patterns_with(max, &FormsOf::new())
    }

    /// [`Pattern::automaton_patterns`], taking the words' forms from `forms_of` where it
    /// has them (the rule set's builder computes each distinct word's forms once).
    pub fn automaton_patterns_with(
        &self,
        max: usize,
        forms_of: &FormsOf,
    ) -> Result<Vec<Vec<u8>>, usize> {
        if self.inside != Inside::No {
            return Ok(Vec::new());
        }
        let n = self.words.len();
        let keys: Vec<Vec<String>> = self
            .word_kinds()
            .map(|(kind, w)| {
                let key = |f: &str| f[..key_len(f.as_bytes())].to_string();
                let mut keys: Vec<String> = match kind {
                    WordKind::Prefix => vec![w[..wildcard_key_len(w.as_bytes())].to_string()],
                    WordKind::Exact => vec![key(w)],
                    WordKind::Inflected => match forms_of.get(w) {
                        Some(shared) => shared.iter().map(|f| key(f)).collect(),
                        None => forms(w).iter().map(|f| key(f)).collect(),
                    },
                };
                keys.sort_unstable();
                keys.dedup();
                keys
            })
            .collect();
        let count = keys
            .iter()
            .try_fold(1usize, |acc, k| acc.checked_mul(k.len()));
        match count {
            Some(c) if c <= max => {}
            other => return Err(other.unwrap_or(usize::MAX)),
        }
        let mut out: Vec<Vec<u8>> = vec![vec![b' ']];
        for (i, word_keys) in keys.iter().enumerate() {
            let last = i + 1 == n;
            out = out
                .iter()
                .flat_map(|prefix| {
                    word_keys.iter().map(move |k| {
                        let mut p = prefix.clone();
                        p.extend_from_slice(k.as_bytes());
                        if !(last && self.wildcard) {
                            p.push(b' ');
                        }
                        p
                    })
                })
                .collect();
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_split_on_punctuation_and_fold_case() {
        let p = Pattern::parse("  Reverse-Engineering ").unwrap();
        assert_eq!(p.words, ["reverse", "engineering"]);
        assert!(!p.exact && !p.wildcard);
        assert!(Pattern::parse("=DoS").unwrap().exact);
        assert!(Pattern::parse("phish*").unwrap().wildcard);
    }

    #[test]
    fn malformed_patterns_say_why() {
        assert!(Pattern::parse("ph*sh")
            .unwrap_err()
            .contains("only allowed at the end"));
        assert!(Pattern::parse("phish *")
            .unwrap_err()
            .contains("follow a word"));
        assert!(Pattern::parse("ip*").unwrap_err().contains("at least 3"));
        assert!(Pattern::parse(" -- ").unwrap_err().contains("no letters"));
        assert!(Pattern::parse("=phish*").is_err());
        assert!(Pattern::parse("*sicherheits lücke")
            .unwrap_err()
            .contains("one word"));
        assert!(Pattern::parse("* lücke").unwrap_err().contains("one word"));
        assert!(Pattern::parse("*ab*").unwrap_err().contains("at least 3"));
        assert!(Pattern::parse("=*lücke").is_err());
        assert!(Pattern::parse("*lü*cke")
            .unwrap_err()
            .contains("around one word"));
    }

    #[test]
    fn a_leading_star_makes_a_compound_pattern() {
        let p = Pattern::parse("*Lücke").unwrap();
        assert_eq!(
            (p.words.as_slice(), p.inside),
            (&["lücke".to_string()][..], Inside::End)
        );
        let p = Pattern::parse("*lücke*").unwrap();
        assert_eq!(p.inside, Inside::Anywhere);
        assert!(!p.wildcard);
        assert_eq!(p.automaton_patterns(10), Ok(Vec::new()));
        assert_eq!(Pattern::parse("phish*").unwrap().inside, Inside::No);
    }

    #[test]
    fn automaton_patterns_are_space_delimited_keys() {
        let p = Pattern::parse("restore from backup").unwrap();
        let pats = p.automaton_patterns(100).unwrap();
        assert!(pats.contains(&b" restor from backup ".to_vec()), "{pats:?}");
        let p = Pattern::parse("credential stuff*").unwrap();
        assert!(p
            .automaton_patterns(100)
            .unwrap()
            .iter()
            .all(|k| !k.ends_with(b" ")));
        assert_eq!(p.automaton_patterns(0), Err(1));
    }

    #[test]
    fn checks_accept_forms_and_prefixes_only() {
        let checks = Pattern::parse("scan").unwrap().checks();
        assert!(checks[0].accepts(b"Scanning"));
        assert!(!checks[0].accepts(b"scandal"));
        let checks = Pattern::parse("phish*").unwrap().checks();
        assert!(checks[0].accepts(b"PHISHERS") && !checks[0].accepts(b"phi"));
        let checks = Pattern::parse("=dos").unwrap().checks();
        assert!(checks[0].accepts(b"DoS") && !checks[0].accepts(b"doses"));
    }
}
