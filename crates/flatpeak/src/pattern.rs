//! A `pattern` from the spec, as every check of the crate matches it: a builder's `FromStr`
//! of a patterned type (the generator points typify's code here) and the wire check before
//! sending (`wire.rs`).
//!
//! Why two engines: the spec's patterns are ECMA-262 regular expressions, which `regress`
//! implements; but `regress` backtracks and allocates on every match, and the id pattern is
//! matched twice on every call (builder and wire), a fifth of what the client adds to a call
//! (BENCHMARKS.md, row 2). The `regex` crate's automata match the same patterns in about a
//! quarter of the time. Where the two dialects could read a pattern differently (`\d`, `\s`,
//! `\w` and `.` are ASCII in one and Unicode in the other; `[]`, `&&`, `--`, `~~` and nested
//! classes; a brace that is not exactly `{n}`, `{n,}` or `{n,m}`; flags; anything outside
//! ASCII), [`same_in_both`] says no and `regress` matches it; and a pattern `regress` refuses
//! (`a**`, which `regex` takes) is not matched by `regex` either. The ids', country and
//! currency codes' and clock times' patterns are in the shared part; a URL's `[^\s]` is not.

use std::sync::OnceLock;

/// A pattern from the spec, compiled on first use and kept.
#[doc(hidden)]
#[derive(Debug)]
pub struct Pattern {
    pub(crate) source: &'static str,
    compiled: OnceLock<Compiled>,
}

/// The engine a pattern was compiled with.
#[derive(Debug)]
enum Compiled {
    /// The pattern means the same in both dialects.
    Automaton(regex::Regex),
    /// Only ECMA-262 says what it means.
    Backtracking(regress::Regex),
    /// Neither engine compiles it.
    Broken,
}

impl Pattern {
    /// The pattern `source`, not yet compiled.
    pub const fn new(source: &'static str) -> Pattern {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `value` matches. A pattern that does not compile (none of the specs') checks
    /// nothing rather than refusing every request.
    pub(crate) fn matches(&self, value: &str) -> bool {
        match self.compiled.get_or_init(|| compile(self.source)) {
            Compiled::Automaton(regex) => regex.is_match(value),
            Compiled::Backtracking(regex) => regex.find(value).is_some(),
            Compiled::Broken => true,
        }
    }
}

fn compile(source: &str) -> Compiled {
    let Ok(backtracking) = regress::Regex::new(source) else {
        // Not ECMA-262 (`regex` may still take it, with a meaning of its own).
        return Compiled::Broken;
    };
    match same_in_both(source).then(|| regex::Regex::new(source)) {
        Some(Ok(automaton)) => Compiled::Automaton(automaton),
        _ => Compiled::Backtracking(backtracking),
    }
}

/// Whether `source` reads the same as an ECMA-262 pattern and as a `regex` one: ASCII, no
/// escapes, no `.`, no group other than `(` and `(?:`, every `{` a counted repetition written
/// tight (`regex` reads `{2, 3}` as one, ECMA-262 as text), and character classes that are
/// plain sets (no `]` first, no `[` inside, no `&&`, `--` or `~~`).
fn same_in_both(source: &str) -> bool {
    if !source.is_ascii() || source.contains(['\\', '.']) || source.contains("{,") {
        return false;
    }
    let bytes = source.as_bytes();
    let mut in_class = false;
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied();
        if in_class {
            match b {
                b'[' => return false,
                b'&' | b'-' | b'~' if next == Some(b) => return false,
                b']' => in_class = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'[' => {
                let first = if next == Some(b'^') { i + 2 } else { i + 1 };
                if bytes.get(first) == Some(&b']') {
                    return false;
                }
                in_class = true;
            }
            b'(' if next == Some(b'?') && bytes.get(i + 2) != Some(&b':') => return false,
            b'{' if !is_counted(&bytes[i + 1..]) => return false,
            _ => {}
        }
    }
    !in_class
}

/// Whether `after` (what follows a `{`) starts with `n}`, `n,}` or `n,m}` (digits only).
fn is_counted(after: &[u8]) -> bool {
    let digits = |from: usize| {
        after[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let first = digits(0);
    if first == 0 {
        return false;
    }
    match after.get(first) {
        Some(b'}') => true,
        Some(b',') => {
            let second = digits(first + 1);
            after.get(first + 1 + second) == Some(&b'}')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specs' patterns and others in the shared part, and values on both sides of each.
    const SHARED: &[(&str, &[&str])] = &[
        (
            "^[a-z]{2,4}_[A-Za-z0-9]+$",
            &[
                "dev_63a6087272941ef077a8fd3e",
                "dev_",
                "d_x",
                "devic_x",
                "dev_../x",
                "DEV_x",
            ],
        ),
        (
            "^([a-z]{2,4}_[A-Za-z0-9]+)?$",
            &["", "loc_1", "loc-1", "\u{e9}t_1"],
        ),
        ("^[A-Z]{2}$", &["GB", "gb", "GBR", "G", "\u{c9}S"]),
        ("^[A-Z]{3}$", &["GBP", "GB", "gbp"]),
        (
            "^(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]|24:00:00)$",
            &[
                "00:00:00", "23:59:59", "24:00:00", "24:00:01", "7:00:00", "12:60:00",
            ],
        ),
        ("(?:ab)+c", &["xababc", "ac", "abab"]),
        ("[^a-c]", &["abc", "abcd", "\u{1F600}"]),
    ];

    #[test]
    fn a_shared_pattern_gives_the_same_verdicts_in_both_engines() {
        for (source, values) in SHARED {
            assert!(same_in_both(source), "{source}");
            let automaton = regex::Regex::new(source).unwrap();
            let backtracking = regress::Regex::new(source).unwrap();
            for value in *values {
                assert_eq!(
                    automaton.is_match(value),
                    backtracking.find(value).is_some(),
                    "{source} on {value:?}"
                );
            }
            let pattern = Pattern::new(source);
            assert!(matches!(compile(source), Compiled::Automaton(_)));
            assert_eq!(pattern.matches(values[0]), automaton.is_match(values[0]));
        }
    }

    #[test]
    fn a_pattern_the_dialects_could_read_differently_is_matched_as_ecma_262() {
        let differ = [
            r"^\d+$",
            r"^[^\s]+$",
            "^a.c$",
            "[]a]",
            "[^]a]",
            "[a[b]]",
            "[a&&b]",
            "[a--b]",
            "[a~~b]",
            "a{,3}",
            "a{2, 3}",
            "a{ 2}",
            "a{2 }",
            "a{2,3",
            "a{x}",
            "(?i)abc",
            "(?=a)",
            "\u{e9}",
            "[a",
        ];
        for source in differ {
            assert!(!same_in_both(source), "{source}");
        }
        // A `\d` is ASCII in ECMA-262 (and `regex` would take an Arabic-Indic digit).
        let digits = Pattern::new(r"^\d+$");
        assert!(digits.matches("123"));
        assert!(!digits.matches("\u{663}"));
        assert!(matches!(compile(r"^\d+$"), Compiled::Backtracking(_)));
        // `[]a]` is an empty class then `a]` in ECMA-262: it matches nothing.
        assert!(!Pattern::new("[]a]").matches("a]"));
        // ECMA-262 reads `{4, 6}` as text; `regex` would read a repetition.
        let spaced = Pattern::new("^[0-9]{4, 6}$");
        assert!(!spaced.matches("1234"));
        assert!(spaced.matches("1{4, 6}"));
        assert!(same_in_both("^a{2}b{2,}c{2,3}$"));
    }

    #[test]
    fn a_pattern_neither_engine_compiles_checks_nothing() {
        assert!(matches!(compile("(["), Compiled::Broken));
        // `regex` takes a quantified quantifier; ECMA-262 does not, so neither is used.
        assert!(regex::Regex::new("^a**$").is_ok());
        assert!(matches!(compile("^a**$"), Compiled::Broken));
        assert!(Pattern::new("([").matches("anything"));
    }
}
