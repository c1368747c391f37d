//! Personal data and credentials the spec does not mark: found by a field's name or a value's
//! shape, so that the `secret` check and `scrub` cover a `postal_address` inside an object the
//! spec does not declare, or a callback URL in a field it does not know. These are heuristics:
//! every finding they make says so, and names the rule. The list (README, "The contract gate",
//! repeats it):
//!
//! - **by name** (any letter case, `-` read as `_`): address lines (`address`, `address_line1`
//!   .. `address_line3`, `street`, `street_address`, `line1`, `line2`), post codes
//!   (`post_code`, `postcode`, `postal_code`, `zip`, `zip_code`, `zipcode`), e-mail
//!   addresses (`email`, `email_address`, `e_mail`), phone numbers (`phone`, `phone_number`,
//!   `mobile`, `telephone`), coordinates (`lat`, `lng`, `lon`, `latitude`, `longitude`),
//!   callback URLs (`callback_url`, `callback_uri`, `redirect_url`, `redirect_uri`,
//!   `return_url`, `webhook_url`); and every string or number inside an object named
//!   `postal_address`, `billing_address` or `shipping_address`, but its country;
//! - **by shape**, under any name: an e-mail address (`someone@example.com`), and a URL that
//!   carries credentials (a user name or password) or a query or fragment parameter whose name
//!   says token, key, secret, signature, password or auth;
//! - **by a form field's name**: a field of a form body (`application/x-www-form-urlencoded`)
//!   whose name says one of those words, as a fragment's parameter is read
//!   ([`is_credential_pair`]).
//!
//! A value the spec marks `x-sensitive` is the spec's business, not these rules'; a
//! placeholder, an empty string, `null` or a boolean is never personal data.

use serde_json::Value;

/// Why a value counts as personal data or a credential, for a finding's message.
pub(crate) type Rule = &'static str;

/// Names of fields holding personal data, with the rule each one falls under.
const NAMES: &[(&str, Rule)] = &[
    ("address", "heuristic: an address line, by its name"),
    ("address_line1", "heuristic: an address line, by its name"),
    ("address_line2", "heuristic: an address line, by its name"),
    ("address_line3", "heuristic: an address line, by its name"),
    ("street", "heuristic: an address line, by its name"),
    ("street_address", "heuristic: an address line, by its name"),
    ("line1", "heuristic: an address line, by its name"),
    ("line2", "heuristic: an address line, by its name"),
    ("post_code", "heuristic: a post code, by its name"),
    ("postcode", "heuristic: a post code, by its name"),
    ("postal_code", "heuristic: a post code, by its name"),
    ("zip", "heuristic: a post code, by its name"),
    ("zip_code", "heuristic: a post code, by its name"),
    ("zipcode", "heuristic: a post code, by its name"),
    ("email", "heuristic: an e-mail address, by its name"),
    ("email_address", "heuristic: an e-mail address, by its name"),
    ("e_mail", "heuristic: an e-mail address, by its name"),
    ("phone", "heuristic: a phone number, by its name"),
    ("phone_number", "heuristic: a phone number, by its name"),
    ("mobile", "heuristic: a phone number, by its name"),
    ("telephone", "heuristic: a phone number, by its name"),
    ("lat", "heuristic: a coordinate, by its name"),
    ("lng", "heuristic: a coordinate, by its name"),
    ("lon", "heuristic: a coordinate, by its name"),
    ("latitude", "heuristic: a coordinate, by its name"),
    ("longitude", "heuristic: a coordinate, by its name"),
    ("callback_url", "heuristic: a callback URL, by its name"),
    ("callback_uri", "heuristic: a callback URL, by its name"),
    ("redirect_url", "heuristic: a callback URL, by its name"),
    ("redirect_uri", "heuristic: a callback URL, by its name"),
    ("return_url", "heuristic: a callback URL, by its name"),
    ("webhook_url", "heuristic: a callback URL, by its name"),
];

/// Objects whose every value but the country is personal (a postal address).
const ADDRESS_OBJECTS: &[&str] = &["postal_address", "billing_address", "shipping_address"];

/// Words in a name (a query or fragment parameter's, a form's or an undeclared JSON field's)
/// that make its value a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "token",
    "key",
    "secret",
    "signature",
    "password",
    "passphrase",
    "auth",
    "authorization",
    "credential",
    "credentials",
];

/// A field name as the rules read it: lower case, `-` as `_`.
fn normal(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// Whether `name` read as [`normal`] reads it is `rule` (lower case, with `_`), without
/// making the normal form: the secret check asks this of every field of every body.
fn is_named(name: &str, rule: &str) -> bool {
    name.len() == rule.len()
        && name.bytes().zip(rule.bytes()).all(|(a, b)| match a {
            b'-' => b == b'_',
            a => a.to_ascii_lowercase() == b,
        })
}

/// The rule under which the field `name` holding `value` is personal data, if any.
pub(crate) fn by_name(name: &str, value: &Value) -> Option<Rule> {
    if !holds_something(value) {
        return None;
    }
    NAMES
        .iter()
        .find(|(n, _)| is_named(name, n))
        .map(|(_, rule)| *rule)
}

/// Whether the field `name` is an object of personal data (a postal address).
pub(crate) fn is_address_object(name: &str) -> bool {
    ADDRESS_OBJECTS.iter().any(|n| is_named(name, n))
}

/// The range of a coordinate field (`lat` -90 to 90, `lng` -180 to 180), by its name.
pub(crate) fn coordinate_range(name: &str) -> Option<(f64, f64)> {
    let any = |names: &[&str]| names.iter().any(|n| is_named(name, n));
    if any(&["lat", "latitude"]) {
        Some((-90.0, 90.0))
    } else if any(&["lng", "lon", "longitude"]) {
        Some((-180.0, 180.0))
    } else {
        None
    }
}

/// Whether a field of an address object is the one that is not personal (the country).
pub(crate) fn is_country(name: &str) -> bool {
    is_named(name, "country") || is_named(name, "country_code")
}

/// The rule under which the string `text` is personal data or a credential by its shape.
pub(crate) fn by_shape(text: &str) -> Option<Rule> {
    if is_email(text) {
        return Some("heuristic: an e-mail address, by its shape");
    }
    // An absolute URL has a `:` after its scheme; most strings have none, and are not parsed.
    if !text.contains(':') {
        return None;
    }
    let url = url::Url::parse(text).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("heuristic: a URL with credentials in it");
    }
    if url.query_pairs().any(|(n, v)| is_credential_pair(&n, &v)) {
        return Some("heuristic: a URL with a token in its query");
    }
    let fragment = url.fragment().unwrap_or_default();
    fragment_pairs(fragment)
        .iter()
        .any(|(n, v)| is_credential_pair(n, v))
        .then_some("heuristic: a URL with a token in its fragment")
}

/// Last words of a name whose value says something about a credential, not the credential:
/// OAuth's `token_type`, `token_type_hint` (RFC 6749, RFC 7009), `subject_token_type` (RFC
/// 8693), `token_endpoint_auth_method`; a key's id, a signature's algorithm, a token's expiry,
/// an authorisation's status, a token endpoint's URL.
const KIND_WORDS: &[&str] = &[
    "type",
    "hint",
    "method",
    "id",
    "algorithm",
    "alg",
    "status",
    "expiry",
    "expires",
    "expiration",
    "at",
    "in",
    "url",
    "uri",
    "endpoint",
    "length",
    "version",
    "count",
    "name",
    "format",
    "scheme",
    "prefix",
];

/// What comes before a credential word in a word that runs the two together (`apikey`,
/// `accesstoken`, `clientsecret`): `monkey` and `turkey` end with `key` and are not one.
const JOINED: &[&str] = &[
    "api", "access", "auth", "refresh", "id", "session", "bearer", "secret", "private", "client",
    "app", "master", "signing", "user", "account", "admin", "service",
];

/// Words before `key` that make it a key of a table or a map, not a credential
/// (`sort_key`, `partition_key`, `public_key`, `idempotency_key`).
const NOT_SECRET_KEYS: &[&str] = &[
    "sort",
    "partition",
    "primary",
    "foreign",
    "public",
    "idempotency",
    "cache",
    "hash",
    "map",
    "range",
    "lookup",
    "object",
    "group",
    "dedup",
    "dedupe",
    "natural",
    "composite",
    "unique",
];

/// Whether a name (a URL's query or fragment parameter's, a form field's, an undeclared JSON
/// field's) holding `value` is a credential by its name: one of its words (split at `_`, `-`
/// and `.`) is a word of [`CREDENTIAL_WORDS`], or runs one of [`JOINED`] and one together
/// (`refresh_token`, `client_secret`, `apikey`), its last word is not one of [`KIND_WORDS`]
/// (`token_type`, `key_id`), a `key` is not a table's ([`NOT_SECRET_KEYS`]: `sort_key`), and
/// the value holds something. `keyword`, `author` and `monkey` are not.
pub(crate) fn is_credential_pair(name: &str, value: &str) -> bool {
    // Most names (every header of every interaction passes here) hold no credential word:
    // settled without allocating.
    let holds = |word: &&str| {
        name.as_bytes()
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
    };
    if value.is_empty() || !CREDENTIAL_WORDS.iter().any(holds) {
        return false;
    }
    let name = normal(name);
    let words: Vec<&str> = name.split(['_', '.']).filter(|w| !w.is_empty()).collect();
    let kind = words.last().is_some_and(|last| KIND_WORDS.contains(last));
    let credential = |(i, word): (usize, &&str)| {
        CREDENTIAL_WORDS.iter().any(|c| {
            let Some(before) = word.strip_suffix(c) else {
                return false;
            };
            let joined = before.is_empty() || JOINED.iter().any(|j| before.ends_with(j));
            let table = *c == "key"
                && before.is_empty()
                && i > 0
                && NOT_SECRET_KEYS.contains(&words[i - 1]);
            joined && !table
        })
    };
    !value.is_empty() && !kind && words.iter().enumerate().any(credential)
}

/// A URL's fragment (without its `#`) as name-value pairs, decoded: `access_token=...&...` as
/// OAuth's implicit flow writes it, or, when it has no `=`, the whole fragment as the value of
/// an empty name.
pub(crate) fn fragment_pairs(fragment: &str) -> Vec<(String, String)> {
    if fragment.is_empty() {
        return Vec::new();
    }
    if !fragment.contains('=') {
        let whole = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        return vec![(String::new(), whole.into_owned())];
    }
    url::form_urlencoded::parse(fragment.as_bytes())
        .into_owned()
        .collect()
}

/// Whether a value can hold personal data at all: a non-empty string, or a number.
pub(crate) fn holds_something(value: &Value) -> bool {
    match value {
        Value::String(s) => !s.is_empty(),
        Value::Number(_) => true,
        _ => false,
    }
}

/// `user@host.tld`, with no spaces: the shape of an e-mail address.
pub(crate) fn is_email(text: &str) -> bool {
    let Some((user, host)) = text.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && !text.contains(char::is_whitespace)
        && !host.contains('@')
        && host.split('.').filter(|p| !p.is_empty()).count() >= 2
        && !host.starts_with('.')
        && !user.contains('/')
}

/// Calls `f` with the pointer, value and rule of each value of `json` these heuristics take
/// for personal data or a credential.
pub(crate) fn walk(json: &Value, at: &mut String, f: &mut impl FnMut(&str, &Value, Rule)) {
    let len = at.len();
    match json {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                crate::spec::push_index(at, i);
                walk(item, at, f);
                at.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (name, value) in fields {
                crate::spec::push_token(at, name);
                if is_address_object(name) && value.is_object() {
                    address(value, at, f);
                } else if let Some(rule) = by_name(name, value) {
                    f(at, value, rule);
                } else {
                    walk(value, at, f);
                }
                at.truncate(len);
            }
        }
        Value::String(s) => {
            if let Some(rule) = by_shape(s) {
                f(at, json, rule);
            }
        }
        _ => {}
    }
}

/// Every string and number of an address object, but its country.
fn address(json: &Value, at: &mut String, f: &mut impl FnMut(&str, &Value, Rule)) {
    let len = at.len();
    match json {
        Value::Object(fields) => {
            for (name, value) in fields.iter().filter(|(n, _)| !is_country(n)) {
                crate::spec::push_token(at, name);
                address(value, at, f);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                crate::spec::push_index(at, i);
                address(item, at, f);
                at.truncate(len);
            }
        }
        value if holds_something(value) => f(
            at,
            value,
            "heuristic: part of a postal address, by its object's name",
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_naming_a_kind_of_token_is_not_a_credential() {
        let oauth = "access_token=mF_9.B5f-4.1JqM&token_type=Bearer&expires_in=3600&state=xyz";
        let found: Vec<String> = fragment_pairs(oauth)
            .into_iter()
            .filter(|(n, v)| is_credential_pair(n, v))
            .map(|(n, _)| n)
            .collect();
        assert_eq!(found, ["access_token"]);
        assert!(!is_credential_pair("Token-Type-Hint", "refresh_token"));
        assert!(is_credential_pair("token", "refresh_token"));
        for name in [
            "refresh_token",
            "client_secret",
            "X-Api-Key",
            "apikey",
            "accessToken",
            "password",
            "private_key",
            "Authorization",
            "aws_secret_access_key",
        ] {
            assert!(is_credential_pair(name, "v"), "{name}");
        }
        for name in [
            "subject_token_type",
            "keyword",
            "author",
            "code_challenge_method",
            "monkey",
            "turkey",
            "sort_key",
            "public_key",
            "key_id",
            "token_expiry",
            "signature_algorithm",
            "auth_status",
            "token_url",
        ] {
            assert!(!is_credential_pair(name, "v"), "{name}");
        }
        assert!(!is_credential_pair("password", ""));
    }

    #[test]
    fn a_name_is_read_in_any_case_and_with_dashes_as_its_rule_writes_it() {
        for (name, rule) in [
            ("postal_address", "postal_address"),
            ("Postal-Address", "postal_address"),
            ("LAT", "lat"),
        ] {
            assert!(is_named(name, rule), "{name}");
            assert_eq!(normal(name), rule);
        }
        for (name, rule) in [
            ("postal_addresses", "postal_address"),
            ("la", "lat"),
            ("lät", "lat"),
        ] {
            assert!(!is_named(name, rule), "{name}");
        }
        assert_eq!(coordinate_range("Latitude"), Some((-90.0, 90.0)));
        assert_eq!(coordinate_range("LNG"), Some((-180.0, 180.0)));
        assert_eq!(coordinate_range("altitude"), None);
        assert!(is_country("Country-Code") && !is_country("county"));
    }
    use serde_json::json;

    fn found(json: &Value) -> Vec<(String, Rule)> {
        let mut out = Vec::new();
        walk(json, &mut String::new(), &mut |at, _, rule| {
            out.push((at.to_string(), rule))
        });
        out
    }

    #[test]
    fn names_shapes_and_address_objects_are_found_with_their_rule() {
        let body = json!({
            "extra": {"postal_address": {"address_line1": "1 Strand", "city": "London",
                                         "country_code": "GB"}},
            "Post-Code": "WC2N 5EH",
            "contact": [{"email": "a@b.co"}, {"note": "mail me at x.y@example.org"}],
            "hook": "https://example.com/cb?token=abc123",
            "proxy": "https://user:pw@example.com/",
            "geo": {"lat": 51.5, "lng": "-0.12"},
            "plain": "https://example.com/page?lang=en",
            "empty": {"email": ""},
            "enabled": {"phone": true}
        });
        let mut found = found(&body);
        found.sort();
        let at: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            at,
            [
                "/Post-Code",
                "/contact/0/email",
                "/extra/postal_address/address_line1",
                "/extra/postal_address/city",
                "/geo/lat",
                "/geo/lng",
                "/hook",
                "/proxy",
            ],
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .all(|(_, rule)| rule.starts_with("heuristic: "))
        );
        assert_eq!(found[6].1, "heuristic: a URL with a token in its query");
        // Prose that holds an address is not an address: only a whole value is judged.
        assert!(!at.contains(&"/contact/1/note"));
    }

    #[test]
    fn the_email_shape_is_strict() {
        for yes in ["a@b.co", "first.last+tag@mail.example.org"] {
            assert!(is_email(yes), "{yes}");
        }
        for no in [
            "@b.co",
            "a@b",
            "a b@c.de",
            "a@@b.co",
            "https://a@b.co/x",
            "a@.co",
        ] {
            assert!(!is_email(no), "{no}");
        }
    }
}
