//! Duplicate keys. JSON and YAML readers keep the last of two equal keys in one object or
//! mapping, so a cassette with two `http_interactions` (or two `entries`, or two headers of one
//! name in a VCR map) would lose what the first held without a word. Every cassette is first
//! read through [`Keys`], which walks the whole document, keeps nothing but each mapping's keys,
//! and refuses the second of two equal keys: an error that names the key, the path of the
//! mapping that holds it, and a line: the second key's in JSON, the mapping's first in YAML
//! (`serde_norway` gives a visitor's error the place of the node it was visiting).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

use super::{NotACassette, Syntax};

/// How many characters of a repeated key an error shows: a key is a field or header name, but
/// a report stays short whatever the file holds.
const SHOWN: usize = 64;

/// `Ok` when no object or mapping in `text` has a key twice; else the error naming the key, the
/// line and the path (or a syntax error, as the cassette's own parse would give).
pub(crate) fn check(text: &str, syntax: Syntax) -> Result<(), NotACassette> {
    syntax.parse::<Keys>(text).map(drop)
}

/// Any document, of which nothing is kept; see the module.
pub(crate) struct Keys;

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeysVisitor)
    }
}

struct KeysVisitor;

impl<'de> Visitor<'de> for KeysVisitor {
    type Value = Keys;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_i128<E>(self, _: i128) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_str<E>(self, _: &str) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_bytes<E>(self, _: &[u8]) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_none<E>(self) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_unit<E>(self) -> Result<Keys, E> {
        Ok(Keys)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Keys, D::Error> {
        Keys::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Keys, D::Error> {
        Keys::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Keys, A::Error> {
        while seq.next_element::<Keys>()?.is_some() {}
        Ok(Keys)
    }

    /// Each key once; the second of two equal keys is the error.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
        let mut seen = Seen::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "duplicate key `{}` (one of its values would be lost)",
                    shown(&key)
                )));
            }
            map.next_value::<Keys>()?;
        }
        Ok(Keys)
    }

    /// A YAML tag (Ruby VCR's `!binary`): its value is walked like any other. Whether a tag is
    /// allowed is the cassette reader's to say.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Keys, A::Error> {
        let (_, variant) = data.variant::<de::IgnoredAny>()?;
        variant.newtype_variant::<Keys>()
    }
}

/// The keys of one mapping so far. Most mappings of a cassette (a request, a header list, a
/// body's object) have a handful of keys, which a list compares faster than a hash set hashes
/// them; past [`LISTED`] keys they go into a set, so that a mapping of many keys costs one
/// lookup per key, not one comparison per key before it.
struct Seen<T> {
    listed: Vec<T>,
    hashed: HashSet<T>,
}

impl<T> Default for Seen<T> {
    fn default() -> Self {
        Seen {
            listed: Vec::new(),
            hashed: HashSet::new(),
        }
    }
}

/// How many keys [`Seen`] compares one by one.
const LISTED: usize = 16;

impl<T: Eq + std::hash::Hash> Seen<T> {
    /// Adds `key`; `false` when it was there already.
    pub(super) fn insert(&mut self, key: T) -> bool {
        if self.listed.contains(&key) {
            return false;
        }
        if self.listed.len() < LISTED {
            self.listed.push(key);
            return true;
        }
        self.hashed.insert(key)
    }
}

/// The first [`SHOWN`] characters of `key`, and `...` when there were more; a key shaped like
/// a credential (a token used as a field's name) by its fingerprint only.
fn shown(key: &str) -> String {
    if flatpeak_redact::holds_token(key) {
        return flatpeak_redact::fingerprint(key);
    }
    let mut chars = key.chars();
    let mut shown: String = chars.by_ref().take(SHOWN).collect();
    if chars.next().is_some() {
        shown.push_str("...");
    }
    shown
}

/// A mapping's key, borrowed from the text when it can be. A YAML key that is not a string (a
/// number, `true`) is compared by its text, as a JSON tree would hold it.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }

    fn visit_unit<E>(self) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed("null")))
    }
}

/// A recorded body as JSON, refusing an object that holds a key twice: serde_json keeps the
/// last of two equal keys without a word, so a body's first value would go unchecked (and a
/// scrub that rewrote the body would drop it). The error is serde_json's, with its line and
/// column; [`duplicate_key_at`] tells it from a syntax error and finds its place. One parse: the value is built
/// as it is read.
pub(crate) fn json(bytes: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let value = UniqueValue::<false>::deserialize(&mut reader)?;
    reader.end()?;
    Ok(value.0)
}

/// A recorded body and its one reading by [`json`], made when a check first asks for it and
/// kept for the checks after it: the secret check and the schema checks of an interaction read
/// the same bodies, which are then parsed once each.
#[derive(Debug)]
pub(crate) struct Body<'a> {
    bytes: &'a [u8],
    json: std::cell::OnceCell<Result<serde_json::Value, serde_json::Error>>,
}

impl<'a> Body<'a> {
    /// `bytes`, not read yet.
    pub(crate) fn new(bytes: &'a [u8]) -> Body<'a> {
        Body {
            bytes,
            json: std::cell::OnceCell::new(),
        }
    }

    /// The body as recorded.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// [`json`] of the body, read the first time it is asked for.
    pub(crate) fn json(&self) -> &Result<serde_json::Value, serde_json::Error> {
        self.json.get_or_init(|| json(self.bytes))
    }

    /// [`json`] of the body, as [`Body::json`] gives it, by value.
    pub(crate) fn into_json(self) -> Result<serde_json::Value, serde_json::Error> {
        match self.json.into_inner() {
            Some(read) => read,
            None => json(self.bytes),
        }
    }
}

/// `bytes` as JSON with the first value of each repeated key, where a JSON reader keeps the
/// last: the secret check judges both readings of a body with a key twice, so that a value no
/// reader keeps is judged too. `None` when `bytes` are not JSON.
pub(crate) fn json_keeping_first(bytes: &[u8]) -> Option<serde_json::Value> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let value = UniqueValue::<true>::deserialize(&mut reader).ok()?;
    reader.end().ok()?;
    Some(value.0)
}

/// Where `error`, from [`json`] reading `bytes`, found a key twice: the JSON pointer of the
/// object that holds it; `None` when `error` is about the syntax or the end of the text. The
/// body is read again to find the place, which only a body with such a key pays for.
pub(crate) fn duplicate_key_at(bytes: &[u8], error: &serde_json::Error) -> Option<String> {
    if !error.is_data() {
        return None;
    }
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let error = match serde_path_to_error::deserialize::<_, UniqueValue<false>>(&mut reader) {
        Ok(_) => return Some(String::new()),
        Err(error) => error,
    };
    let mut pointer = String::new();
    for segment in error.path().iter() {
        pointer.push('/');
        match segment {
            serde_path_to_error::Segment::Seq { index } => pointer.push_str(&index.to_string()),
            serde_path_to_error::Segment::Map { key } => {
                pointer.push_str(&spec_model::escape(key));
            }
            serde_path_to_error::Segment::Enum { variant } => pointer.push_str(variant),
            serde_path_to_error::Segment::Unknown => pointer.push('?'),
        }
    }
    Some(pointer)
}

/// A JSON value whose objects hold each key once: a repeated key is an error, or, with
/// `FIRST`, its later values are left out ([`json_keeping_first`]).
struct UniqueValue<const FIRST: bool = false>(serde_json::Value);

impl<'de, const FIRST: bool> Deserialize<'de> for UniqueValue<FIRST> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueValueVisitor::<FIRST>)
    }
}

struct UniqueValueVisitor<const FIRST: bool>;

impl<'de, const FIRST: bool> Visitor<'de> for UniqueValueVisitor<FIRST> {
    type Value = UniqueValue<FIRST>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<UniqueValue<FIRST>, E> {
        Ok(UniqueValue(v.into()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<UniqueValue<FIRST>, E> {
        Ok(UniqueValue(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<UniqueValue<FIRST>, E> {
        Ok(UniqueValue(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<UniqueValue<FIRST>, E> {
        // JSON has no NaN or infinity: serde_json reports a number beyond f64 itself.
        Ok(UniqueValue(
            serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into),
        ))
    }

    fn visit_str<E>(self, v: &str) -> Result<UniqueValue<FIRST>, E> {
        Ok(UniqueValue(v.into()))
    }

    fn visit_string<E>(self, v: String) -> Result<UniqueValue<FIRST>, E> {
        Ok(UniqueValue(v.into()))
    }

    fn visit_none<E>(self) -> Result<UniqueValue<FIRST>, E> {
        Ok(UniqueValue(serde_json::Value::Null))
    }

    fn visit_unit<E>(self) -> Result<UniqueValue<FIRST>, E> {
        Ok(UniqueValue(serde_json::Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<UniqueValue<FIRST>, D::Error> {
        UniqueValue::<FIRST>::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueValue<FIRST>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(UniqueValue::<FIRST>(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(UniqueValue(serde_json::Value::Array(items)))
    }

    /// Each key once; the second of two equal keys is the error.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueValue<FIRST>, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let UniqueValue::<FIRST>(value) = map.next_value()?;
            match object.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(_) if FIRST => {}
                serde_json::map::Entry::Occupied(slot) => {
                    return Err(de::Error::custom(format!(
                        "duplicate key `{}` (one of its values would be lost)",
                        shown(slot.key())
                    )));
                }
            }
        }
        Ok(UniqueValue(serde_json::Value::Object(object)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(text: &str, syntax: Syntax) -> String {
        check(text, syntax).map_or_else(|e| e.to_string(), |()| String::from("ok"))
    }

    #[test]
    fn a_key_twice_in_one_json_object_names_the_key_the_line_and_the_path() {
        let text =
            "{\"http_interactions\": [],\n \"recorded_with\": \"t\",\n \"http_interactions\": []}";
        let why = why(text, Syntax::Json);
        assert!(why.contains("duplicate key `http_interactions`"), "{why}");
        assert!(why.contains("line 3"), "{why}");
        let nested = "{\"a\": [{\"h\": {\"X\": 1,\n\"X\": 2}}]}";
        let why = super::check(nested, Syntax::Json).unwrap_err().to_string();
        assert!(
            why.contains("duplicate key `X`") && why.contains("line 2"),
            "{why}"
        );
        assert!(why.contains("(at `a[0].h`)"), "{why}");
    }

    #[test]
    fn a_body_with_a_key_twice_is_refused_with_the_key_its_line_and_its_object_s_pointer() {
        let body = br#"{"id": "dev_1", "data": [{"a": 1}, {"a/b": {"x": 1},
            "a/b": 2}], "ok": true}"#;
        let error = json(body).unwrap_err();
        assert!(error.to_string().contains("duplicate key `a/b`"), "{error}");
        assert!(error.to_string().contains("line 2"), "{error}");
        assert_eq!(duplicate_key_at(body, &error).as_deref(), Some("/data/1"));
        // A syntax error is not a duplicate key.
        let broken = json(b"{\"a\": ").unwrap_err();
        assert_eq!(duplicate_key_at(b"{\"a\": ", &broken), None);
        // Without a repeated key, the value is serde_json's, in order.
        let read = json(br#"{"b": [1, 2.5, "x", null, {"c": false}], "a": -3}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"b":[1,2.5,"x",null,{"c":false}],"a":-3}"#
        );
        assert!(json(b"{} x").is_err());
    }

    #[test]
    fn a_body_is_read_once_and_reads_as_json_does() {
        let bytes = br#"{"id": "dev_1", "n": [1, 2]}"#;
        let body = Body::new(bytes);
        let first: *const Result<serde_json::Value, serde_json::Error> = body.json();
        // Asked again, the same reading, not a second parse.
        assert!(std::ptr::eq(first, body.json()));
        assert_eq!(body.bytes(), bytes);
        assert_eq!(body.into_json().unwrap(), json(bytes).unwrap());
        // Taken without being asked first: read then.
        assert_eq!(Body::new(bytes).into_json().unwrap(), json(bytes).unwrap());
        // A key twice is the same error through either way.
        let twice = br#"{"a": 1, "a": 2}"#;
        let asked = Body::new(twice);
        let error = asked.json().as_ref().unwrap_err().to_string();
        assert_eq!(error, json(twice).unwrap_err().to_string());
        assert_eq!(asked.into_json().unwrap_err().to_string(), error);
    }

    #[test]
    fn a_key_twice_in_one_yaml_mapping_names_the_key_and_the_mapping_s_line() {
        let text = "log:\n  entries: []\n  version: '1.2'\n  entries: []\n";
        let why = why(text, Syntax::Yaml);
        assert!(why.contains("log: duplicate key `entries`"), "{why}");
        assert!(why.contains("line 2"), "{why}");
    }

    #[test]
    fn a_key_repeated_among_many_is_found_wherever_the_two_are() {
        let keys = |n: usize| (0..n).map(|i| format!("\"k{i}\": {i}")).collect::<Vec<_>>();
        for (first, second) in [(0, 5), (3, 40), (30, 40), (15, 16)] {
            let mut all = keys(50);
            all.insert(second, format!("\"k{first}\": null"));
            let text = format!("{{{}}}", all.join(", "));
            assert!(
                why(&text, Syntax::Json).contains(&format!("duplicate key `k{first}`")),
                "{first} {second}"
            );
        }
        assert_eq!(
            why(&format!("{{{}}}", keys(50).join(", ")), Syntax::Json),
            "ok"
        );
    }

    #[test]
    fn equal_keys_in_different_mappings_tags_and_long_keys_are_read() {
        let text = "a: {x: 1, y: [{x: 2}, {x: 3}]}\nb: !binary |-\n  e30=\n1: 2\n'1': 3\n";
        // `1` and `'1'` are the same key in a JSON tree.
        assert!(why(text, Syntax::Yaml).contains("duplicate key `1`"));
        assert_eq!(why(&text.replace("'1': 3\n", ""), Syntax::Yaml), "ok");
        let long = "k".repeat(100);
        let why = why(&format!("{{\"{long}\": 1, \"{long}\": 2}}"), Syntax::Json);
        assert!(
            why.contains(&format!("`{}...`", "k".repeat(SHOWN))),
            "{why}"
        );
    }
}
