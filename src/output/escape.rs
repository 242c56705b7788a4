//! Escaping ticket text for the places it ends up.
//!
//! Ticket subjects, queue names and column values come from whoever wrote to the ticket
//! system, so each output defuses them: spreadsheets would run `=HYPERLINK(...)` as a formula
//! (CSV and Markdown cells, see [`neutralize_formula`]), terminals would obey escape sequences
//! ([`terminal`]), and browsers would run `<img onerror=...>` ([`html`]).

use std::borrow::Cow;

/// Prefixes `'` to a cell a spreadsheet would evaluate: one starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return (the OWASP CSV-injection list). Other cells are returned as is.
///
/// Apply it to text cells only: our own numbers (such as `-3` for a decrease) are not formulas
/// and must stay numbers.
pub fn neutralize_formula(cell: &str) -> Cow<'_, str> {
    match cell.starts_with(FORMULA_STARTS) {
        true => Cow::Owned(format!("'{cell}")),
        false => Cow::Borrowed(cell),
    }
}

/// What makes a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The inverse of [`neutralize_formula`], for reading back a file the tool wrote (a review
/// file's ids): the leading `'` is taken off only where `neutralize_formula` put it.
pub fn unguard_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// Replaces control characters (C0 including tab and newline, DEL, C1, so every ANSI escape
/// introducer) and bidirectional overrides with U+FFFD, for one-line terminal display.
pub fn terminal(text: &str) -> Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if unsafe_char(c) { '\u{fffd}' } else { c })
            .collect(),
    )
}

/// Escapes `&`, `<`, `>`, `"` and `'` so text is shown as text in HTML content and in quoted
/// attribute values.
pub fn html(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unguarding_takes_off_only_the_guard() {
        for cell in ["-17", "=1+1", "@x", "\tx", "plain", "'quoted", ""] {
            assert_eq!(unguard_formula(&neutralize_formula(cell)), cell);
        }
        assert_eq!(unguard_formula("'abc"), "'abc");
    }

    #[test]
    fn cells_a_spreadsheet_would_evaluate_get_a_quote_prefix() {
        for cell in ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralize_formula(cell), format!("'{cell}"));
        }
        for cell in ["", "SEC-12", "a=b", "6.3 Artifact analysis"] {
            assert!(
                matches!(neutralize_formula(cell), Cow::Borrowed(_)),
                "{cell}"
            );
        }
    }

    #[test]
    fn terminal_text_loses_escape_sequences_and_bidi_overrides() {
        assert_eq!(
            terminal("ok \u{1b}[31mred\u{7}"),
            "ok \u{fffd}[31mred\u{fffd}"
        );
        assert_eq!(terminal("evil\u{202e}fdp.exe"), "evil\u{fffd}fdp.exe");
        assert!(matches!(terminal("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn markup_in_ticket_text_is_shown_as_text() {
        assert_eq!(
            html("<img src=x onerror=alert(1)> & \"'"),
            "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;&#39;"
        );
        assert!(matches!(html("plain"), Cow::Borrowed(_)));
    }
}
