//! Terminal safety: ticket text is attacker-controlled, so nothing from it reaches a terminal
//! with its control characters (ANSI escapes could rewrite the screen or the title bar).
//! The one implementation is the library's [`terminal`]; this module adds the multi-line form
//! that diagnostics need.

use std::borrow::Cow;

use csirt_tagger::output::escape::terminal;

/// Replaces control characters (C0 including tab and newline, DEL, C1, and so every ANSI
/// escape introducer) and bidirectional overrides with `\u{fffd}`, for one-line display.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    terminal(text)
}

/// Like [`sanitize`] for multi-line messages (diagnostics): newlines stay, every other
/// control character goes.
pub fn sanitize_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| sanitize(line))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_go_but_the_lines_of_a_message_stay() {
        assert_eq!(
            sanitize("ok \u{1b}[31mred\u{7}"),
            "ok \u{fffd}[31mred\u{fffd}"
        );
        assert_eq!(
            sanitize_lines("a.csv:2:1: warning: \u{1b}]0;pwned\u{7}\n  hint: x"),
            "a.csv:2:1: warning: \u{fffd}]0;pwned\u{fffd}\n  hint: x"
        );
    }
}
