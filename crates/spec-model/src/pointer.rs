//! JSON pointers (RFC 6901) and local `$ref`s.

use serde_json::Value;

/// Escapes one JSON pointer token: `~` as `~0`, `/` as `~1`.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one JSON pointer token.
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `#/components/schemas/X` as the JSON pointer `/components/schemas/X` (percent-decoded, as a
/// URI fragment is). `None` for a reference that is not local.
pub fn local_pointer(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .ok()
        .map(|p| p.into_owned())
}

/// Follows a chain of local `$ref`s from `value`, found at pointer `at` of `doc`: the value
/// reached and its pointer. The error names the pointer of the `$ref` that cannot be followed.
pub fn follow<'d>(
    doc: &'d Value,
    value: &'d Value,
    at: &str,
) -> Result<(&'d Value, String), (String, String)> {
    let mut value = value;
    let mut at = at.to_string();
    // A bound instead of cycle detection: a chain this long is a cycle in practice.
    for _ in 0..32 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok((value, at));
        };
        let Some(pointer) = local_pointer(reference) else {
            return Err((
                at,
                format!("only local `$ref`s (`#/...`) are supported, found `{reference}`"),
            ));
        };
        let Some(target) = doc.pointer(&pointer) else {
            return Err((at, format!("`$ref` `{reference}` points at nothing")));
        };
        value = target;
        at = pointer;
    }
    Err((at, "the `$ref` chain does not end".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_escape_and_unescape() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(unescape("a~1b~0c"), "a/b~c");
        assert_eq!(
            local_pointer("#/paths/~1a%7Bx%7D"),
            Some("/paths/~1a{x}".into())
        );
        assert_eq!(local_pointer("other.yaml#/a"), None);
    }

    #[test]
    fn chains_are_followed_and_dangling_or_endless_ones_refused() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/c"}, "c": {"x": 1},
                         "d": {"$ref": "#/nowhere"}, "e": {"$ref": "#/e"}});
        let (v, at) = follow(&doc, &doc["a"], "/a").unwrap();
        assert_eq!((v, at.as_str()), (&json!({"x": 1}), "/c"));
        let (at, why) = follow(&doc, &doc["d"], "/d").unwrap_err();
        assert!(at == "/d" && why.contains("#/nowhere"), "{at}: {why}");
        assert!(
            follow(&doc, &doc["e"], "/e")
                .unwrap_err()
                .1
                .contains("does not end")
        );
    }
}
