//! YAML cassettes read as JSON documents, tags included. Ruby VCR's YAML (Psych) writes a body
//! that is not valid text in its encoding as `string: !binary |` followed by base64; that is
//! read here as the `base64_string` Ruby VCR writes in its place today, so that the gate checks
//! the body's bytes and `scrub` writes it back in that form. Any other tag is refused, naming
//! it and where: its value would be read as something it is not. YAML's own `!!binary` is
//! refused too, naming its line: the YAML reader resolves it to its base64 text and leaves no
//! trace of the tag, so the base64 would be checked (and scrubbed) as if it were the body.

use serde_json::{Map, Number, Value};
use serde_norway::value::TaggedValue;

use super::NotACassette;

/// The field a VCR body keeps its text in, and the one its base64 goes in.
const TEXT: &str = "string";
/// See [`TEXT`].
const BASE64: &str = "base64_string";

/// `text` (YAML) as a JSON document: a `string: !binary` body as its `base64_string`; any other
/// tag, YAML's `!!binary` among them, refused with its place.
pub(crate) fn document(text: &str) -> Result<Value, NotACassette> {
    if let Some(line) = core_binary_line(text) {
        return Err(NotACassette::Syntax {
            message: format!(
                "line {line}: a `!!binary` node, whose base64 the YAML reader would read as the \
                 text itself; write the body as Ruby VCR does (`base64_string`)"
            ),
            at: None,
        });
    }
    let yaml: serde_norway::Value =
        serde_norway::from_str(text).map_err(|e| NotACassette::Syntax {
            message: e.to_string(),
            at: None,
        })?;
    json(yaml, &mut Vec::new())
}

/// `value` as JSON; `path` is where it is, for an error.
fn json(value: serde_norway::Value, path: &mut Vec<String>) -> Result<Value, NotACassette> {
    use serde_norway::Value as Yaml;
    Ok(match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                path.push(i.to_string());
                out.push(json(item, path)?);
                path.pop();
            }
            Value::Array(out)
        }
        Yaml::Mapping(mapping) => {
            let mut out = Map::new();
            for (key, item) in mapping {
                let Yaml::String(key) = key else {
                    return Err(refused(path, "a mapping key that is not a string"));
                };
                path.push(key);
                let (key, item) = match item {
                    Yaml::Tagged(tagged) => field(path, *tagged)?,
                    item => (path[path.len() - 1].clone(), json(item, path)?),
                };
                path.pop();
                out.insert(key, item);
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => return Err(tag_refused(path, &tagged)),
    })
}

/// The field a tagged value at `path` (whose last step is its key) becomes: a body's
/// `string: !binary` its `base64_string`; any other tag is refused.
fn field(path: &[String], tagged: TaggedValue) -> Result<(String, Value), NotACassette> {
    let key = path.last().map(String::as_str).unwrap_or_default();
    match (&tagged.value, key) {
        (serde_norway::Value::String(base64), TEXT) if tagged.tag == "binary" => {
            Ok((BASE64.to_string(), Value::String(base64.clone())))
        }
        _ => Err(tag_refused(path, &tagged)),
    }
}

/// A YAML number as JSON's (a NaN or an infinity, which JSON has not, as `null`, as the YAML
/// reader's own conversion makes it).
fn number(n: &serde_norway::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or(Value::Null, Value::Number)
    }
}

fn tag_refused(path: &[String], tagged: &TaggedValue) -> NotACassette {
    let why = format!(
        "a YAML tag `{}`: its value would be read as something it is not (only a body's \
         `string: !binary` is read, as its base64)",
        tagged.tag
    );
    refused(path, &why)
}

fn refused(path: &[String], why: &str) -> NotACassette {
    NotACassette::Syntax {
        message: why.to_string(),
        at: Some(path.join(".")).filter(|p| !p.is_empty()),
    }
}

/// The line (from 1) of the first `!!binary` tag in `text`: one that starts a node (after white
/// space, `[`, `{`, `,` or `-`, or at the start of a line). Text inside a quoted scalar that
/// happens to start so is taken for one too: the file is then refused where it could have been
/// read, never misread.
fn core_binary_line(text: &str) -> Option<usize> {
    text.lines().enumerate().find_map(|(n, line)| {
        line.match_indices("!!binary").find_map(|(at, _)| {
            let before = line[..at].chars().next_back();
            let starts = before.is_none_or(|c| c.is_whitespace() || "[{,-".contains(c));
            starts.then_some(n + 1)
        })
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a panic is a failure

    use super::*;
    use serde_json::json;

    #[test]
    fn a_binary_body_becomes_its_base64_string_and_the_rest_reads_as_json() {
        let text = "a:\n  body:\n    encoding: ASCII-8BIT\n    string: !binary |-\n      e30=\n  \
                    n: [1, -2, 3.5, true, null, '7']\n";
        let doc = document(text).unwrap();
        assert_eq!(
            doc,
            json!({"a": {"body": {"encoding": "ASCII-8BIT", "base64_string": "e30="},
                "n": [1, -2, 3.5, true, null, "7"]}})
        );
    }

    #[test]
    fn any_other_tag_is_refused_where_it_is() {
        let refused = |text: &str| document(text).unwrap_err().to_string();
        let other = refused("a:\n  - b: !ruby/string x\n");
        assert!(
            other.contains("tag `!ruby/string`") && other.contains("(at `a.0.b`)"),
            "{other}"
        );
        let elsewhere = refused("a:\n  body: !binary e30=\n");
        assert!(
            elsewhere.contains("tag `!binary`") && elsewhere.contains("a.body"),
            "{elsewhere}"
        );
        let in_a_list = refused("a: [!binary e30=]\n");
        assert!(in_a_list.contains("(at `a.0`)"), "{in_a_list}");
        let core = refused("a:\n  body:\n    string: !!binary |\n      e30=\n");
        assert!(core.starts_with("line 3: a `!!binary` node"), "{core}");
        let key = refused("? [1]\n: x\n");
        assert!(key.contains("not a string"), "{key}");
    }

    #[test]
    fn binary_written_inside_text_is_not_a_tag() {
        assert_eq!(core_binary_line("a: 'x!!binary'\nb: c!!binary\n"), None);
        assert_eq!(core_binary_line("a: b\n- !!binary x\n"), Some(2));
    }
}
