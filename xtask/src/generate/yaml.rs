//! A JSON value written as YAML that every YAML reader reads back as the same JSON: the
//! generated release specs (`openapi/<release>.yaml`).
//!
//! Why not `serde_norway::to_string`: it writes YAML 1.2, where `2022-01-24T14:15:22.003` or
//! `on` are plain strings, but YAML 1.1 readers (PyYAML, which `openapi-spec-validator` and
//! `openapi-core` use) read such plain scalars as a timestamp or a boolean. Here a string is
//! written plain only when it cannot be read as anything but that string, and double-quoted
//! (JSON's escapes are YAML's) otherwise; a string of several lines is a literal block when its
//! lines allow one. The output is deterministic: keys in the value's order.

use serde_json::Value;

/// `value` as a YAML document.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => block_map(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => block_seq(items, 0, &mut out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn block_map(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&string(key));
        out.push(':');
        after_key(value, indent, out);
    }
}

fn block_seq(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first key on the dash's line, the others under it.
                let mut first = true;
                for (key, value) in map {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(&string(key));
                    out.push(':');
                    after_key(value, indent + 2, out);
                }
            }
            other => after_key(other, indent, out),
        }
    }
}

/// What follows `key:` (or `-`): a nested block on the next lines, or a scalar on this one.
fn after_key(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            block_map(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            block_seq(items, indent + 2, out);
        }
        Value::String(text) if literal_block(text) => {
            let chomp = if text.ends_with('\n') { "" } else { "-" };
            out.push_str(&format!(" |{chomp}\n"));
            for line in text.trim_end_matches('\n').split('\n') {
                if !line.is_empty() {
                    out.push_str(&" ".repeat(indent + 2));
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

/// A string as a plain scalar when that is safe, else double-quoted.
fn string(text: &str) -> String {
    if plain(text) {
        text.to_string()
    } else {
        // JSON's string escapes are valid in a YAML double-quoted scalar.
        Value::String(text.to_string()).to_string()
    }
}

/// Whether `text` written plain reads back as this string in YAML 1.1 and 1.2: it starts with
/// a letter, holds only characters that mean nothing to YAML, and is none of the words YAML
/// 1.1 reads as a boolean or null.
fn plain(text: &str) -> bool {
    const WORDS: [&str; 13] = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "nan", "inf", "nil", "~",
    ];
    let mut chars = text.chars();
    let starts = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest = text.chars().all(|c| {
        c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | '/' | '(' | ')' | ',')
    });
    starts
        && rest
        && !text.ends_with(' ')
        && !text.contains(" #")
        && !WORDS.contains(&text.to_ascii_lowercase().as_str())
}

/// Whether `text` can be a literal block: several lines, none with trailing spaces, tabs or
/// control characters, the first not indented (a literal block's indentation comes from its
/// first line), and no blank lines at its end but the one a trailing newline makes.
fn literal_block(text: &str) -> bool {
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.contains('\n')
        && !body.ends_with('\n')
        && !body.starts_with(' ')
        && body
            .split('\n')
            .all(|line| !line.ends_with(' ') && !line.chars().any(|c| c.is_control()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_yaml_1_1_would_retype_is_quoted_and_the_rest_is_plain() {
        let doc = json!({"a": "2022-01-24T14:15:22.003", "b": "on", "c": "No", "d": "plain text",
            "e": "", "f": "100", "g": "a: b", "h": "#x", "i": 12, "j": true, "k": null,
            "l": "x #y", "m": "/path/{id}", "n": ["IMPORT", "EXPORT"]});
        let text = to_string(&doc);
        assert_eq!(
            text,
            "a: \"2022-01-24T14:15:22.003\"\nb: \"on\"\nc: \"No\"\nd: plain text\ne: \"\"\n\
             f: \"100\"\ng: \"a: b\"\nh: \"#x\"\ni: 12\nj: true\nk: null\nl: \"x #y\"\n\
             m: \"/path/{id}\"\n\"n\":\n  - IMPORT\n  - EXPORT\n"
        );
        let back: Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn nesting_lists_of_objects_and_multi_line_text_read_back_the_same() {
        let doc = json!({"paths": {"/x": {"get": {"parameters": [
                {"name": "id", "in": "path", "schema": {"type": "string"}},
                {"name": "q", "in": "query"}],
            "description": "Line one.\n\nLine two:\n  indented\n",
            "summary": "No newline\nat the end",
            "odd": " leading space\nx", "empty": {}, "none": []}}}});
        let text = to_string(&doc);
        let back: Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(back, doc, "{text}");
        assert!(text.contains("description: |\n"), "{text}");
        assert!(text.contains("summary: |-\n"), "{text}");
    }
}
