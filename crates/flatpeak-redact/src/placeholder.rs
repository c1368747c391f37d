//! Placeholders for sensitive values, and how to tell one apart from a value that leaked.
//!
//! A placeholder keeps the verdict of the value it replaces: where the value validated, the
//! placeholder does (an id keeps its prefix and pattern, a URI stays a URI, a date-time a
//! date-time, a number stays within its bounds), so a scrubbed recording still passes the
//! gate; where the value broke its schema, the placeholder breaks it the same way (it keeps
//! the value's JSON type, a string off its pattern or format stays off it, a number out of its
//! range or not an integer stays so), so scrubbing never hides a defect. Objects and arrays
//! keep their shape, with every string and number inside replaced. It is derived from the value with a keyed hash (SipHash
//! under random keys that live only as long as the [`Placeholders`]): the same value gets the
//! same placeholder throughout one recording session, so references between calls stay
//! linked, and nobody can recover the value from it, not even a low-entropy one such as a
//! coordinate. Every placeholder is recognisable as one: strings contain `redacted`,
//! date-times fall in January 1970, numbers lie within a thousandth of their lower bound.

use std::borrow::Cow;
use std::hash::{BuildHasher, DefaultHasher, Hasher, RandomState};

use serde_json::Value;

/// What a placeholder must be to validate in place of a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Hint {
    /// A string matching this pattern (an id: the placeholder keeps its prefix).
    Pattern(Cow<'static, str>),
    /// A string of this format (`uri`, `date-time`, `date`, `email`), or of none.
    Text(Option<Cow<'static, str>>),
    /// A number within these bounds; an integer when `integer`.
    Number {
        /// The inclusive lower bound, if any.
        minimum: Option<f64>,
        /// The inclusive upper bound, if any.
        maximum: Option<f64>,
        /// Whether it must be an integer.
        integer: bool,
    },
    /// Anything else: a placeholder is `null`.
    Other,
}

/// The placeholders of one recording session.
#[derive(Debug, Clone)]
pub struct Placeholders {
    keys: Keys,
}

/// What the hash is keyed with.
#[derive(Debug, Clone)]
enum Keys {
    /// Random keys that live as long as the session: a recording.
    Random([RandomState; 2]),
    /// A seed: generated test data that must come out the same each time.
    Seeded(u64),
}

impl Default for Placeholders {
    fn default() -> Self {
        Self::new()
    }
}

/// Marks every placeholder string.
const MARK: &str = "redacted";

/// Seconds in January 1970, where date-time placeholders fall.
const JANUARY_1970: u64 = 31 * 24 * 60 * 60;

impl Placeholders {
    /// A new session, with new random keys.
    pub fn new() -> Placeholders {
        Placeholders {
            keys: Keys::Random([RandomState::new(), RandomState::new()]),
        }
    }

    /// Placeholders that are the same for the same `seed` (within one build of this crate),
    /// for generated test data that must be reproducible, such as the gate's synthetic sets.
    /// Anyone who knows the seed can test a guess of a value against its placeholder: never
    /// use this for real traffic; [`Placeholders::new`] is what a recording uses.
    pub fn seeded(seed: u64) -> Placeholders {
        Placeholders {
            keys: Keys::Seeded(seed),
        }
    }

    /// The placeholder for `value` where `hint` says what it must be. A value that is a
    /// placeholder already, or holds nothing to hide (`null`, `""`), is returned as it is.
    pub fn replace(&self, value: &Value, hint: &Hint) -> Value {
        if is_placeholder(value, hint) {
            return value.clone();
        }
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let hash = self.hash(&text);
        match (hint, value) {
            (_, Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .map(|v| self.replace(v, &Hint::Other))
                    .collect(),
            ),
            (_, Value::Object(fields)) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), self.replace(v, &Hint::Other)))
                    .collect(),
            ),
            (Hint::Pattern(pattern), Value::String(s)) => {
                let regex = regress::Regex::new(pattern).ok();
                match regex {
                    Some(regex) if regex.find(s).is_none() => {
                        Value::String(off_pattern(&regex, hash))
                    }
                    _ => Value::String(patterned(&text, pattern, hash)),
                }
            }
            (Hint::Text(format), Value::String(s)) => match format.as_deref() {
                Some(format) if !has_format(format, s) => Value::String(formatted(None, hash)),
                format => Value::String(formatted(format, hash)),
            },
            (
                Hint::Number {
                    minimum,
                    maximum,
                    integer,
                },
                Value::Number(n),
            ) => match n.as_f64() {
                Some(v) => number_like(v, *minimum, *maximum, *integer, hash),
                None => number(*minimum, *maximum, *integer, hash),
            },
            // The value is not of the type the schema asks for: the placeholder has the
            // value's type, wrong the same way.
            (_, Value::String(_)) => Value::String(formatted(None, hash)),
            (_, Value::Number(n)) => number(None, None, n.is_i64() || n.is_u64(), hash),
            (_, Value::Null | Value::Bool(_)) => value.clone(),
        }
    }

    /// The placeholder for a string with no constraint (a header, a word in a URL).
    pub fn replace_text(&self, text: &str) -> String {
        match self.replace(&Value::String(text.to_string()), &Hint::Text(None)) {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }

    /// 128 bits of keyed hash of `text`, as hex.
    fn hash(&self, text: &str) -> String {
        (0..2u64)
            .map(|half| {
                let mut hasher = match &self.keys {
                    Keys::Random(keys) => keys[half as usize].build_hasher(),
                    Keys::Seeded(seed) => {
                        let mut hasher = DefaultHasher::new();
                        hasher.write_u64(*seed);
                        hasher.write_u64(half);
                        hasher
                    }
                };
                hasher.write(text.as_bytes());
                format!("{:016x}", hasher.finish())
            })
            .collect()
    }
}

/// An id keeps its prefix (`cot_redacted…`); any other patterned string becomes `redacted…`.
fn patterned(original: &str, pattern: &str, hash: String) -> String {
    let candidates = [
        original
            .split_once('_')
            .filter(|(prefix, _)| (2..=4).contains(&prefix.len()))
            .map(|(prefix, _)| format!("{prefix}_{MARK}{}", &hash[..16])),
        Some(format!("{MARK}{}", &hash[..16])),
    ];
    let regex = regress::Regex::new(pattern).ok();
    let fits = |c: &String| regex.as_ref().is_none_or(|r| r.find(c).is_some());
    candidates
        .into_iter()
        .flatten()
        .find(fits)
        .unwrap_or_else(|| MARK.to_string())
}

/// A marked string `regex` does not match (so a value off its pattern stays off it).
fn off_pattern(regex: &regress::Regex, hash: String) -> String {
    [
        format!("{MARK}-{}", &hash[..16]),
        format!("{MARK} {}!", &hash[..16]),
        format!("{MARK}\n"),
    ]
    .into_iter()
    .find(|c| regex.find(c).is_none())
    .unwrap_or_else(|| format!("{MARK}-{}", &hash[..16]))
}

/// Whether `text` has `format`, as the gate reads the formats placeholders are made for; any
/// other format is taken as had.
fn has_format(format: &str, text: &str) -> bool {
    match format {
        "date-time" => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
        "date" => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
        "uri" | "url" => url::Url::parse(text).is_ok(),
        "email" => text
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.')),
        _ => true,
    }
}

fn formatted(format: Option<&str>, hash: String) -> String {
    let n = u64::from_str_radix(&hash[..12], 16).unwrap_or(0);
    match format {
        Some("date-time") => {
            let at = n % JANUARY_1970;
            let (day, rest) = (at / 86_400, at % 86_400);
            format!(
                "1970-01-{:02}T{:02}:{:02}:{:02}Z",
                day + 1,
                rest / 3600,
                rest / 60 % 60,
                rest % 60
            )
        }
        Some("date") => format!("1970-01-{:02}", n % 31 + 1),
        Some("uri") | Some("url") => format!("https://{MARK}.invalid/{}", &hash[..16]),
        Some("email") => format!("{MARK}-{}@{MARK}.invalid", &hash[..12]),
        _ => format!("{MARK}-{}", &hash[..16]),
    }
}

/// A number within a thousandth above its lower bound (or 0), so that it is recognisable.
fn number(minimum: Option<f64>, maximum: Option<f64>, integer: bool, hash: String) -> Value {
    let base = minimum.unwrap_or(0.0);
    if integer {
        // Truncation is the intent: an integer placeholder is its lower bound.
        return Value::from(base.ceil() as i64);
    }
    let step = u64::from_str_radix(&hash[..4], 16).unwrap_or(0) % 999 + 1;
    let value = (base + step as f64 * 1e-6).min(maximum.unwrap_or(f64::MAX));
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// The placeholder of the number `value`: in range when it is, else below the minimum or
/// above the maximum as it is (by one and a recognisable fraction); a fraction where an
/// integer was asked for stays a fraction.
fn number_like(
    value: f64,
    minimum: Option<f64>,
    maximum: Option<f64>,
    integer: bool,
    hash: String,
) -> Value {
    let below = minimum.filter(|m| value < *m);
    let above = maximum.filter(|m| value > *m);
    let fraction = integer && value.fract() != 0.0;
    let base = match (below, above) {
        (Some(m), _) => m - 1.0,
        (None, Some(m)) => m + 1.0,
        (None, None) if !fraction => return number(minimum, maximum, integer, hash),
        (None, None) => minimum.unwrap_or(0.0),
    };
    let value = if integer { base.ceil() } else { base };
    let value = if fraction {
        value + 0.5
    } else if integer {
        value
    } else {
        value + (u64::from_str_radix(&hash[..4], 16).unwrap_or(0) % 999 + 1) as f64 * 1e-6
    };
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// Whether `value` is a placeholder (or holds nothing to hide) where `hint` applies.
pub fn is_placeholder(value: &Value, hint: &Hint) -> bool {
    match value {
        Value::Null | Value::Bool(_) => true,
        Value::String(s) => {
            s.is_empty()
                || s.to_ascii_lowercase().contains(MARK)
                || (matches!(hint, Hint::Text(Some(f)) if f == "date-time" || f == "date")
                    && s.starts_with("1970-01-"))
        }
        Value::Number(n) => {
            let Some(v) = n.as_f64() else {
                return false;
            };
            let near = |base: f64| (v - base.ceil()).abs() < 1e-9 || (v > base && v - base < 1e-3);
            let Hint::Number {
                minimum, maximum, ..
            } = hint
            else {
                // A number where the schema wants no number: `number(None, None, ..)`.
                return near(0.0);
            };
            let base = minimum.unwrap_or(0.0);
            near(base)
                || (v - (base.ceil() + 0.5)).abs() < 1e-9
                || minimum.is_some_and(|m| near(m - 1.0))
                || maximum.is_some_and(|m| near(m + 1.0))
        }
        // What `replace` writes for an array or an object: its shape, every value inside
        // replaced as a value of no known type.
        Value::Array(items) => items.iter().all(|v| is_placeholder(v, &Hint::Other)),
        Value::Object(fields) => fields.values().all(|v| is_placeholder(v, &Hint::Other)),
    }
}

/// Whether a header of this name carries credentials: `Authorization`,
/// `Proxy-Authorization`, `Cookie`, `Set-Cookie`, or any name holding `api-key` or `token`.
pub fn is_credential_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || ["api-key", "api_key", "apikey", "token"]
        .iter()
        .any(|word| name.contains(word))
}

/// The placeholder of a credential header's value: its scheme kept (`Bearer <redacted>`).
pub fn header_placeholder(value: &str) -> String {
    if value.to_ascii_lowercase().contains(MARK) {
        return value.to_string();
    }
    match value.split_once(' ') {
        Some((scheme, _)) if scheme.chars().all(|c| c.is_ascii_alphabetic()) => {
            format!("{scheme} <{MARK}>")
        }
        _ => format!("<{MARK}>"),
    }
}

/// Whether `text` holds something shaped like a credential wherever it is: a bearer token, a
/// JWT, a well-known API-key prefix, a private key. Ids (`dev_63a6…`) are not: entropy alone
/// cannot tell them from secrets, so shapes are what is looked for.
pub fn holds_token(text: &str) -> bool {
    token_at(text).is_some()
}

/// Well-known API-key prefixes, and a private key's armour. A prefix starts a word.
const PREFIXES: [&str; 9] = [
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "ghp_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "-----BEGIN",
];

/// The start of the first credential-shaped run in `text`.
///
/// One pass over the bytes: every shape starts with an ASCII byte (always a character
/// boundary), and only a position whose byte can start one is looked at further. The gate
/// asks this of every string of every recording, so it allocates nothing.
fn token_at(text: &str) -> Option<usize> {
    text.bytes().enumerate().find_map(|(i, byte)| {
        let starts = match byte {
            b'b' | b'B' => bearer_at(text, i),
            b'e' => text[i..].starts_with("eyJ") && is_jwt(&text[i..]),
            b'A' => aws_key_at(text, i),
            b's' | b'r' | b'g' | b'x' | b'-' => prefixed_at(text, i),
            _ => false,
        };
        starts.then_some(i)
    })
}

/// `bearer ` (any case) followed by a token: not prose ("the bearer token is not valid": a
/// word of letters alone, as short as a word, is read as text; a token has digits or
/// punctuation), not a placeholder (`<...>`, `redacted…`).
fn bearer_at(text: &str, i: usize) -> bool {
    let scheme = "bearer ";
    let Some(rest) = text
        .get(i..i + scheme.len())
        .filter(|s| s.eq_ignore_ascii_case(scheme))
        .and_then(|_| text.get(i + scheme.len()..))
    else {
        return false;
    };
    let token = rest.trim_start();
    let word = token.split_whitespace().next().unwrap_or_default();
    let prose = word.len() <= 20 && word.chars().all(|c| c.is_ascii_alphabetic());
    !word.is_empty() && !prose && !token.starts_with('<') && !starts_with_mark(token)
}

/// A well-known prefix that starts a word (`wsk_live_a1`, a webhook signing key's id, is
/// public: not `sk_live_...`), with no placeholder mark after it.
fn prefixed_at(text: &str, i: usize) -> bool {
    let rest = &text[i..];
    let starts_word = text[..i]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
    starts_word && PREFIXES.iter().any(|p| rest.starts_with(p)) && !contains_mark(rest)
}

/// An AWS access key id: `AKIA` and sixteen upper-case letters or digits.
fn aws_key_at(text: &str, i: usize) -> bool {
    let key = &text.as_bytes()[i..];
    key.starts_with(b"AKIA")
        && key.len() >= 20
        && key[4..20]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Whether `text` starts with the placeholder mark, in any case.
fn starts_with_mark(text: &str) -> bool {
    text.as_bytes()
        .get(..MARK.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(MARK.as_bytes()))
}

/// Whether `text` holds the placeholder mark anywhere, in any case.
fn contains_mark(text: &str) -> bool {
    text.as_bytes()
        .windows(MARK.len())
        .any(|w| w.eq_ignore_ascii_case(MARK.as_bytes()))
}

/// Three base64url segments, the first two JSON objects (`eyJ`), the first two long enough;
/// more may follow (a JWE's five, or a file name's `.json` after a token sent as an id).
fn is_jwt(text: &str) -> bool {
    let token: &str = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .next()
        .unwrap_or_default();
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() >= 3 && parts[1].starts_with("eyJ") && parts[0].len() >= 10 && parts[1].len() >= 10
}

/// What a report may say of a secret: its length, and its start, at most four characters and
/// never more than a quarter of it (a five-digit post code shows one digit, a latitude's
/// `51.5074` one more), so that someone who has the value can tell it apart and no one else can
/// read it. Text with white space in it (an address, a name, a sentence) shows no start: its
/// first word is the part that says most (`221B` of `221B Baker Street`).
pub fn fingerprint(text: &str) -> String {
    let length = text.chars().count();
    let shown = match text.contains(char::is_whitespace) {
        true => 0,
        false => (length / 4).min(4),
    };
    let start: String = text.chars().take(shown).collect();
    format!("{start:?}… ({length} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "^[a-z]{2,4}_[A-Za-z0-9]+$";

    #[test]
    fn the_same_value_gets_the_same_placeholder_and_another_another() {
        let p = Placeholders::new();
        let hint = Hint::Pattern(ID.into());
        let a = p.replace(&json!("cot_65e0839faca22517d5d51cd5"), &hint);
        assert_eq!(a, p.replace(&json!("cot_65e0839faca22517d5d51cd5"), &hint));
        assert_ne!(a, p.replace(&json!("cot_65e0839faca22517d5d51cd6"), &hint));
        let a = a.as_str().unwrap();
        assert!(a.starts_with("cot_redacted"), "{a}");
        assert!(regress::Regex::new(ID).unwrap().find(a).is_some(), "{a}");
        // Another session, other keys: the placeholder says nothing of the value.
        let other = Placeholders::new().replace(&json!("cot_65e0839faca22517d5d51cd5"), &hint);
        assert_ne!(other.as_str(), Some(a));
    }

    /// Whether `value` keeps `hint`, as the gate would judge it (the kinds of defect a
    /// placeholder must keep), or the name of the first rule it breaks.
    fn verdict(value: &Value, hint: &Hint) -> &'static str {
        match (hint, value) {
            (Hint::Pattern(p), Value::String(s)) => {
                if regress::Regex::new(p).unwrap().find(s).is_some() {
                    "ok"
                } else {
                    "pattern"
                }
            }
            (Hint::Text(Some(f)), Value::String(s)) => {
                if has_format(f, s) {
                    "ok"
                } else {
                    "format"
                }
            }
            (Hint::Text(None), Value::String(_)) => "ok",
            (
                Hint::Number {
                    minimum,
                    maximum,
                    integer,
                },
                Value::Number(n),
            ) => {
                let v = n.as_f64().unwrap();
                if minimum.is_some_and(|m| v < m) {
                    "minimum"
                } else if maximum.is_some_and(|m| v > m) {
                    "maximum"
                } else if *integer && v.fract() != 0.0 {
                    "integer"
                } else {
                    "ok"
                }
            }
            (_, Value::Null) => "null",
            _ => "type",
        }
    }

    #[test]
    fn a_placeholder_breaks_the_schema_exactly_as_the_value_did() {
        let latitude = Hint::Number {
            minimum: Some(-90.0),
            maximum: Some(90.0),
            integer: false,
        };
        let count = Hint::Number {
            minimum: Some(1.0),
            maximum: None,
            integer: true,
        };
        let cases: Vec<(Hint, Value)> = vec![
            (latitude.clone(), json!(50.1)),
            (latitude.clone(), json!("50.1")),
            (latitude.clone(), json!(-91.5)),
            (latitude.clone(), json!(120)),
            (count.clone(), json!(3)),
            (count.clone(), json!(2.5)),
            (count.clone(), json!(-3)),
            (
                Hint::Pattern(ID.into()),
                json!("cot_65e0839faca22517d5d51cd5"),
            ),
            (Hint::Pattern(ID.into()), json!("not an id")),
            (Hint::Pattern(ID.into()), json!(42)),
            (
                Hint::Text(Some("date-time".into())),
                json!("2024-02-01T10:00:00Z"),
            ),
            (
                Hint::Text(Some("date-time".into())),
                json!("yesterday at ten"),
            ),
            (
                Hint::Text(Some("uri".into())),
                json!("https://example.com/cb"),
            ),
            (Hint::Text(Some("uri".into())), json!("example dot com")),
            (Hint::Text(Some("email".into())), json!("someone")),
            (Hint::Text(None), json!(["London", 7])),
            (Hint::Text(None), json!({"city": "London"})),
        ];
        let p = Placeholders::new();
        for (hint, value) in cases {
            let placeholder = p.replace(&value, &hint);
            assert_ne!(
                placeholder, value,
                "{value} under {hint:?} was not replaced"
            );
            assert_eq!(
                verdict(&placeholder, &hint),
                verdict(&value, &hint),
                "{value} -> {placeholder} under {hint:?}"
            );
            let kind = |v: &Value| std::mem::discriminant(v);
            assert_eq!(kind(&placeholder), kind(&value), "{value} -> {placeholder}");
            // Recognised as a placeholder, so a second scrub changes nothing.
            assert_eq!(
                p.replace(&placeholder, &hint),
                placeholder,
                "{placeholder} under {hint:?}"
            );
        }
        // Inside a container the shape is kept and every scalar replaced.
        let kept = p.replace(
            &json!({"city": "London", "lines": ["1-3", 7]}),
            &Hint::Other,
        );
        assert_eq!(kept["lines"].as_array().map(Vec::len), Some(2));
        assert!(
            kept["city"].as_str().unwrap().contains("redacted"),
            "{kept}"
        );
        assert!(kept["lines"][1].is_number(), "{kept}");
    }

    #[test]
    fn seeded_placeholders_repeat_for_their_seed_only() {
        let hint = Hint::Text(Some("uri".into()));
        let value = json!("https://example.com/callback");
        let of = |seed| Placeholders::seeded(seed).replace(&value, &hint);
        assert_eq!(of(7), of(7));
        assert_ne!(of(7), of(8));
        assert!(is_placeholder(&of(7), &hint), "{}", of(7));
        assert_ne!(of(7), Placeholders::new().replace(&value, &hint));
    }

    #[test]
    fn placeholders_keep_formats_and_bounds_and_are_recognised() {
        let p = Placeholders::new();
        let cases = [
            (
                json!("https://hooks.example.com/t?token=x"),
                Hint::Text(Some("uri".into())),
            ),
            (
                json!("2024-05-01T10:00:00Z"),
                Hint::Text(Some("date-time".into())),
            ),
            (json!("WC2N 5EH"), Hint::Text(None)),
            (
                json!(51.50722),
                Hint::Number {
                    minimum: Some(-90.0),
                    maximum: Some(90.0),
                    integer: false,
                },
            ),
            (
                json!(7),
                Hint::Number {
                    minimum: Some(1.0),
                    maximum: None,
                    integer: true,
                },
            ),
            // A value of the wrong shape (a list or an object where text is marked) keeps its
            // shape, and what scrub writes in it is recognised, so the gate and a second
            // scrub agree that nothing is left.
            (json!(["CUST-1", "CUST-2", 7]), Hint::Text(None)),
            (json!({"x": "CUST-1", "n": {"y": 3.5}}), Hint::Text(None)),
        ];
        for (value, hint) in cases {
            let placeholder = p.replace(&value, &hint);
            assert!(
                is_placeholder(&placeholder, &hint),
                "{placeholder} for {hint:?}"
            );
            assert!(!is_placeholder(&value, &hint), "{value} for {hint:?}");
            assert_eq!(p.replace(&placeholder, &hint), placeholder, "idempotent");
        }
        let date = p.replace(
            &json!("2024-05-01T10:00:00Z"),
            &Hint::Text(Some("date-time".into())),
        );
        assert!(
            chrono::DateTime::parse_from_rfc3339(date.as_str().unwrap()).is_ok(),
            "{date}"
        );
        let lat = p.replace(
            &json!(51.5),
            &Hint::Number {
                minimum: Some(-90.0),
                maximum: Some(90.0),
                integer: false,
            },
        );
        assert!((-90.0..=90.0).contains(&lat.as_f64().unwrap()), "{lat}");
    }

    #[test]
    fn credential_headers_and_token_shapes_are_told_apart_from_ids() {
        for name in [
            "Authorization",
            "proxy-authorization",
            "Set-Cookie",
            "X-Api-Key",
            "x-auth-token",
        ] {
            assert!(is_credential_header(name), "{name}");
        }
        assert!(!is_credential_header("Content-Type"));
        assert_eq!(header_placeholder("Bearer eyJabc"), "Bearer <redacted>");
        assert_eq!(header_placeholder("session=abc"), "<redacted>");
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2lnbmF0dXJl";
        let with_extension = format!("{jwt}.json");
        for leak in [
            jwt,
            &with_extension,
            "Bearer abc.def",
            "key sk_live_51H8abc",
            "key=sk_live_51H8abc",
            "AKIAABCDEFGHIJKLMNOP",
        ] {
            assert!(holds_token(leak), "{leak}");
        }
        for fine in [
            "dev_63a6087272941ef077a8fd3e",
            "Bearer <redacted>",
            "eyJ alone",
            "sk_live_redacted",
            "The bearer token is not valid",
            "Send a Bearer token",
            "wsk_live_a1",
        ] {
            assert!(!holds_token(fine), "{fine}");
        }
        assert_eq!(fingerprint("eyJhbGciOiJIUzI1NiJ9"), "\"eyJh\"… (20 chars)");
        assert_eq!(fingerprint("eyJhbGciOi"), "\"ey\"… (10 chars)");
        assert_eq!(fingerprint("12345"), "\"1\"… (5 chars)");
        assert_eq!(fingerprint("123"), "\"\"… (3 chars)");
        assert_eq!(fingerprint("221B Baker Street"), "\"\"… (17 chars)");
        assert_eq!(fingerprint("Jane\tDoe-Smithson"), "\"\"… (17 chars)");
    }

    /// Found by the test below: `AKIA` then a character of several bytes across byte 20 made
    /// the search per shape slice text inside a character, a panic on a server's response.
    #[test]
    fn an_aws_key_prefix_before_multibyte_text_is_read_without_a_panic() {
        assert!(!holds_token("AKIAgithub_pat_日本github_pat_tokenredacted"));
        assert!(!holds_token("AKIAABCDEFGHIJK日本"));
        assert!(holds_token("AKIAABCDEFGHIJKLMNOP日本"));
    }

    /// The one-pass scan finds what the implementation before it found, at the same place, on
    /// text made of the shapes' parts, near misses, placeholders and non-ASCII characters.
    #[test]
    fn the_one_pass_scan_agrees_with_the_search_per_shape() {
        use proptest::prelude::*;
        const PARTS: [&str; 24] = [
            "bearer ",
            "Bearer ",
            "BEARER  ",
            "eyJ",
            "eyJhbGciOiJIUzI1NiJ9",
            ".",
            "sk_live_",
            "xoxp-",
            "-----BEGIN",
            "AKIA",
            "ABCDEFGHIJKLMNOP",
            "redacted",
            "REDACTED",
            "<",
            " ",
            "\t",
            "w",
            "_",
            "token",
            "1234567890",
            "é",
            "日本",
            "=",
            "github_pat_",
        ];
        let text = prop::collection::vec(prop::sample::select(&PARTS[..]), 0..12)
            .prop_map(|parts| parts.concat());
        proptest!(ProptestConfig::with_cases(4096), |(text in text)| {
            prop_assert_eq!(token_at(&text), token_at_before(&text), "{:?}", text);
        });
    }

    /// The implementation before the one-pass scan (it lowercased the text and searched it once
    /// per shape): the reference the scan must agree with.
    fn token_at_before(text: &str) -> Option<usize> {
        let lower = text.to_ascii_lowercase();
        let bearer = lower
            .match_indices("bearer ")
            .find(|(i, _)| {
                let token = lower[i + 7..].trim_start();
                let word = token.split_whitespace().next().unwrap_or_default();
                // Prose ("the bearer token is not valid") is not a token: a word of letters alone,
                // as short as a word, is read as text; a token has digits or punctuation.
                let prose = word.len() <= 20 && word.chars().all(|c| c.is_ascii_alphabetic());
                !word.is_empty() && !prose && !token.starts_with('<') && !token.starts_with(MARK)
            })
            .map(|(i, _)| i);
        let jwt = text
            .match_indices("eyJ")
            .find(|(i, _)| is_jwt(&text[*i..]))
            .map(|(i, _)| i);
        // A prefix starts a word: `wsk_live_a1` (a webhook signing key's id, public) is not
        // `sk_live_...`.
        let starts_word = |i: usize| {
            text[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        };
        let prefixed = PREFIXES
            .iter()
            .flat_map(|p| text.match_indices(p).map(|(i, _)| i))
            .filter(|i| starts_word(*i) && !lower[*i..].contains(MARK))
            .min();
        // (It sliced `key[4..20]` as text, which panicked when a character of several bytes
        // crossed byte 20: compared as bytes here, which is what it meant.)
        let aws = text.match_indices("AKIA").find(|(i, _)| {
            let key = &text.as_bytes()[*i..];
            key.len() >= 20
                && key[4..20]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        });
        [bearer, jwt, prefixed, aws.map(|(i, _)| i)]
            .into_iter()
            .flatten()
            .min()
    }
}
