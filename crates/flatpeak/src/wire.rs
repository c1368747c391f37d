//! The last check before a request leaves: every value in its path, its query and its JSON
//! body must keep the bounds the spec documents for it (an id's pattern, `limit` between 1
//! and 100, a string's length, a closed enum's values, an array's size), however the value was
//! made. A builder checks a string you pass it, but not an id you got from a response (which
//! the client accepts as it came), a number, or a body you deserialised yourself; this check
//! sees what is actually about to be sent. What each operation must satisfy is generated from its
//! release's spec ([`OperationFacts`]). First of all, the path must still be the operation's:
//! see [`path_values`].

use serde_json::Value;

use crate::pattern::Pattern;
use crate::place::{Place, values_at};
use crate::release::OperationFacts;

/// A bound a request must keep, and where.
#[doc(hidden)]
#[derive(Debug)]
pub struct Constraint {
    /// Where the value is (never in a response).
    pub(crate) place: Place,
    /// The bound.
    pub(crate) rule: Rule,
}

/// A documented bound on a value (generated from the spec: see `xtask/src/generate/
/// constraints.rs`). A rule about another kind of value than the one found (a length rule on
/// a number) does not apply to it: the value's type is the generated types' business.
#[doc(hidden)]
#[derive(Debug)]
pub enum Rule {
    /// A string matches this pattern (shared by every constraint of the release that has it).
    Pattern(&'static Pattern),
    /// A number is at least this (more than this when `true`).
    Minimum(f64, bool),
    /// A number is at most this (less than this when `true`).
    Maximum(f64, bool),
    /// A string has at least this many characters.
    MinLength(u64),
    /// A string has at most this many characters.
    MaxLength(u64),
    /// An array has at least this many items.
    MinItems(u64),
    /// An array has at most this many items.
    MaxItems(u64),
    /// A string is one of these.
    OneOf(&'static [&'static str]),
}

/// A value about to be sent, as a rule sees it: the text of a path or query parameter, or a
/// value of the JSON body.
#[derive(Clone, Copy, Debug)]
enum Seen<'a> {
    /// A path or query parameter, percent-decoded.
    Text(&'a str),
    /// A value of the body.
    Json(&'a Value),
}

impl Seen<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Seen::Text(s) => Some(s),
            Seen::Json(v) => v.as_str(),
        }
    }

    /// The value as a number: a JSON number, or text that reads as one (a query value is text).
    fn as_number(&self) -> Option<f64> {
        match self {
            Seen::Json(Value::Number(n)) => n.as_f64(),
            other => other.as_str()?.parse::<f64>().ok(),
        }
    }

    /// The value as an error quotes it: a sensitive one (`hidden`) only by its fingerprint.
    fn shown(&self, hidden: bool) -> String {
        if hidden {
            let text = match self {
                Seen::Text(text) => (*text).to_string(),
                Seen::Json(Value::String(text)) => text.clone(),
                Seen::Json(other) => other.to_string(),
            };
            return flatpeak_redact::fingerprint(&text);
        }
        match self {
            Seen::Text(text) => quoted(text),
            Seen::Json(Value::String(text)) => quoted(text),
            Seen::Json(other) => quoted(&other.to_string()),
        }
    }
}

impl Rule {
    /// What is wrong with `value` under this rule, if anything. A query value is text: the
    /// number rules read it as a number when it is one.
    fn broken_by(&self, value: Seen<'_>) -> Option<String> {
        let number = || value.as_number();
        let chars = || value.as_str().map(|s| s.chars().count() as u64);
        let items = || match value {
            Seen::Json(v) => v.as_array().map(|a| a.len() as u64),
            Seen::Text(_) => None,
        };
        match *self {
            Rule::Pattern(p) => value
                .as_str()
                .filter(|s| !p.matches(s))
                .map(|_| format!("does not match `{}`", p.source)),
            Rule::Minimum(min, exclusive) => number()
                .filter(|n| if exclusive { *n <= min } else { *n < min })
                .map(|_| {
                    format!(
                        "below the {}minimum {min}",
                        if exclusive { "exclusive " } else { "" }
                    )
                }),
            Rule::Maximum(max, exclusive) => number()
                .filter(|n| if exclusive { *n >= max } else { *n > max })
                .map(|_| {
                    format!(
                        "above the {}maximum {max}",
                        if exclusive { "exclusive " } else { "" }
                    )
                }),
            Rule::MinLength(min) => chars()
                .filter(|n| *n < min)
                .map(|n| format!("{n} characters long, shorter than {min}")),
            Rule::MaxLength(max) => chars()
                .filter(|n| *n > max)
                .map(|n| format!("{n} characters long, longer than {max}")),
            Rule::MinItems(min) => items()
                .filter(|n| *n < min)
                .map(|n| format!("{n} items, fewer than {min}")),
            Rule::MaxItems(max) => items()
                .filter(|n| *n > max)
                .map(|n| format!("{n} items, more than {max}")),
            Rule::OneOf(allowed) => value
                .as_str()
                .filter(|s| !allowed.contains(s))
                .map(|_| format!("not one of `{}`", allowed.join("`, `"))),
        }
    }

    /// `Err` naming the place when `value` breaks this rule. The place is described only
    /// then, by `place`, which also says whether the spec marks it `x-sensitive` (its value is
    /// then shown by its fingerprint: the message reaches logs and terminals).
    fn check(
        &self,
        value: Seen<'_>,
        place: impl FnOnce() -> (String, bool),
    ) -> Result<(), Refused> {
        match self.broken_by(value) {
            None => Ok(()),
            Some(reason) => {
                let (place, hidden) = place();
                Err(Refused::Bound {
                    place,
                    value: value.shown(hidden),
                    reason,
                })
            }
        }
    }
}

/// How much of a refused value an error quotes.
const QUOTED_CHARS: usize = 64;

/// Why a request was refused before it was sent; its text becomes
/// [`Error::InvalidRequest`](crate::Error::InvalidRequest) (progenitor's variant holds a
/// string). Values are quoted cut to [`QUOTED_CHARS`].
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    /// A value breaks a bound the spec gives it.
    #[error("{place} is `{value}`, {reason}")]
    Bound {
        /// Where: "path parameter `id`", "query parameter `x`", "body field `/a/b`".
        place: String,
        /// The value, quoted (an array: its items, cut).
        value: String,
        /// What it breaks: "does not match `^..$`", "above the maximum 100".
        reason: String,
    },
    /// A path parameter made the path another endpoint's.
    #[error(
        "path parameter `{names}` changed the path to `{path}`, which is not `{expected}` \
         (`..`, `.` and `\\` are read as path steps)"
    )]
    PathChanged {
        /// The template's parameter names.
        names: String,
        /// The path the URL has, quoted.
        path: String,
        /// The base path followed by the template.
        expected: String,
    },
}

/// `Err` with what is wrong when `request`'s path is not `operation`'s below `base_url`, or
/// when it breaks one of `operation`'s constraints. Nothing is copied or described unless a
/// value is refused: this runs before every request.
pub(crate) fn check(
    operation: &OperationFacts,
    base_url: &str,
    request: &reqwest::Request,
) -> Result<(), Refused> {
    // Every operation, constrained or not: a path parameter may be free text (a session
    // reference), and no value may turn the request into a call of another endpoint.
    let path = path_values(base_url, operation.path, request.url())
        .ok_or_else(|| path_changed(operation, base_url, request.url()))?;
    let mut body: Option<Option<Value>> = None;
    for Constraint { place, rule } in operation.constraints {
        let hidden = || operation.sensitive.iter().any(|s| s.place == *place);
        match *place {
            Place::Path(name) => {
                for (_, raw) in path.iter().filter(|(n, _)| *n == name) {
                    let value = percent_decoded(raw);
                    let at = || (format!("path parameter `{name}`"), hidden());
                    rule.check(Seen::Text(&value), at)?;
                }
            }
            Place::Query(name) => {
                for (_, value) in request.url().query_pairs().filter(|(n, _)| n == name) {
                    let at = || (format!("query parameter `{name}`"), hidden());
                    rule.check(Seen::Text(&value), at)?;
                }
            }
            Place::Request(steps) => {
                let json = body.get_or_insert_with(|| json_body(request));
                for (at, value) in json.iter().flat_map(|json| values_at(json, steps)) {
                    // The body itself (an empty pointer) is shown as `/`.
                    let shown = || {
                        let field = if at.is_empty() { "/" } else { &at };
                        (format!("body field `{field}`"), hidden())
                    };
                    rule.check(Seen::Json(value), shown)?;
                }
            }
            // What is received is not checked before sending.
            Place::Response(..) => {}
        }
    }
    Ok(())
}

/// Why `url`'s path is refused as `operation`'s: the path is quoted with the values at the
/// operation's sensitive places redacted as an error's URL is ([`redacted`]), since a value
/// that changed the path may be a connect token.
fn path_changed(operation: &OperationFacts, base_url: &str, url: &url::Url) -> Refused {
    let names: Vec<&str> = operation.path.split('/').filter_map(parameter).collect();
    let base = base_path(base_url);
    // Below the base path when the path still starts with it, which is then shown as it is.
    let (base, rest) = match url.path().strip_prefix(base) {
        Some(rest) if rest.starts_with('/') => (base, rest),
        _ => ("", url.path()),
    };
    let rest = redact_path(operation.path, rest, &sensitive_path(operation));
    Refused::PathChanged {
        names: names.join("`, `"),
        path: quoted(&format!("{base}{rest}")),
        expected: format!("{}{}", base_path(base_url), operation.path),
    }
}

/// Each path parameter of `template` with its segment of `url` (still percent-encoded), by
/// name; `None` unless `url`'s path is `base_url`'s followed by `template`, segment for
/// segment, with one non-empty segment for each parameter.
///
/// Why the whole path is compared: a value is percent-encoded into its segment, but URL
/// parsing still resolves a `..` or `.` segment and reads `\` as `/` in an `http` URL, so a
/// value such as `..\..\login` (an id the client accepted from a response, or free text)
/// would otherwise send the request, with its credentials, to another endpoint.
fn path_values<'t, 'u>(
    base_url: &str,
    template: &'t str,
    url: &'u url::Url,
) -> Option<Vec<(&'t str, &'u str)>> {
    // Below the base path, the template's segments and the URL's pair up one for one (both
    // start with the empty segment before the leading `/`).
    let rest = url
        .path()
        .strip_prefix(base_path(base_url))
        .filter(|rest| rest.starts_with('/'))?;
    let (mut expected, mut actual) = (template.split('/'), rest.split('/'));
    let mut values = Vec::new();
    loop {
        match (expected.next(), actual.next()) {
            (None, None) => return Some(values),
            (Some(expected), Some(actual)) => match parameter(expected) {
                Some(_) if actual.is_empty() => return None,
                Some(name) => values.push((name, actual)),
                None if expected != actual => return None,
                None => {}
            },
            _ => return None,
        }
    }
}

/// The path of a base URL as `ClientBuilder` keeps it (absolute, normalised, no query, no
/// trailing `/`): what follows its host, without parsing it again on every request.
fn base_path(base_url: &str) -> &str {
    // A byte search: `str::split_once` sets up a substring searcher, on every request.
    let after_scheme = base_url
        .as_bytes()
        .windows(3)
        .position(|w| w == b"://")
        .map_or(base_url, |at| &base_url[at + 3..]);
    after_scheme
        .find('/')
        .map_or("", |i| &after_scheme[i..])
        .trim_end_matches('/')
}

/// A path segment percent-decoded (most have no `%`, and are read as they are).
fn percent_decoded(raw: &str) -> std::borrow::Cow<'_, str> {
    match raw.contains('%') {
        true => percent_encoding::percent_decode_str(raw).decode_utf8_lossy(),
        false => std::borrow::Cow::Borrowed(raw),
    }
}

/// The index, among the `/`-separated segments of `url`'s path, of path parameter `name` of
/// `template`: the template is matched with the last segments (the base URL may have a path
/// of its own).
pub(crate) fn path_segment(template: &str, url: &url::Url, name: &str) -> Option<usize> {
    let index = template
        .split('/')
        .position(|segment| parameter(segment) == Some(name))?;
    let segments = url.path().split('/').count();
    let start = segments.checked_sub(template.split('/').count())?;
    Some(start + index)
}

/// What an error's URL shows in place of a value the spec marks `x-sensitive`.
const REDACTED: &str = "[redacted]";

/// `error` with its URL's values at `operation`'s sensitive path and query places, and any
/// credential-shaped query value, replaced by `[redacted]`: reqwest's message quotes the URL
/// (`error sending request for url (...)`), and the error reaches logs and terminals, where a
/// connect token must not.
pub(crate) fn redacted(operation: &OperationFacts, mut error: reqwest::Error) -> reqwest::Error {
    if let Some(url) = error.url_mut() {
        redact_url(operation, url);
    }
    error
}

/// `response` with its `Location` (a redirect, which the client does not follow and its error
/// quotes) redacted as [`redacted`] redacts an error's URL: a server that redirects with the
/// query attached would otherwise put a connect token in the message. Left as it was when
/// nothing in it is hidden.
pub(crate) fn redact_location(operation: &OperationFacts, response: &mut reqwest::Response) {
    use reqwest::header::{HeaderValue, LOCATION};
    let Some(location) = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let Ok(mut url) = response.url().join(location) else {
        return;
    };
    let before = url.clone();
    redact_url(operation, &mut url);
    if url != before
        && let Ok(value) = HeaderValue::from_str(url.as_str())
    {
        response.headers_mut().insert(LOCATION, value);
    }
}

/// `response` with its URL redacted as [`redacted`] redacts an error's: a `reqwest::Response`'s
/// `Debug` shows its URL, and one handed on in `UnexpectedResponse` reaches logs. Copied only
/// when something in the URL is hidden.
pub(crate) fn url_redacted(
    operation: &OperationFacts,
    response: reqwest::Response,
) -> reqwest::Response {
    let mut url = response.url().clone();
    redact_url(operation, &mut url);
    if url == *response.url() {
        return response;
    }
    crate::body::with_url(&response, &url)
}

/// `url` with the values [`redacted`] hides replaced.
fn redact_url(operation: &OperationFacts, url: &mut url::Url) {
    let sensitive = || operation.sensitive.iter().map(|s| &s.place);
    let names = sensitive_path(operation);
    if !names.is_empty() {
        let path = redact_path(operation.path, url.path(), &names);
        url.set_path(&path);
    }
    let hidden = |name: &str, value: &str| {
        sensitive().any(|p| matches!(p, Place::Query(n) if *n == name))
            || flatpeak_redact::holds_token(value)
    };
    if url.query_pairs().any(|(name, value)| hidden(&name, &value)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| match hidden(&name, &value) {
                true => (name.into_owned(), REDACTED.to_string()),
                false => (name.into_owned(), value.into_owned()),
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
}

/// The names of `operation`'s path parameters the spec marks `x-sensitive`.
fn sensitive_path(operation: &OperationFacts) -> Vec<&'static str> {
    let path = |s: &crate::record::Sensitive| match s.place {
        Place::Path(name) => Some(name),
        _ => None,
    };
    operation.sensitive.iter().filter_map(path).collect()
}

/// `path` with the segments of `template`'s parameters `names` replaced by `[redacted]`. The
/// template is matched with the last segments (the base URL may have a path of its own); when
/// they do not match it (a value changed the path: `a\b`, `..`), a value may be anywhere, and
/// every segment that is not one of the template's fixed ones is replaced.
fn redact_path(template: &str, path: &str, names: &[&str]) -> String {
    let template: Vec<&str> = template.split('/').collect();
    let mut segments: Vec<&str> = path.split('/').collect();
    let start = segments.len().checked_sub(template.len());
    let aligned = start.is_some_and(|start| {
        template
            .iter()
            .zip(&segments[start..])
            // The template's first segment is the empty one before its `/`: the base path's.
            .skip(1)
            .all(|(t, s)| parameter(t).is_some() || t == s)
    });
    for (i, segment) in segments.iter_mut().enumerate() {
        let hidden = match (start, aligned) {
            (Some(start), true) => i
                .checked_sub(start)
                .and_then(|at| template.get(at))
                .and_then(|segment| parameter(segment))
                .is_some_and(|name| names.contains(&name)),
            _ => !template.contains(segment),
        };
        if hidden && !segment.is_empty() {
            *segment = REDACTED;
        }
    }
    segments.join("/")
}

/// The parameter a segment of a path template stands for: `device_id` for `{device_id}`.
fn parameter(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// The request's body as JSON, if it has one that is.
fn json_body(request: &reqwest::Request) -> Option<Value> {
    let bytes = request.body()?.as_bytes()?;
    serde_json::from_slice(bytes).ok()
}

/// At most [`QUOTED_CHARS`] characters of `value`, on one line.
fn quoted(value: &str) -> String {
    let mut quoted: String = value
        .chars()
        .take(QUOTED_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if value.chars().count() > QUOTED_CHARS {
        quoted.push('…');
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connect token in the path or the query (the spec marks both `x-sensitive`) and a
    /// credential-shaped query value are hidden; the rest of the URL stays, to say where the
    /// request went.
    #[cfg(feature = "anode")]
    #[test]
    fn an_errors_url_hides_the_sensitive_values() {
        use crate::anode::Operation;
        let session = Operation::CalculateSessionCost.facts();
        let mut url =
            url::Url::parse("http://h/v1/costs/session/sess_Secret1?direction=import").unwrap();
        redact_url(session, &mut url);
        assert_eq!(
            url.as_str(),
            "http://h/v1/costs/session/[redacted]?direction=import"
        );
        let exchange = Operation::ExchangeConnectToken.facts();
        let mut url = url::Url::parse(
            "http://h/connect/tariff/token?connect_token=ctk_Secret2&x=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
        )
        .unwrap();
        redact_url(exchange, &mut url);
        assert_eq!(
            url.as_str(),
            "http://h/connect/tariff/token?connect_token=%5Bredacted%5D&x=%5Bredacted%5D"
        );
        let mut url = url::Url::parse("http://h/connect/tariff/token").unwrap();
        redact_url(exchange, &mut url);
        assert_eq!(url.as_str(), "http://h/connect/tariff/token");
    }

    #[test]
    fn path_values_are_found_below_any_base_path() {
        let template = "/locations/{id}/status";
        let url = url::Url::parse("http://h/v1/locations/loc%5F1/status").unwrap();
        assert_eq!(
            path_values("http://h/v1", template, &url),
            Some(vec![("id", "loc%5F1")])
        );
        let url = url::Url::parse("http://h/locations/loc_1/status").unwrap();
        assert_eq!(
            path_values("http://h", template, &url),
            Some(vec![("id", "loc_1")])
        );
    }

    #[test]
    fn a_path_that_is_not_the_templates_is_refused() {
        let template = "/devices/{device_id}";
        for (base, path) in [
            ("http://h", "/"),                       // `..` resolved away
            ("http://h", "/login"),                  // `..\..\login`
            ("http://h", "/locations/loc_1"),        // `..\locations\loc_1`
            ("http://h", "/devices/"),               // `.`: an empty segment
            ("http://h", "/devices/dev_1/status"),   // `dev_1\status`
            ("http://h/v1", "/v2/devices/dev_1"),    // the base path changed
            ("http://h/v1", "/v1/v2/devices/dev_1"), // `..\v2\devices\dev_1` below `/v1`
        ] {
            let url = url::Url::parse(&format!("http://h{path}")).unwrap();
            assert_eq!(path_values(base, template, &url), None, "{path}");
        }
    }

    /// A sensitive value that changed the path is hidden wherever it ended up; a path that
    /// is still the template's hides the parameter's segment only.
    #[test]
    fn a_changed_path_hides_its_sensitive_values() {
        let template = "/costs/session/{id}";
        for (path, shown) in [
            ("/costs/session/sess_S1", "/costs/session/[redacted]"),
            ("/v1/costs/session/sess_S1", "/v1/costs/session/[redacted]"),
            (
                "/costs/session/sess_S1/x",
                "/costs/session/[redacted]/[redacted]",
            ),
            ("/sess_S1", "/[redacted]"),
            ("/costs/sess_S1", "/costs/[redacted]"),
            ("/costs/session/", "/costs/session/"),
        ] {
            assert_eq!(redact_path(template, path, &["id"]), shown, "{path}");
        }
        assert_eq!(
            redact_path(template, "/costs/session/sess_S1", &["other"]),
            "/costs/session/sess_S1"
        );
    }

    #[cfg(feature = "anode")]
    #[test]
    fn a_changed_path_is_quoted_redacted() {
        let session = crate::anode::Operation::CalculateSessionCost.facts();
        let url = url::Url::parse("http://h/v1/costs/session/sess_Secret1/status").unwrap();
        let refused = path_changed(session, "http://h/v1", &url).to_string();
        assert!(
            refused.starts_with(
                "path parameter `id` changed the path to \
                 `/v1/costs/session/[redacted]/[redacted]`, which is not \
                 `/v1/costs/session/{id}`"
            ),
            "{refused}"
        );
        assert!(!refused.contains("Secret1"), "{refused}");
    }

    #[test]
    fn each_rule_names_what_a_value_breaks_and_ignores_other_kinds_of_value() {
        static ID: Pattern = Pattern::new("^[a-z]{2,4}_[A-Za-z0-9]+$");
        let cases: [(Rule, Value, Option<&str>); 14] = [
            (Rule::Pattern(&ID), "dev_1".into(), None),
            (
                Rule::Pattern(&ID),
                "dev 1".into(),
                Some("does not match `^[a-z]{2,4}_[A-Za-z0-9]+$`"),
            ),
            (
                Rule::Minimum(1.0, false),
                "0".into(),
                Some("below the minimum 1"),
            ),
            (Rule::Minimum(1.0, false), 1.into(), None),
            (
                Rule::Minimum(0.0, true),
                0.into(),
                Some("below the exclusive minimum 0"),
            ),
            (
                Rule::Maximum(100.0, false),
                "150".into(),
                Some("above the maximum 100"),
            ),
            (
                Rule::Maximum(100.0, false),
                100.5.into(),
                Some("above the maximum 100"),
            ),
            (Rule::Maximum(100.0, false), "many".into(), None),
            (
                Rule::MinLength(2),
                "é".into(),
                Some("1 characters long, shorter than 2"),
            ),
            (
                Rule::MaxLength(3),
                "abcd".into(),
                Some("4 characters long, longer than 3"),
            ),
            (Rule::MaxLength(3), 12345.into(), None),
            (
                Rule::MaxItems(1),
                serde_json::json!([1, 2]),
                Some("2 items, more than 1"),
            ),
            (
                Rule::OneOf(&["IMPORT", "EXPORT"]),
                "LOCAL".into(),
                Some("not one of `IMPORT`, `EXPORT`"),
            ),
            (Rule::OneOf(&["IMPORT", "EXPORT"]), "EXPORT".into(), None),
        ];
        for (rule, value, broken) in cases {
            assert_eq!(
                rule.broken_by(Seen::Json(&value)).as_deref(),
                broken,
                "{rule:?} on {value}"
            );
        }
    }

    #[test]
    fn the_base_path_is_what_follows_the_host() {
        assert_eq!(base_path("http://127.0.0.1:8080"), "");
        assert_eq!(base_path("https://h/v1"), "/v1");
        assert_eq!(base_path("https://h/v1/api/"), "/v1/api");
        assert_eq!(base_path("h/v1"), "/v1");
    }

    #[test]
    fn a_path_value_is_read_percent_decoded() {
        assert_eq!(percent_decoded("dev_1"), "dev_1");
        assert!(matches!(
            percent_decoded("dev_1"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(percent_decoded("a%20b%2F..%ZZ"), "a b/..%ZZ");
        assert_eq!(percent_decoded("%FF"), "\u{fffd}");
    }

    #[test]
    fn a_long_value_is_quoted_in_part_on_one_line() {
        let long = format!("a\n{}", "b".repeat(100));
        let q = quoted(&long);
        assert!(q.starts_with("a b") && q.ends_with('…'), "{q}");
        assert_eq!(q.chars().count(), QUOTED_CHARS + 1);
    }
}
