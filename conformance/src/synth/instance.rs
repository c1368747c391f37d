//! Valid JSON instances of the spec's schemas, at random, for any schema of the spec: the
//! bodies, parameters and request bodies of every synthetic interaction come from here.
//!
//! What "valid" has to mean is set by two readers: the gate's JSON Schema check and the
//! generated client, which is stricter in places (it parses every `date-time`, needs every
//! required field, and re-sends a request body from its own types). So objects get every
//! required field and a random subset of optional ones, and only declared ones (a response
//! with no undeclared field); `oneOf` picks one member, through the discriminator's mapping
//! when there is one, so that the member's tag names it; `date-time`s are RFC 3339 UTC;
//! strings with a `pattern` come from the schema's (or the property's) `example`, varied
//! where it still matches (an id keeps its `prefix_` and gets a new body); numbers stay within
//! `minimum` and `maximum`. In a request, `readOnly` fields are left out and arrays are never
//! empty: the client drops an empty optional array when it sends a body, and the replay would
//! see a request other than the recorded one. A field the spec marks `x-sensitive` holds a
//! placeholder, as a scrubbed recording would (seeded: the same seed, the same bytes).

use flatpeak_redact::Placeholders;
use serde_json::{Map, Number, Value};

use super::SynthError;
use super::rng::Rng;
use super::view::{Patterns, View, resolve, view};

/// Which side of an interaction an instance is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// A request body or parameter.
    Request,
    /// A response body.
    Response,
}

/// The chance that an optional field is present.
const OPTIONAL: f64 = 0.7;
/// The chance that a nullable value is `null`.
const NULL: f64 = 0.1;
/// Schemas whose arrays are time series (a tariff's rates, period by period): dozens of
/// entries, where other arrays have a few.
const TIME_SERIES: [&str; 2] = ["RateEntry", "AuditEntry"];
/// Entries of a time series: a day of half hours, give or take.
const TIME_SERIES_LEN: (usize, usize) = (24, 72);
/// Fields and parameters that hold a credential: scrubbed, as a recorder leaves them.
const CREDENTIALS: [&str; 2] = ["bearer_token", "connect_token"];
/// Nesting beyond this is a schema that refers to itself without end.
const MAX_DEPTH: usize = 24;
/// Words for strings the schema says nothing more about.
const WORDS: [&str; 16] = [
    "Nova", "Helio", "Atlas", "Pico", "Flex", "Agile", "Home", "Power", "Grid", "Solar", "Volt",
    "Octo", "Green", "Smart", "Peak", "Works",
];

/// What the caller knows about where a value goes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Slot<'a> {
    /// The field or parameter name.
    pub(crate) name: Option<&'a str>,
    /// An example given beside the schema (a parameter's), which wins over the schema's.
    pub(crate) example: Option<&'a Value>,
}

/// Makes instances of the schemas of one document.
#[derive(Debug)]
pub(crate) struct Instances<'d> {
    doc: &'d Value,
    /// What an `x-sensitive` value becomes.
    placeholders: Placeholders,
    /// The patterns met so far, compiled.
    pub(crate) patterns: Patterns,
}

impl<'d> Instances<'d> {
    /// Instances of the schemas of `doc`; `seed` makes the placeholders of sensitive values.
    pub(crate) fn new(doc: &'d Value, seed: u64) -> Self {
        Instances {
            doc,
            placeholders: Placeholders::seeded(seed),
            patterns: Patterns::default(),
        }
    }

    /// A valid instance of `schema` for `side`.
    pub(crate) fn value(
        &mut self,
        rng: &mut Rng,
        schema: &'d Value,
        side: Side,
        slot: Slot<'_>,
    ) -> Result<Value, SynthError> {
        self.at(rng, schema, side, slot, 0)
    }

    fn at(
        &mut self,
        rng: &mut Rng,
        schema: &'d Value,
        side: Side,
        slot: Slot<'_>,
        depth: usize,
    ) -> Result<Value, SynthError> {
        if depth > MAX_DEPTH {
            return Err(SynthError::TooDeep(MAX_DEPTH));
        }
        let view = view(self.doc, schema);
        if view.nullable && rng.chance(NULL) {
            return Ok(Value::Null);
        }
        if let Some(members) = view.one_of {
            return self.one_of(rng, &view, members, side, depth);
        }
        if let Some(options) = view.options {
            let options: Vec<&Value> = options.iter().filter(|o| !o.is_null()).collect();
            if !options.is_empty() {
                return Ok((*rng.pick(&options)).clone());
            }
        }
        match view.kind {
            Some("array") => self.array(rng, &view, side, depth),
            Some("string") => self.string(rng, &view, slot).map(Value::from),
            Some("integer") => Ok(Value::from(integer(rng, &view))),
            Some("number") => Ok(number(rng, &view)),
            Some("boolean") => Ok(Value::Bool(rng.chance(0.5))),
            _ if view.is_object() => self.object(rng, &view, side, depth),
            // A schema that says nothing: any value is valid.
            _ => Ok(Value::from(words(rng))),
        }
    }

    /// The placeholder of `value`, a sensitive value whose schema is `schema`.
    pub(crate) fn placeholder(&self, value: &Value, schema: &Value) -> Value {
        let hint = spec_model::sensitive::hint(self.doc, schema);
        self.placeholders.replace(value, &hint)
    }

    fn object(
        &mut self,
        rng: &mut Rng,
        view: &View<'d>,
        side: Side,
        depth: usize,
    ) -> Result<Value, SynthError> {
        let mut map = Map::new();
        for &(name, schema) in &view.properties {
            let required = view.requires(name);
            if side == Side::Request && super::view::view(self.doc, schema).read_only {
                continue;
            }
            if !required && !rng.chance(OPTIONAL) {
                continue;
            }
            let slot = Slot {
                name: Some(name),
                example: None,
            };
            let value = self.at(rng, schema, side, slot, depth + 1)?;
            let value = match spec_model::sensitive::is_marked(schema) {
                true => self.placeholder(&value, schema),
                false => value,
            };
            map.insert(name.to_string(), value);
        }
        // A required field the schema does not describe: any value is valid for it.
        for name in &view.required {
            if !map.contains_key(*name) && view.property(name).is_none() {
                map.insert(name.to_string(), Value::from(words(rng)));
            }
        }
        Ok(Value::Object(map))
    }

    fn array(
        &mut self,
        rng: &mut Rng,
        view: &View<'d>,
        side: Side,
        depth: usize,
    ) -> Result<Value, SynthError> {
        let Some(items) = view.items else {
            return Ok(Value::Array(Vec::new()));
        };
        let series = resolve(self.doc, items)
            .1
            .is_some_and(|name| TIME_SERIES.contains(&name));
        let (lo, hi) = match (series, side) {
            (true, _) => TIME_SERIES_LEN,
            (false, Side::Response) => (0, 3),
            (false, Side::Request) => (1, 3),
        };
        let len = lo + rng.below(hi - lo + 1);
        let mut out = Vec::with_capacity(len);
        for _ in 0..len {
            out.push(self.at(rng, items, side, Slot::default(), depth + 1)?);
        }
        Ok(Value::Array(out))
    }

    /// One member of a `oneOf`. With a discriminator's mapping, a mapping entry is picked and
    /// its name written into the discriminating field, so that the two always agree (an
    /// `EventData` member whose `object` names it).
    fn one_of(
        &mut self,
        rng: &mut Rng,
        view: &View<'d>,
        members: &'d [Value],
        side: Side,
        depth: usize,
    ) -> Result<Value, SynthError> {
        let field = view
            .discriminator
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str);
        let mapping: Vec<(&str, &'d Value)> = view
            .discriminator
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(key, target)| {
                let pointer = crate::spec::local_pointer(target.as_str()?)?;
                Some((key.as_str(), self.doc.pointer(&pointer)?))
            })
            .collect();
        if let (Some(field), Some(&(key, target))) = (field, rng.pick_opt(&mapping)) {
            let mut value = self.at(rng, target, side, Slot::default(), depth + 1)?;
            if let Value::Object(map) = &mut value {
                map.insert(field.to_string(), Value::from(key));
            }
            return Ok(value);
        }
        match rng.pick_opt(members) {
            Some(member) => self.at(rng, member, side, Slot::default(), depth + 1),
            None => Err(SynthError::EmptyOneOf),
        }
    }

    fn string(
        &mut self,
        rng: &mut Rng,
        view: &View<'d>,
        slot: Slot<'_>,
    ) -> Result<String, SynthError> {
        let example = slot.example.or(view.example).and_then(Value::as_str);
        let mut text = match (view.format, view.pattern, example) {
            (Some("date-time"), _, _) => rng.date_time(),
            (_, Some(pattern), _) => self.patterned(rng, pattern, example)?,
            (_, _, Some(example)) => vary_digits(rng, example, 4),
            (Some("uri"), _, _) => format!("https://example.com/{}", words(rng).to_lowercase()),
            (Some("date"), _, _) => rng.date_time()[..10].to_string(),
            _ => words(rng),
        };
        while text.len() < view.min_length.unwrap_or(0) {
            text.push('x');
        }
        if slot.name.is_some_and(|n| CREDENTIALS.contains(&n)) {
            text = redact(rng, &text);
        }
        Ok(text)
    }

    /// A string matching `pattern`, made from `example` (which must match it): an id's body
    /// is new, other examples get new digits where they still match.
    fn patterned(
        &mut self,
        rng: &mut Rng,
        pattern: &str,
        example: Option<&str>,
    ) -> Result<String, SynthError> {
        let Some(example) = example.filter(|e| self.patterns.matches(pattern, e)) else {
            return Err(SynthError::PatternWithoutExample(pattern.to_string()));
        };
        if let Some((prefix, body)) = id_parts(example) {
            let id = format!("{prefix}_{}", rng.hex(body.len()));
            if self.patterns.matches(pattern, &id) {
                return Ok(id);
            }
        }
        for _ in 0..8 {
            let varied = vary_digits(rng, example, 1);
            if self.patterns.matches(pattern, &varied) {
                return Ok(varied);
            }
        }
        Ok(example.to_string())
    }
}

/// `dev_63a6..` as (`dev`, `63a6..`): a lower-case prefix of 2 to 4 letters, an underscore,
/// and an alphanumeric body.
pub(crate) fn id_parts(text: &str) -> Option<(&str, &str)> {
    let (prefix, body) = text.split_once('_')?;
    let prefix_ok =
        (2..=4).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_lowercase());
    let body_ok = !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric());
    (prefix_ok && body_ok).then_some((prefix, body))
}

/// `text` with every run of at least `run` digits replaced by random digits.
fn vary_digits(rng: &mut Rng, text: &str, run: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String, rng: &mut Rng| {
        if digits.len() >= run {
            for _ in 0..digits.len() {
                out.push(char::from(b'0' + rng.below(10) as u8));
            }
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out, rng);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out, rng);
    out
}

/// A credential as a recorder scrubs it: an id keeps its shape (`cot_redacted..`), anything
/// else becomes `<redacted>`.
fn redact(rng: &mut Rng, text: &str) -> String {
    match id_parts(text) {
        Some((prefix, _)) => format!(
            "{prefix}_redacted{}",
            vary_digits(rng, "0000000000000000", 1)
        ),
        None => "<redacted>".to_string(),
    }
}

/// One or two words.
fn words(rng: &mut Rng) -> String {
    let first = *rng.pick(&WORDS);
    match rng.chance(0.5) {
        true => format!("{first} {}", rng.pick(&WORDS)),
        false => first.to_string(),
    }
}

/// The range numbers are drawn from: the schema's bounds, else around its example, else
/// 0 to 1,000.
fn range(view: &View<'_>) -> (f64, f64) {
    let example = view.example.and_then(Value::as_f64).filter(|e| *e != 0.0);
    let span = example.map_or(1000.0, |e| e.abs() * 1.5);
    match (view.minimum, view.maximum, example) {
        (Some(lo), Some(hi), _) => (lo, hi.max(lo)),
        (Some(lo), None, _) => (lo, lo + span),
        (None, Some(hi), _) => (hi - span, hi),
        (None, None, Some(e)) => {
            let (a, b) = (e * 0.5, e * 1.5);
            (a.min(b), a.max(b))
        }
        (None, None, None) => (0.0, span),
    }
}

fn integer(rng: &mut Rng, view: &View<'_>) -> i64 {
    let (lo, hi) = range(view);
    let (mut lo, mut hi) = (lo.ceil(), hi.floor());
    if view.format == Some("int32") {
        lo = lo.max(f64::from(i32::MIN));
        hi = hi.min(f64::from(i32::MAX));
    }
    // `as` saturates: bounds beyond i64 become its ends.
    rng.int_between(lo as i64, hi as i64)
}

fn number(rng: &mut Rng, view: &View<'_>) -> Value {
    let (lo, hi) = range(view);
    let decimals = if hi - lo >= 10.0 { 2 } else { 3 };
    let x = rng.decimal(lo, hi, decimals).clamp(lo, hi);
    Number::from_f64(x).map_or(Value::from(0), Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "Id": {"type": "string", "pattern": "^[a-z]{2,4}_[A-Za-z0-9]+$",
                   "example": "dev_63a6087272941ef077a8fd3e"},
            "Time": {"type": "string", "pattern": "^([01][0-9]|2[0-4]):[0-5][0-9]:[0-5][0-9]$",
                     "example": "05:00:00"},
            "Thing": {"type": "object", "required": ["id", "at"], "properties": {
                "id": {"allOf": [{"$ref": "#/Id"}], "example": "loc_641b90b758fb8e6293716e40"},
                "at": {"type": "string", "format": "date-time"},
                "n": {"type": "number", "minimum": 0, "maximum": 1},
                "k": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 100},
                "e": {"type": "string", "enum": ["A", "B"]},
                "t": {"$ref": "#/Time"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "secret": {"type": "string", "readOnly": true},
                "bearer_token": {"type": "string"}}},
            "Union": {"oneOf": [{"$ref": "#/A"}, {"$ref": "#/B"}],
                      "discriminator": {"propertyName": "object",
                                        "mapping": {"a": "#/A", "b": "#/B", "bee": "#/B"}}},
            "A": {"type": "object", "required": ["object"],
                  "properties": {"object": {"type": "string", "enum": ["a"]}}},
            "B": {"type": "object", "required": ["object"],
                  "properties": {"object": {"type": "string", "enum": ["b", "bee"]}}}
        })
    }

    #[test]
    fn instances_follow_required_fields_formats_patterns_and_bounds() {
        let doc = doc();
        let mut instances = Instances::new(&doc, 1);
        let mut rng = Rng::new(4);
        for _ in 0..200 {
            let v = instances
                .value(&mut rng, &doc["Thing"], Side::Response, Slot::default())
                .unwrap();
            let id = v["id"].as_str().unwrap();
            assert!(id.starts_with("loc_") && id.len() == 28, "{id}");
            assert!(chrono::DateTime::parse_from_rfc3339(v["at"].as_str().unwrap()).is_ok());
            if let Some(n) = v.get("n") {
                assert!((0.0..=1.0).contains(&n.as_f64().unwrap()), "{n}");
            }
            if let Some(k) = v.get("k") {
                assert!((1..=100).contains(&k.as_i64().unwrap()), "{k}");
            }
            if let Some(t) = v.get("t") {
                assert!(instances.patterns.matches(
                    doc["Time"]["pattern"].as_str().unwrap(),
                    t.as_str().unwrap()
                ));
            }
            if let Some(token) = v.get("bearer_token") {
                assert_eq!(token, "<redacted>");
            }
        }
        let request = instances
            .value(&mut rng, &doc["Thing"], Side::Request, Slot::default())
            .unwrap();
        assert!(request.get("secret").is_none());
    }

    #[test]
    fn a_union_member_carries_the_tag_of_its_mapping_entry() {
        let doc = doc();
        let mut instances = Instances::new(&doc, 1);
        let mut rng = Rng::new(9);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..60 {
            let v = instances
                .value(&mut rng, &doc["Union"], Side::Response, Slot::default())
                .unwrap();
            seen.insert(v["object"].as_str().unwrap().to_string());
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["a", "b", "bee"]);
    }

    #[test]
    fn a_pattern_without_a_matching_example_is_an_error_not_a_panic() {
        let doc = json!({"P": {"type": "string", "pattern": "^[0-9]+$", "example": "abc"}});
        let err = Instances::new(&doc, 1)
            .value(&mut Rng::new(1), &doc["P"], Side::Response, Slot::default())
            .unwrap_err();
        assert!(err.to_string().contains("no example"), "{err}");
    }

    #[test]
    fn ids_digits_and_credentials() {
        assert_eq!(id_parts("cus_65e4"), Some(("cus", "65e4")));
        assert_eq!(id_parts("CUS_65e4"), None);
        assert_eq!(id_parts("cus_"), None);
        let mut rng = Rng::new(2);
        let varied = vary_digits(&mut rng, "CUS1234567890 on 1-3", 4);
        assert!(
            varied.starts_with("CUS") && varied.ends_with(" on 1-3"),
            "{varied}"
        );
        assert_eq!(varied.len(), "CUS1234567890 on 1-3".len());
        assert!(redact(&mut rng, "cot_65e0839f").starts_with("cot_redacted"));
        assert_eq!(redact(&mut rng, "secret text"), "<redacted>");
    }
}
