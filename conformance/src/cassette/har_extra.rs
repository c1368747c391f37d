//! The values a HAR file keeps beside the exchanges themselves: comments (of the log, a page,
//! an entry, a request, a response, a header...), a page's title, a response's redirect URL,
//! cookies, and the form fields of a body recorded without its text. A browser writes a page's
//! URL into its title and a login's tokens into a redirect or a cookie, so these hold secrets as
//! often as headers do. The gate's reader and `scrub` both find them here, so that what the
//! `secret` check reports is what `scrub` replaces.

use serde_json::Value;

use crate::model::{Extra, ExtraKind};

/// Where a HAR file lists its entries.
const ENTRIES: &str = "/log/entries";

/// The pointer of entry `index` from the file's root.
pub(crate) fn entry_pointer(index: usize) -> String {
    format!("{ENTRIES}/{index}")
}

/// The extras of `entry`, the file's entry `index`, each with its pointer from the file's root.
pub(crate) fn of_entry(entry: &Value, index: usize) -> Vec<Extra> {
    let at = entry_pointer(index);
    let mut found = Vec::new();
    if let Some(url) = entry
        .pointer("/response/redirectURL")
        .and_then(Value::as_str)
    {
        push(
            &mut found,
            format!("{at}/response/redirectURL"),
            url,
            ExtraKind::Text,
        );
    }
    comments(entry, &mut at.clone(), &mut found);
    for side in ["request", "response"] {
        cookies(entry, &at, side, &mut found);
    }
    form_fields(entry, &at, &mut found);
    found
}

/// The extras of the log itself, outside its entries: every page's title, and every comment
/// (of the log, its creator, its browser, a page and its timings).
pub(crate) fn of_log(doc: &Value) -> Vec<Extra> {
    let mut found = Vec::new();
    let Some(Value::Object(log)) = doc.get("log") else {
        return found;
    };
    let pages = log.get("pages").and_then(Value::as_array);
    for (i, page) in pages.into_iter().flatten().enumerate() {
        if let Some(title) = page.get("title").and_then(Value::as_str) {
            push(
                &mut found,
                format!("/log/pages/{i}/title"),
                title,
                ExtraKind::Text,
            );
        }
    }
    for (name, value) in log.iter().filter(|(name, _)| *name != "entries") {
        let mut at = format!("/log/{}", crate::spec::escape(name));
        match name.as_str() {
            "comment" => {
                if let Some(text) = value.as_str() {
                    push(&mut found, at, text, ExtraKind::Text);
                }
            }
            _ => comments(value, &mut at, &mut found),
        }
    }
    found
}

/// Adds `value` at `pointer` unless it is empty (nothing to hide).
fn push(found: &mut Vec<Extra>, pointer: String, value: &str, kind: ExtraKind) {
    if !value.is_empty() {
        found.push(Extra {
            pointer,
            value: value.to_string(),
            kind,
        });
    }
}

/// Every `comment` string anywhere in `json`, at `at`.
fn comments(json: &Value, at: &mut String, found: &mut Vec<Extra>) {
    let len = at.len();
    match json {
        Value::Object(fields) => {
            for (name, value) in fields {
                crate::spec::push_token(at, name);
                match (name.as_str(), value) {
                    ("comment", Value::String(text)) => {
                        push(found, at.clone(), text, ExtraKind::Text);
                    }
                    _ => comments(value, at, found),
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                crate::spec::push_index(at, i);
                comments(item, at, found);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The values of the `cookies` of `side` (`request` or `response`) of an entry at `at`.
fn cookies(entry: &Value, at: &str, side: &str, found: &mut Vec<Extra>) {
    let list = entry.pointer(&format!("/{side}/cookies"));
    for (i, cookie) in list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(value) = cookie.get("value").and_then(Value::as_str) {
            let pointer = format!("{at}/{side}/cookies/{i}/value");
            push(found, pointer, value, ExtraKind::Cookie);
        }
    }
}

/// The values of `postData.params` of an entry at `at` whose `postData` has no `text`: the
/// form's fields are then the only record of the body. (With the text, they are a copy of it,
/// which the gate reads and `scrub` follows.)
fn form_fields(entry: &Value, at: &str, found: &mut Vec<Extra>) {
    let Some(post) = entry.pointer("/request/postData") else {
        return;
    };
    if post.get("text").is_some_and(Value::is_string) {
        return;
    }
    let params = post.get("params").and_then(Value::as_array);
    for (i, param) in params.into_iter().flatten().enumerate() {
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(value) = param.get("value").and_then(Value::as_str) {
            let pointer = format!("{at}/request/postData/params/{i}/value");
            push(
                found,
                pointer,
                value,
                ExtraKind::FormField(name.to_string()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointers(extras: &[Extra]) -> Vec<&str> {
        extras.iter().map(|e| e.pointer.as_str()).collect()
    }

    #[test]
    fn an_entry_s_comments_redirect_cookies_and_text_less_form_fields_are_found() {
        let entry = json!({
            "comment": "c1",
            "request": {"url": "https://h/x", "comment": "c2",
                "headers": [{"name": "A", "value": "b", "comment": "c3"}],
                "cookies": [{"name": "sid", "value": "s1"}, {"name": "empty", "value": ""}],
                "postData": {"mimeType": "application/x-www-form-urlencoded",
                    "params": [{"name": "email", "value": "a@b.co"}]}},
            "response": {"redirectURL": "https://h/cb", "comment": "c4",
                "cookies": [{"name": "sid", "value": "s2"}]},
        });
        let found = of_entry(&entry, 2);
        assert_eq!(
            pointers(&found),
            [
                "/log/entries/2/response/redirectURL",
                "/log/entries/2/comment",
                "/log/entries/2/request/comment",
                "/log/entries/2/request/headers/0/comment",
                "/log/entries/2/response/comment",
                "/log/entries/2/request/cookies/0/value",
                "/log/entries/2/response/cookies/0/value",
                "/log/entries/2/request/postData/params/0/value",
            ]
        );
        assert_eq!(found[7].kind, ExtraKind::FormField("email".into()));
        // Its Debug shows a fingerprint, not the value.
        assert!(!format!("{:?}", found[7]).contains("a@b.co"));
    }

    #[test]
    fn form_fields_beside_the_body_s_text_are_a_copy_and_not_extras() {
        let entry = json!({"request": {"postData": {"text": "a=1", "params": [
            {"name": "a", "value": "1"}]}}});
        assert!(of_entry(&entry, 0).is_empty());
    }

    #[test]
    fn the_log_s_page_titles_and_comments_are_found_and_its_entries_left_out() {
        let doc = json!({"log": {"version": "1.2", "comment": "top",
            "creator": {"name": "x", "comment": "made"},
            "pages": [{"id": "p", "title": "https://h/#a=b", "comment": "page"}],
            "entries": [{"comment": "an entry's"}]}});
        let mut found = pointers(&of_log(&doc)).join(" ");
        found.push(' ');
        for at in [
            "/log/pages/0/title",
            "/log/comment",
            "/log/creator/comment",
            "/log/pages/0/comment",
        ] {
            assert!(found.contains(&format!("{at} ")), "{at}: {found}");
        }
        assert!(!found.contains("entries"), "{found}");
    }
}
