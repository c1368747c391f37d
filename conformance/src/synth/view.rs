//! A schema as the generator and the defect walk read it: spec-model's one [`View`] (`$ref`s
//! followed, `allOf` members merged), and a cache of compiled `pattern`s to test strings
//! against (with the gate's own regular expression engine, so that "matches" means the same
//! to both).

use std::collections::HashMap;

use jsonschema::Validator;
use serde_json::Value;

pub(crate) use spec_model::schema::{View, resolve, view};

/// Compiled `pattern`s, by their text: whether a string matches one, as the gate judges it.
#[derive(Default)]
pub(crate) struct Patterns(HashMap<String, Option<Validator>>);

impl std::fmt::Debug for Patterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Patterns").field(&self.0.len()).finish()
    }
}

impl Patterns {
    /// Whether `text` matches `pattern`; false for a pattern the engine cannot compile.
    pub(crate) fn matches(&mut self, pattern: &str, text: &str) -> bool {
        let validator = self.0.entry(pattern.to_string()).or_insert_with(|| {
            let schema = serde_json::json!({"type": "string", "pattern": pattern});
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft4)
                .build(&schema)
                .ok()
        });
        validator
            .as_ref()
            .is_some_and(|v| v.is_valid(&Value::from(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_as_the_gate_matches_them() {
        let mut patterns = Patterns::default();
        assert!(patterns.matches("^[A-Z]{3}$", "GBP"));
        assert!(!patterns.matches("^[A-Z]{3}$", "gbp"));
        assert!(!patterns.matches("(unclosed", "x"));
    }
}
