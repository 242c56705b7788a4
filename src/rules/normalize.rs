//! Text normalisation and tokenisation, shared by rule patterns and ticket text so that both
//! sides of a match see the same words.
//!
//! Normalised text is NFKC, then lower case (Unicode default lower-casing, plus `ß` -> `ss` and
//! final `ς` -> `σ`, the two full case-folding differences that matter for words). Pure-ASCII
//! text, most ticket text, takes a fast path: lower-casing alone gives the same result, and byte
//! offsets are those of the original.
//!
//! A word is a maximal run of letters, digits and combining marks; everything else (spaces,
//! punctuation, `_`, symbols) separates words.
//!
//! Non-ASCII text is normalised one *segment* at a time (a starter character and the combining
//! marks after it), so that every byte of the normalised text can be traced back to the
//! segment it came from: offsets reported to users point into the original text.

use unicode_normalization::char::{canonical_combining_class, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

/// Where a run of normalised text came from: normalised bytes from `norm` on come from the
/// original segment starting at byte `orig` (up to the next segment's `orig`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seg {
    pub norm: u32,
    pub orig: u32,
}

/// Whether a character is part of a word.
#[inline]
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() || is_combining_mark(c)
    }
}

/// Appends the lower case of `c` to `out`, with the case-folding exceptions above.
#[inline]
fn push_folded(c: char, out: &mut String) {
    match c {
        'ß' | 'ẞ' => out.push_str("ss"),
        'ς' => out.push('σ'),
        c => out.extend(c.to_lowercase()),
    }
}

/// Normalises `text` into `out` (cleared first). When `segs` is given, records where each
/// normalised segment came from (only needed to report offsets, so the hot path skips it).
///
/// Texts longer than 4 GiB are not expected (offsets are kept as `u32`); the import caps
/// fields far below that.
pub(crate) fn normalize_into(text: &str, out: &mut String, mut segs: Option<&mut Vec<Seg>>) {
    out.clear();
    if let Some(s) = segs.as_deref_mut() {
        s.clear();
    }
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        // The segment: this character and the combining marks (non-starters) that follow.
        let mut end = start + c.len_utf8();
        while let Some(&(i, next)) = chars.peek() {
            if canonical_combining_class(next) == 0 {
                break;
            }
            end = i + next.len_utf8();
            chars.next();
        }
        if let Some(s) = segs.as_deref_mut() {
            s.push(Seg {
                norm: out.len() as u32,
                orig: start as u32,
            });
        }
        if end == start + 1 {
            out.push(c.to_ascii_lowercase()); // a lone ASCII character: nothing to compose
        } else {
            for n in text[start..end].nfkc() {
                push_folded(n, out);
            }
        }
    }
}

/// Normalises a short text (a rule pattern) into a new string.
pub(crate) fn normalize(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out, None);
    out
}

/// Maps a byte range of normalised text back to the original text, given the segments
/// recorded by [`normalize_into`]. A range that starts or ends inside a segment widens to
/// the whole segment (a ligature `ﬁ` matched by `f` reports the whole `ﬁ`).
pub(crate) fn to_original(
    segs: &[Seg],
    orig_len: usize,
    start: usize,
    end: usize,
) -> (usize, usize) {
    let seg_of = |at: usize| {
        segs.partition_point(|s| s.norm as usize <= at)
            .saturating_sub(1)
    };
    let first = seg_of(start);
    let last = seg_of(end.saturating_sub(1).max(start));
    let o_start = segs.get(first).map_or(0, |s| s.orig as usize);
    let o_end = segs.get(last + 1).map_or(orig_len, |s| s.orig as usize);
    (o_start, o_end.max(o_start))
}

/// The words of a normalised text, as byte ranges.
pub(crate) fn words(norm: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut iter = norm.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some(&(_, c)) = iter.peek() {
            if is_word_char(c) {
                break;
            }
            iter.next();
        }
        let (start, _) = *iter.peek()?;
        let mut end = start;
        while let Some(&(i, c)) = iter.peek() {
            if !is_word_char(c) {
                break;
            }
            end = i + c.len_utf8();
            iter.next();
        }
        Some((start, end))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(text: &str) -> Vec<String> {
        let norm = normalize(text);
        words(&norm).map(|(s, e)| norm[s..e].to_string()).collect()
    }

    #[test]
    fn ascii_text_is_only_lower_cased() {
        assert_eq!(
            normalize("Reverse-Engineering: DONE"),
            "reverse-engineering: done"
        );
    }

    #[test]
    fn compatibility_forms_and_case_fold_to_plain_lower_case() {
        assert_eq!(normalize("ﬁle"), "file");
        assert_eq!(normalize("ＰＨＩＳＨＩＮＧ"), "phishing");
        assert_eq!(normalize("Straße"), "strasse");
        assert_eq!(normalize("e\u{301}"), "é"); // decomposed é composes
    }

    #[test]
    fn punctuation_and_underscores_separate_words() {
        assert_eq!(
            words_of("IDS_alert, kids' (scan)"),
            ["ids", "alert", "kids", "scan"]
        );
        assert_eq!(words_of("CVE-2021-44228"), ["cve", "2021", "44228"]);
        assert_eq!(words_of("café résumé"), ["café", "résumé"]);
        assert!(words_of(" -- ").is_empty());
    }

    #[test]
    fn normalised_ranges_map_back_to_the_original_bytes() {
        let text = "Das ﬁle «Straße» scan";
        let mut norm = String::new();
        let mut segs = Vec::new();
        normalize_into(text, &mut norm, Some(&mut segs));
        for word in ["file", "strasse", "scan"] {
            let s = norm.find(word).unwrap();
            let (os, oe) = to_original(&segs, text.len(), s, s + word.len());
            let expected = match word {
                "file" => "ﬁle",
                "strasse" => "Straße",
                _ => "scan",
            };
            assert_eq!(&text[os..oe], expected);
        }
    }
}
