//! Terminal safety: ticket text is attacker-controlled, so nothing from it reaches a terminal
//! with its control characters (ANSI escapes could rewrite the screen or the title bar).

use std::borrow::Cow;

/// Replaces control characters (C0 including tab and newline, DEL, C1, and so every ANSI
/// escape introducer) and bidirectional overrides with `\u{fffd}`, for one-line display.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_unsafe(c) { '\u{fffd}' } else { c })
            .collect(),
    )
}

/// Like [`sanitize`] for multi-line messages (diagnostics): newlines stay, every other
/// control character goes.
pub fn sanitize_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| sanitize(line))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_overrides_are_neutralised() {
        assert_eq!(
            sanitize("ok \u{1b}[31mred\u{7}"),
            "ok \u{fffd}[31mred\u{fffd}"
        );
        assert_eq!(sanitize("evil\u{202e}fdp.exe"), "evil\u{fffd}fdp.exe");
        assert!(matches!(sanitize("plain text"), Cow::Borrowed(_)));
    }
}
