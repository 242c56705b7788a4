//! From a field's text to the automaton's input: its words, their keys, and a filter that
//! blanks the words no pattern can use.
//!
//! The automaton runs over ` key key key ` (see `inflect` for keys). Most words of a ticket
//! are in no rule, and a large automaton is slow on them because every byte is a jump to a
//! cold part of its table. So each word's key is first looked up in [`KeyFilter`], a small
//! bit set (8 KiB, it stays in cache) of the keys the patterns use; a word it rejects is
//! written as `#`, which no pattern contains, so it still separates the words of a phrase.
//! The filter may admit a word no pattern uses (a hash collision) but never rejects one a
//! pattern needs, so results do not depend on it.

use super::inflect::key_len;
use super::normalize::is_word_char;

/// Written for a run of words no pattern can use: not a key byte, so no pattern contains it.
const BLANK: u8 = b'#';

/// One word of a field: where its key is in the key buffer, where it is in the field.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub key: u32,
    pub start: u32,
    pub end: u32,
}

/// Bits per filter: 2^16, 8 KiB each.
const FILTER_BITS: u32 = 16;

/// The keys the automaton's patterns use (whole keys) and the key prefixes of wildcards, as
/// bit sets indexed by a hash.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct KeyFilter {
    words: Box<[u64]>,
    /// The first three bytes of the wildcard key prefixes (all have at least three): most
    /// words are turned away by this one lookup before any of `prefixes`.
    prefix3: Box<[u64]>,
    prefixes: Box<[u64]>,
    /// Distinct lengths of the wildcard key prefixes, ascending.
    prefix_lens: Vec<usize>,
}

#[inline]
fn hash(bytes: &[u8]) -> usize {
    // Keys are a few bytes: rotate-and-xor each in (no copy, no multiply per byte), then one
    // multiply to spread the bits over the top ones we keep.
    let mut h = bytes.len() as u64;
    for &b in bytes {
        h = h.rotate_left(7) ^ u64::from(b);
    }
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - FILTER_BITS)) as usize
}

#[inline]
fn has(bits: &[u64], h: usize) -> bool {
    bits[h >> 6] & (1 << (h & 63)) != 0
}

fn set(bits: &mut [u64], h: usize) {
    bits[h >> 6] |= 1 << (h & 63);
}

impl KeyFilter {
    /// The filter for a set of automaton patterns (` k1 k2 ` or, for a wildcard, ` k1 q`).
    pub fn from_patterns(patterns: &[Vec<u8>]) -> KeyFilter {
        let size = (1usize << FILTER_BITS) / 64;
        let mut filter = KeyFilter {
            words: vec![0; size].into(),
            prefix3: vec![0; size].into(),
            prefixes: vec![0; size].into(),
            prefix_lens: Vec::new(),
        };
        for pattern in patterns {
            let wildcard = !pattern.ends_with(b" ");
            let keys: Vec<&[u8]> = pattern[1..]
                .split(|&b| b == b' ')
                .filter(|k| !k.is_empty())
                .collect();
            for (i, key) in keys.iter().enumerate() {
                if wildcard && i + 1 == keys.len() {
                    set(&mut filter.prefixes, hash(key));
                    set(&mut filter.prefix3, hash(&key[..key.len().min(3)]));
                    if !filter.prefix_lens.contains(&key.len()) {
                        filter.prefix_lens.push(key.len());
                    }
                } else {
                    set(&mut filter.words, hash(key));
                }
            }
        }
        filter.prefix_lens.sort_unstable();
        filter
    }

    /// Whether a key may be used by a pattern (a whole key, or a wildcard's key prefix).
    #[inline]
    pub fn admits(&self, key: &[u8]) -> bool {
        has(&self.words, hash(key))
            || (key.len() >= 3
                && has(&self.prefix3, hash(&key[..3]))
                && self
                    .prefix_lens
                    .iter()
                    .take_while(|&&len| len <= key.len())
                    .any(|&len| has(&self.prefixes, hash(&key[..len]))))
    }
}

/// Writes ` key key key ` for the words of `src` into `key` (a run of words the filter rejects
/// as one `#`), and where each admitted word is into `tokens`, in order. `src` is ASCII text
/// (any case; `ascii` true) or normalised text (lower case). Returns whether the filter
/// admitted any word. A phrase's words are adjacent in the text exactly when their keys are
/// adjacent in `key`, so the tokens of a match are consecutive in `tokens`.
pub(super) fn tokenize(
    src: &str,
    ascii: bool,
    filter: &KeyFilter,
    key: &mut Vec<u8>,
    tokens: &mut Vec<Token>,
    mut sentences: Option<&mut Vec<u32>>,
) -> bool {
    key.clear();
    tokens.clear();
    if let Some(s) = sentences.as_deref_mut() {
        s.clear();
        s.push(0);
    }
    key.push(b' ');
    let bytes = src.as_bytes();
    let (mut last_start, mut last_end) = (0usize, 0usize);
    let mut push = |start: usize, end: usize| {
        let separators = &bytes[last_end..start];
        let next = if bytes[start].is_ascii() {
            char::from(bytes[start])
        } else {
            src[start..].chars().next().unwrap_or(' ')
        };
        let ends = last_end > 0 && sentence_end(&bytes[last_start..last_end], separators, next);
        // A sentence end between two words stops phrases there: a blank between their keys.
        if !tokens.is_empty() && ends {
            let k = key.len();
            if k < 2 || key[k - 2] != BLANK {
                key.extend_from_slice(&[BLANK, b' ']);
            }
        }
        // `near` reads sentences, which a line break also ends (a subject line, a list item).
        if let Some(s) = sentences.as_deref_mut() {
            if ends || last_end > 0 && memchr::memchr(b'\n', separators).is_some() {
                s.push(start as u32);
            }
        }
        (last_start, last_end) = (start, end);
        let k0 = key.len();
        key.extend(bytes[start..end].iter().map(u8::to_ascii_lowercase));
        let k = key_len(&key[k0..]);
        if filter.admits(&key[k0..k0 + k]) {
            key.truncate(k0 + k);
            key.push(b' ');
            tokens.push(Token {
                key: k0 as u32,
                start: start as u32,
                end: end as u32,
            });
        } else if k0 >= 2 && key[k0 - 2] == BLANK {
            key.truncate(k0); // one blank stands for a run of rejected words
        } else {
            key.truncate(k0);
            key.extend_from_slice(&[BLANK, b' ']);
        }
    };
    if ascii {
        // The hot loop: most ticket text is ASCII.
        let n = bytes.len();
        let mut i = 0;
        while i < n {
            while i < n && !bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let start = i;
            while i < n && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if i > start {
                push(start, i);
            }
        }
    } else {
        let mut start = None;
        for (i, c) in src.char_indices() {
            match (is_word_char(c), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    push(s, i);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            push(s, src.len());
        }
    }
    !tokens.is_empty()
}

/// Whether the separators between two words end a sentence: `!` or `?` before a space or a
/// line break, or an empty line; or `.` before a space or a line break, unless the word before
/// is a number (`1. Halbjahr`, `3. Quartal`) or the next word starts in lower case or with a
/// digit (`vs. last year`, `e.g. phishing`, `tydz. 3`). `security.txt`, `v1.2` and `e-mail`
/// do not. `previous` is the word before, `next` the first character of the word after.
#[inline]
fn sentence_end(previous: &[u8], separators: &[u8], next: char) -> bool {
    if separators.len() < 2 {
        return false;
    }
    let mut period = false;
    for w in separators.windows(2) {
        if w[1].is_ascii_whitespace() {
            match w[0] {
                b'!' | b'?' => return true,
                b'.' => period = true,
                b'\n' if w[1] == b'\n' => return true,
                _ => {}
            }
        }
    }
    if separators.windows(3).any(|w| w == b"\n\r\n") {
        return true;
    }
    period
        && !previous.iter().all(u8::is_ascii_digit)
        && !(next.is_lowercase() || next.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, patterns: &[&[u8]]) -> String {
        let filter =
            KeyFilter::from_patterns(&patterns.iter().map(|p| p.to_vec()).collect::<Vec<_>>());
        let (mut key, mut tokens) = (Vec::new(), Vec::new());
        tokenize(text, text.is_ascii(), &filter, &mut key, &mut tokens, None);
        String::from_utf8(key).unwrap()
    }

    #[test]
    fn words_become_keys_and_the_others_blanks() {
        let patterns: &[&[u8]] = &[b" scan ", b" revers engineer ", b" phish"];
        assert_eq!(
            keys("Port SCANS, reverse-engineering!", patterns),
            " # scan revers engineer "
        );
        assert_eq!(keys("phishing; the kids", patterns), " phish # ");
        assert_eq!(keys("Ünïcode scans", patterns), " # scan ");
        assert_eq!(
            keys("the kids scan the port scans", patterns),
            " # scan # scan "
        );
        assert_eq!(keys(" -- ", patterns), " ");
    }

    #[test]
    fn a_sentence_end_separates_the_keys_of_a_phrase() {
        let patterns: &[&[u8]] = &[b" revers engineer "];
        assert_eq!(keys("reverse engineering", patterns), " revers engineer ");
        assert_eq!(keys("reverse-\nengineering", patterns), " revers engineer ");
        assert_eq!(
            keys("reverse. Engineering", patterns),
            " revers # engineer "
        );
        assert_eq!(
            keys("reverse!\nengineering", patterns),
            " revers # engineer "
        );
        assert_eq!(
            keys("reverse\n\nengineering", patterns),
            " revers # engineer "
        );
        assert_eq!(
            keys("reverse\r\n\r\nengineering", patterns),
            " revers # engineer "
        );
        assert_eq!(keys("reverse.engineering", patterns), " revers engineer ");
        // One blank for a sentence end next to rejected words.
        assert_eq!(
            keys("reverse. The engineering", patterns),
            " revers # engineer "
        );
    }

    #[test]
    fn sentences_start_after_sentence_ends_and_line_breaks() {
        let filter = KeyFilter::from_patterns(&[b" ab ".to_vec()]);
        let (mut key, mut tokens, mut sentences) = (Vec::new(), Vec::new(), Vec::new());
        let text = "ab cd. Ef v1.2 gh\nij, kl";
        tokenize(
            text,
            true,
            &filter,
            &mut key,
            &mut tokens,
            Some(&mut sentences),
        );
        let starts: Vec<&str> = sentences.iter().map(|&s| &text[s as usize..]).collect();
        assert_eq!(starts, [text, "Ef v1.2 gh\nij, kl", "ij, kl"]);
    }

    #[test]
    fn token_offsets_are_those_of_the_text() {
        let filter = KeyFilter::from_patterns(&[b" ab ".to_vec(), " cdé ".as_bytes().to_vec()]);
        let (mut key, mut tokens) = (Vec::new(), Vec::new());
        let text = "ab, zz cdé";
        tokenize(text, false, &filter, &mut key, &mut tokens, None);
        let words: Vec<&str> = tokens
            .iter()
            .map(|t| &text[t.start as usize..t.end as usize])
            .collect();
        assert_eq!(words, ["ab", "cdé"]);
    }
}
