//! The date tokenizer: a value split into numbers, month and weekday names (English, German,
//! French), AM/PM, zones and separators, in a fixed array (no allocation but for words).

/// A token of a date value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    /// A run of digits: its value and how many digits it had (`04` is 4 with 2 digits).
    Num(u64, u8),
    Month(u8),
    Weekday,
    Am,
    Pm,
    /// `Z`, `UTC`, `GMT`.
    Utc,
    /// ISO's date/time separator.
    T,
    /// One ASCII punctuation character.
    Sep(u8),
    /// One or more spaces.
    Space,
}

const MAX_TOKENS: usize = 24;

/// Fixed-size token list: dates are short, so no allocation.
pub(super) struct Toks {
    pub(super) items: [Tok; MAX_TOKENS],
    pub(super) len: usize,
}

impl Toks {
    fn push(&mut self, tok: Tok) -> Option<()> {
        if self.len == MAX_TOKENS {
            return None;
        }
        self.items[self.len] = tok;
        self.len += 1;
        Some(())
    }
}

/// Splits a date into tokens; `None` for a word that is no month, weekday, AM/PM or zone.
pub(super) fn tokenize(value: &str) -> Option<Toks> {
    let mut toks = Toks {
        items: [Tok::Space; MAX_TOKENS],
        len: 0,
    };
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            let start = i;
            let mut n: u64 = 0;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                n = n.checked_mul(10)?.checked_add(u64::from(bytes[i] - b'0'))?;
                i += 1;
            }
            let len = u8::try_from(i - start).ok()?;
            toks.push(Tok::Num(n, len))?;
        } else if b == b' ' || b == b'\t' || value[i..].starts_with('\u{a0}') {
            // Excel writes a no-break space between date and time in some locales.
            while i < bytes.len() {
                if bytes[i] == b' ' || bytes[i] == b'\t' {
                    i += 1;
                } else if value[i..].starts_with('\u{a0}') {
                    i += 2;
                } else {
                    break;
                }
            }
            if toks.len > 0 && toks.items[toks.len - 1] != Tok::Space {
                toks.push(Tok::Space)?;
            }
        } else if b.is_ascii_punctuation() {
            toks.push(Tok::Sep(b))?;
            i += 1;
        } else {
            // A word: letters, ASCII or not (März, févr, août).
            let start = i;
            let rest = &value[start..];
            let len: usize = rest
                .char_indices()
                .find(|(_, c)| !c.is_alphabetic())
                .map_or(rest.len(), |(at, _)| at);
            if len == 0 {
                return None; // a non-letter, non-ASCII character (NBSP handled above)
            }
            i += len;
            toks.push(word(&rest[..len])?)?;
        }
    }
    Some(toks)
}

/// Month and weekday names in English, German and French, lower-case.
#[rustfmt::skip]
const MONTHS: &[(&str, u8)] = &[
    ("jan", 1), ("january", 1), ("januar", 1), ("jän", 1), ("jänner", 1), ("janv", 1), ("janvier", 1),
    ("feb", 2), ("february", 2), ("februar", 2), ("fév", 2), ("févr", 2), ("février", 2), ("fevr", 2),
    ("mar", 3), ("march", 3), ("mär", 3), ("märz", 3), ("mrz", 3), ("mars", 3),
    ("apr", 4), ("april", 4), ("avr", 4), ("avril", 4),
    ("may", 5), ("mai", 5),
    ("jun", 6), ("june", 6), ("juni", 6), ("juin", 6),
    ("jul", 7), ("july", 7), ("juli", 7), ("juil", 7), ("juillet", 7),
    ("aug", 8), ("august", 8), ("août", 8), ("aoû", 8),
    ("sep", 9), ("sept", 9), ("september", 9), ("septembre", 9),
    ("oct", 10), ("october", 10), ("okt", 10), ("oktober", 10), ("octobre", 10),
    ("nov", 11), ("november", 11), ("novembre", 11),
    ("dec", 12), ("december", 12), ("dez", 12), ("dezember", 12), ("déc", 12), ("décembre", 12),
];

#[rustfmt::skip]
const WEEKDAYS: &[&str] = &[
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "mo", "di", "mi", "do", "fr", "sa",
    "so", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "lundi", "mardi",
    "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "tues", "thur", "thurs",
];

fn word(text: &str) -> Option<Tok> {
    if text.len() > 12 {
        return None;
    }
    let lower = text.to_lowercase(); // at most 12 bytes: a tiny allocation only for words
    let tok = match lower.as_str() {
        "am" => Tok::Am,
        "pm" => Tok::Pm,
        "z" | "utc" | "gmt" => Tok::Utc,
        "t" => Tok::T,
        w => {
            if let Some(&(_, m)) = MONTHS.iter().find(|(name, _)| *name == w) {
                Tok::Month(m)
            } else if WEEKDAYS.contains(&w) {
                Tok::Weekday
            } else {
                return None;
            }
        }
    };
    Some(tok)
}
