//! YAML or JSON text into one JSON value, with errors that name the file and line.
//!
//! YAML is read into YAML's own value first and converted: YAML allows map keys that JSON
//! does not (an unquoted `200:` is a number), and OpenAPI documents written by hand use them.

use serde_json::{Map, Number, Value};
use serde_norway::Value as Yaml;

use crate::SpecError;

/// Parses `text` as JSON when `origin` ends in `.json`, else as YAML (a superset of JSON).
pub(crate) fn parse(text: &str, origin: &str) -> Result<Value, SpecError> {
    if origin.to_ascii_lowercase().ends_with(".json") {
        serde_json::from_str(text).map_err(|e| SpecError::Syntax {
            place: format!("{origin}:{}:{}", e.line(), e.column()),
            message: strip_position(&e.to_string()).to_string(),
        })
    } else {
        let yaml: Yaml = serde_norway::from_str(text).map_err(|e| SpecError::Syntax {
            place: match e.location() {
                Some(l) => format!("{origin}:{}:{}", l.line(), l.column()),
                None => origin.to_string(),
            },
            message: strip_position(&e.to_string()).to_string(),
        })?;
        to_json(yaml, "").map_err(|(pointer, message)| SpecError::Shape {
            origin: origin.to_string(),
            pointer,
            message,
        })
    }
}

/// serde_json and serde_norway append " at line L column C"; the place is in front already.
fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

/// A YAML value as JSON. Scalar keys become strings; what JSON cannot hold (a tagged value, a
/// map or list as a key, a float that is not finite) is an error at its pointer.
fn to_json(yaml: Yaml, at: &str) -> Result<Value, (String, String)> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            number(&n).ok_or_else(|| (at.to_string(), format!("`{n}` is not a JSON number")))?
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| to_json(item, &format!("{at}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(map) => {
            let mut object = Map::new();
            for (key, value) in map {
                let key = key_text(&key).ok_or_else(|| {
                    (at.to_string(), "a map key that is not a scalar".to_string())
                })?;
                let value = to_json(value, &format!("{at}/{}", crate::escape(&key)))?;
                object.insert(key, value);
            }
            Value::Object(object)
        }
        Yaml::Tagged(tagged) => {
            return Err((
                at.to_string(),
                format!("YAML tag `{}` has no meaning in OpenAPI", tagged.tag),
            ));
        }
    })
}

fn number(n: &serde_norway::Number) -> Option<Value> {
    if let Some(i) = n.as_i64() {
        Some(Value::Number(i.into()))
    } else if let Some(u) = n.as_u64() {
        Some(Value::Number(u.into()))
    } else {
        n.as_f64().and_then(Number::from_f64).map(Value::Number)
    }
}

fn key_text(key: &Yaml) -> Option<String> {
    match key {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Null => Some("null".to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_status_keys_become_strings() {
        let v = parse("responses:\n  200: {description: ok}\n", "s.yaml").unwrap();
        assert_eq!(v["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn a_yaml_syntax_error_names_file_and_line() {
        let err = parse("openapi: 3.0.3\ninfo: [\n", "bad.yaml").unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("bad.yaml:"), "{message}");
        assert!(
            message.contains(":2:") || message.contains(":3:"),
            "{message}"
        );
    }

    #[test]
    fn a_json_syntax_error_names_file_line_and_column() {
        let err = parse("{\n \"a\": ,\n}", "x.json").unwrap_err();
        assert!(err.to_string().starts_with("x.json:2:"), "{err}");
    }

    #[test]
    fn a_tag_is_refused_at_its_pointer() {
        let err = parse("paths:\n  /a: !custom {}\n", "t.yaml").unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("#/paths/~1a") && message.contains("!custom"),
            "{message}"
        );
    }
}
