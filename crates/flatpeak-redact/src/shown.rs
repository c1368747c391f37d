//! Text from a recording or a server, made safe to print: a report line, an error message or a
//! file name may quote what a cassette or an answer held, and an ESC sequence in it would drive
//! the reader's terminal, a newline forge a line of its own, and U+202E reorder what it shows.

/// `text` with its control characters and bidirectional-text controls escaped as Rust escapes
/// them (`\n`, `\u{1b}`, `\u{202e}`); everything else is kept.
///
/// ```
/// assert_eq!(
///     flatpeak_redact::terminal_safe("text/html\u{1b}[2J\nforged \u{202e}é ✓"),
///     "text/html\\u{1b}[2J\\nforged \\u{202e}é ✓"
/// );
/// ```
pub fn terminal_safe(text: &str) -> String {
    if !text.chars().any(unsafe_to_show) {
        return text.to_string();
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if c.is_control() => safe.extend(c.escape_debug()),
            c if unsafe_to_show(c) => safe.extend(c.escape_unicode()),
            c => safe.push(c),
        }
    }
    safe
}

/// A control character, a line or paragraph separator (U+2028, U+2029: a line break to a
/// terminal), or a character that changes the direction text is shown in.
fn unsafe_to_show(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_escaped_and_the_rest_kept() {
        assert_eq!(
            terminal_safe("a\u{1b}[31mb\u{202e}c\n\u{200f}é ✓\u{7f}\u{85}\u{2028}"),
            "a\\u{1b}[31mb\\u{202e}c\\n\\u{200f}é ✓\\u{7f}\\u{85}\\u{2028}"
        );
        assert_eq!(terminal_safe("plain: text"), "plain: text");
    }
}
