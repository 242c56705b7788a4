//! Inflections: which text words a rule word matches, and the *keys* that let one automaton
//! find them all in a single pass.
//!
//! Two functions, kept apart on purpose:
//! - [`forms`] says exactly which words a rule word matches (`scan` -> `scans`, `scanned`,
//!   `scanning`, `scanner`...). It goes one way only: a longer rule word never matches a
//!   shorter text word (`letter` does not match `let`). This is what `docs/rules.md` documents.
//! - [`key_len`] cuts a word to a short *key* by stripping one common ending, on both sides.
//!   The automaton runs over the keys of the ticket's words and its patterns are the keys of
//!   the rule words' forms, so every form is found in one pass whatever its ending. Keys
//!   conflate more than forms do (`letter` and `let` share the key `let`), so every automaton
//!   hit is then verified against the exact forms. The key only decides speed, never results.

/// Shortest key: endings are stripped only when at least this many bytes remain.
pub(crate) const MIN_KEY: usize = 3;

/// Endings [`key_len`] strips, longest first (the first that applies wins).
const KEY_SUFFIXES: [&str; 16] = [
    "ments", "ment", "iers", "ions", "ier", "ies", "ied", "ing", "ion", "ers", "er", "ed", "es",
    "s", "y", "e",
];

/// Endings after which a doubled consonant is undoubled (`scann|ing` -> `scan`).
const UNDOUBLE_AFTER: [&str; 7] = ["ing", "ion", "ions", "ers", "er", "ed", "es"];

/// Endings after which a final `e` also goes (`restore|s` -> `restor`, like `restor|ed`).
const E_BEFORE: [&str; 3] = ["ments", "ment", "s"];

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

fn is_consonant(b: u8) -> bool {
    b.is_ascii_lowercase() && !is_vowel(b)
}

/// An ending [`key_len`] strips, with what else goes with it; grouped by last byte so that
/// a word is only compared with the endings it can have (this runs on every ticket word).
struct Ending {
    bytes: &'static [u8],
    undouble: bool,
    e_before: bool,
}

const fn ending(bytes: &'static [u8], undouble: bool, e_before: bool) -> Ending {
    Ending {
        bytes,
        undouble,
        e_before,
    }
}

/// The endings of [`KEY_SUFFIXES`] ending with byte `last`, in the same order.
fn endings(last: u8) -> &'static [Ending] {
    const S: &[Ending] = &[
        ending(b"ments", false, true),
        ending(b"iers", false, false),
        ending(b"ions", true, false),
        ending(b"ies", false, false),
        ending(b"ers", true, false),
        ending(b"es", true, false),
        ending(b"s", false, true),
    ];
    const T: &[Ending] = &[ending(b"ment", false, true)];
    const R: &[Ending] = &[ending(b"ier", false, false), ending(b"er", true, false)];
    const D: &[Ending] = &[ending(b"ied", false, false), ending(b"ed", true, false)];
    const G: &[Ending] = &[ending(b"ing", true, false)];
    const N: &[Ending] = &[ending(b"ion", true, false)];
    const Y: &[Ending] = &[ending(b"y", false, false)];
    const E: &[Ending] = &[ending(b"e", false, false)];
    match last {
        b's' => S,
        b't' => T,
        b'r' => R,
        b'd' => D,
        b'g' => G,
        b'n' => N,
        b'y' => Y,
        b'e' => E,
        _ => &[],
    }
}

/// Length of the key of a lower-case word: the word less one common ending (see
/// [`KEY_SUFFIXES`]), an undoubled final consonant and a final `e`, never shorter than
/// [`MIN_KEY`]. Always a prefix of the word, on a character boundary (only ASCII is cut).
#[inline]
pub(crate) fn key_len(w: &[u8]) -> usize {
    let n = w.len();
    if n <= MIN_KEY {
        return n;
    }
    for e in endings(w[n - 1]) {
        let len = e.bytes.len();
        if n < MIN_KEY + len || &w[n - len..] != e.bytes {
            continue;
        }
        let mut k = n - len;
        let before = w[k - 1];
        // `access`, `virus`, `analysis` are not plurals; `delay` keeps its vowel-y.
        if (e.bytes == b"s" && matches!(before, b's' | b'u' | b'i'))
            || (e.bytes == b"y" && !is_consonant(before))
        {
            continue;
        }
        let undouble = e.undouble
            && k > MIN_KEY
            && before == w[k - 2]
            && is_consonant(before)
            && !matches!(before, b'l' | b's' | b'z' | b'f');
        let drop_e = e.e_before && k > MIN_KEY && before == b'e';
        if undouble || drop_e {
            k -= 1;
        }
        return k;
    }
    n
}

/// Whether a rule word inflects: ASCII letters only, at least three of them.
pub(crate) fn inflects(word: &str) -> bool {
    word.len() >= 3 && word.bytes().all(|b| b.is_ascii_lowercase())
}

fn is_sibilant(w: &str) -> bool {
    ["s", "x", "z", "ch", "sh", "o"]
        .iter()
        .any(|e| w.ends_with(e))
}

/// Every word a rule word matches, itself included, sorted (the rules of `docs/rules.md`,
/// "Inflections").
///
/// A word that does not [`inflects`] matches only itself.
pub(crate) fn forms(w: &str) -> Vec<String> {
    let mut out = vec![w.to_string()];
    if !inflects(w) {
        return out;
    }
    let b = w.as_bytes();
    let n = b.len();
    let last = b[n - 1];
    let stem_y = (last == b'y' && is_consonant(b[n - 2])).then(|| &w[..n - 1]);
    let stem_e = (last == b'e').then(|| &w[..n - 1]);
    // Plural and third person.
    if let Some(stem) = stem_y {
        out.push(format!("{stem}ies"));
    } else if is_sibilant(w) {
        out.push(format!("{w}es"));
    } else {
        out.push(format!("{w}s"));
    }
    // Vowel endings: drop a final e, turn a consonant-y into i (but `copying`), or add as is.
    for ending in ["ed", "ing", "er", "ers", "ion", "ions"] {
        let form = match (stem_e, stem_y) {
            (Some(stem), _) => format!("{stem}{ending}"),
            (None, Some(_)) if ending == "ing" => format!("{w}ing"),
            (None, Some(_)) if ending.starts_with("io") => continue,
            (None, Some(stem)) => format!("{stem}i{ending}"),
            (None, None) => format!("{w}{ending}"),
        };
        out.push(form);
    }
    // A short final consonant doubles before a vowel ending: scan -> scanned, scanning.
    let doubles = n >= 3
        && is_consonant(last)
        && !matches!(last, b'w' | b'x' | b'y')
        && is_vowel(b[n - 2])
        && is_consonant(b[n - 3]);
    if doubles {
        for ending in ["ed", "ing", "er", "ers"] {
            out.push(format!("{w}{}{ending}", last as char));
        }
    }
    if stem_y.is_none() {
        out.push(format!("{w}ment"));
        out.push(format!("{w}ments"));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Length of the key prefix that every word starting with `prefix` has in its key: the
/// automaton pattern for a wildcard `prefix*`. Hits are then checked against the whole prefix.
///
/// A word starting with `prefix` keeps it whole in its key unless [`key_len`] cuts inside the
/// prefix, which it can only do at a position `k >= MIN_KEY` where the rest of the prefix
/// could begin an ending it strips (`encrypti*`: `encryption` has the key `encrypt`).
pub(crate) fn wildcard_key_len(prefix: &[u8]) -> usize {
    let n = prefix.len();
    (MIN_KEY..n)
        .find(|&k| {
            let rest = &prefix[k..];
            // The bytes a key cut at k removes: an ending, or a doubled consonant and an
            // ending, or an `e` and an ending. The prefix's rest must begin them.
            KEY_SUFFIXES.iter().any(|&s| {
                let ending = s.as_bytes();
                ending.starts_with(rest)
                    || (UNDOUBLE_AFTER.contains(&s)
                        && rest[0] == prefix[k - 1]
                        && ending.starts_with(&rest[1..]))
                    || (E_BEFORE.contains(&s) && rest[0] == b'e' && ending.starts_with(&rest[1..]))
            })
        })
        .unwrap_or(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(w: &str) -> &str {
        &w[..key_len(w.as_bytes())]
    }

    #[test]
    fn keys_strip_one_common_ending() {
        for (word, k) in [
            ("scan", "scan"),
            ("scanning", "scan"),
            ("scanners", "scan"),
            ("restore", "restor"),
            ("restores", "restor"),
            ("restorement", "restor"),
            ("policies", "polic"),
            ("policy", "polic"),
            ("access", "access"),
            ("accesses", "access"),
            ("virus", "virus"),
            ("ids", "ids"),
            ("kids", "kid"),
            ("installed", "install"),
            ("log4j", "log4j"),
        ] {
            assert_eq!(key(word), k, "{word}");
        }
    }

    #[test]
    fn the_endings_table_is_the_suffix_list_grouped_by_last_byte() {
        for s in KEY_SUFFIXES {
            let last = *s.as_bytes().last().unwrap();
            let e = endings(last)
                .iter()
                .find(|e| e.bytes == s.as_bytes())
                .expect("every suffix is in the table");
            assert_eq!(e.undouble, UNDOUBLE_AFTER.contains(&s), "{s}");
            assert_eq!(e.e_before, E_BEFORE.contains(&s), "{s}");
            let group: Vec<&str> = KEY_SUFFIXES
                .iter()
                .copied()
                .filter(|x| x.ends_with(last as char))
                .collect();
            let table: Vec<&str> = endings(last)
                .iter()
                .map(|e| std::str::from_utf8(e.bytes).unwrap())
                .collect();
            assert_eq!(group, table, "same order");
        }
    }

    #[test]
    fn forms_cover_plurals_and_common_endings() {
        let scan = forms("scan");
        for f in [
            "scan", "scans", "scanned", "scanning", "scanner", "scanners",
        ] {
            assert!(scan.contains(&f.to_string()), "{f}");
        }
        assert!(!scan.contains(&"scandal".to_string()));
        let restore = forms("restore");
        assert!(restore.contains(&"restored".into()) && restore.contains(&"restoring".into()));
        assert!(forms("policy").contains(&"policies".into()));
        assert!(forms("patch").contains(&"patches".into()));
        assert!(forms("contain").contains(&"containment".into()));
        assert!(forms("exfiltrate").contains(&"exfiltration".into()));
        assert_eq!(forms("letter").iter().filter(|f| f.len() < 6).count(), 0);
        assert_eq!(forms("log4j"), ["log4j"]);
        assert_eq!(forms("é"), ["é"]);
    }

    #[test]
    fn wildcard_keys_stop_where_an_ending_could_begin() {
        fn wk(p: &str) -> &str {
            &p[..wildcard_key_len(p.as_bytes())]
        }
        assert_eq!(wk("phish"), "phish");
        assert_eq!(wk("encrypti"), "encrypt");
        assert_eq!(wk("scann"), "scan");
        assert_eq!(wk("restore"), "restor");
    }

    proptest! {
        #[test]
        fn every_word_with_the_prefix_has_the_wildcard_key(
            prefix in "[a-z]{3,8}", tail in "[a-z]{0,7}",
        ) {
            let word = format!("{prefix}{tail}");
            let k = wildcard_key_len(prefix.as_bytes());
            prop_assert!(key(&word).starts_with(&prefix[..k]), "{word} {}", key(&word));
        }

        #[test]
        fn a_key_is_a_prefix_of_its_word_never_shorter_than_the_minimum(w in "[a-zé]{1,12}") {
            let k = key_len(w.as_bytes());
            prop_assert!(w.is_char_boundary(k));
            prop_assert!(k >= MIN_KEY.min(w.len()));
        }
    }
}
