//! JSON pointers (RFC 6901) and local `$ref`s.

use serde_json::Value;

/// Escapes one JSON pointer token: `~` as `~0`, `/` as `~1`.
pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_escaped(&mut out, token);
    out
}

/// Appends `/` and `token`, escaped, to `pointer`: the step into a field, without the copy
/// [`escape`] makes. The walks over every field of a body take one per field.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    push_escaped(pointer, token);
}

/// Appends `/` and `index` to `pointer`: the step into an array's item.
pub fn push_index(pointer: &mut String, index: usize) {
    use std::fmt::Write;
    // Writing to a `String` cannot fail.
    let _ = write!(pointer, "/{index}");
}

fn push_escaped(out: &mut String, token: &str) {
    let mut rest = token;
    while let Some(at) = rest.find(['~', '/']) {
        out.push_str(&rest[..at]);
        out.push_str(if rest.as_bytes()[at] == b'~' {
            "~0"
        } else {
            "~1"
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
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

/// How many `$ref`s a chain may hold before it counts as a cycle: a chain this long is one in
/// practice, and a bound needs no bookkeeping of what was seen.
pub(crate) const MAX_REFS: usize = 32;

/// The one step of every `$ref` chain: `Ok(None)` when `value` has no `$ref`, else the schema
/// it refers to and the reference as written, or why it cannot be followed (not local, or
/// pointing at nothing).
pub(crate) fn step<'d>(
    doc: &'d Value,
    value: &'d Value,
) -> Result<Option<(&'d Value, &'d str)>, String> {
    let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
        return Ok(None);
    };
    let target = match reference.strip_prefix('#') {
        // Nearly every reference is a JSON pointer as it is and needs no decoded copy: the
        // gate resolves references while it checks.
        Some(pointer) if !pointer.contains('%') => doc.pointer(pointer),
        Some(_) => local_pointer(reference).and_then(|p| doc.pointer(&p)),
        None => {
            return Err(format!(
                "only local `$ref`s (`#/...`) are supported, found `{reference}`"
            ));
        }
    };
    target
        .map(|target| Some((target, reference)))
        .ok_or_else(|| format!("`$ref` `{reference}` points at nothing"))
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
    for _ in 0..MAX_REFS {
        match step(doc, value) {
            Ok(None) => return Ok((value, at)),
            Ok(Some((target, reference))) => {
                value = target;
                at = local_pointer(reference).unwrap_or_default();
            }
            Err(why) => return Err((at, why)),
        }
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
        assert_eq!(escape("~/~1é/"), "~0~1~01é~1");
        assert_eq!(escape("plain"), "plain");
        let mut at = String::from("/a");
        push_token(&mut at, "b/c~");
        push_index(&mut at, 12);
        push_token(&mut at, "");
        assert_eq!(at, "/a/b~1c~0/12/");
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
