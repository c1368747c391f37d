//! String enums whose values differ only in case or punctuation (`ASC`, `asc`; `in-progress`,
//! `in_progress`): typify 0.8 names a variant after its value and panics ("Failed to make
//! unique variant names") when two names come out the same. It has no setting to rename a
//! variant, so the pass renames the value itself: a value that would collide gets a marked
//! suffix (`asc` becomes `asc` + `\u{E000}Lower\u{E001}`), which typify turns into a word of
//! the variant's name (`AscLower`), and which [`unmark`] removes again from every string
//! literal of the generated code, so the wire value is the spec's.

use std::collections::BTreeSet;

use openapiv3::{OpenAPI, Schema, SchemaKind, Type};

use super::Change;
use super::schemas::{self, rust_type_name};

/// Opens the suffix added to a value. A private-use character: no spec's value has it, and it
/// cannot continue an identifier, so typify reads it as a word break.
const OPEN: char = '\u{E000}';
/// Closes the suffix.
const CLOSE: char = '\u{E001}';

/// Gives each value of a string enum a distinct Rust name where typify would give two the
/// same. The wire values do not change.
pub fn distinct_enum_variant_names(spec: &mut OpenAPI) -> Vec<Change> {
    schemas::rewrite_each(spec, rename_values)
}

/// A value of an enum that gets a suffix.
struct Renamed {
    value: String,
    marked: String,
    rust_name: String,
}

fn rename_values(schema: &mut Schema) -> Option<String> {
    let values: Vec<String> = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.enumeration.iter().flatten().cloned().collect(),
        SchemaKind::Any(a) => a
            .enumeration
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => return None,
    };
    let renamed = distinct_names(&values);
    if renamed.is_empty() {
        return None;
    }
    let marked = |v: &str| {
        renamed
            .iter()
            .find(|r| r.value == v)
            .map(|r| r.marked.clone())
    };
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            for value in s.enumeration.iter_mut().flatten() {
                if let Some(m) = marked(value) {
                    *value = m;
                }
            }
        }
        SchemaKind::Any(a) => mark_json(a.enumeration.iter_mut(), &marked),
        _ => {}
    }
    mark_json(schema.schema_data.default.iter_mut(), &marked);
    let names: Vec<String> = renamed
        .iter()
        .map(|r| format!("`{}` -> `{}`", r.value, r.rust_name))
        .collect();
    Some(format!(
        "enum values that differ only in case or punctuation would share a Rust name: {}",
        names.join(", ")
    ))
}

fn mark_json<'a>(
    values: impl Iterator<Item = &'a mut serde_json::Value>,
    marked: &dyn Fn(&str) -> Option<String>,
) {
    for value in values {
        if let serde_json::Value::String(v) = value
            && let Some(m) = marked(v)
        {
            *v = m;
        }
    }
}

/// The values (after the first of each Rust name) that need a suffix, and the suffix each
/// gets. Empty when typify's names are already distinct.
fn distinct_names(values: &[String]) -> Vec<Renamed> {
    let mut taken = BTreeSet::new();
    let mut later = Vec::new();
    for value in values {
        if !taken.insert(rust_type_name(value)) {
            later.push(value);
        }
    }
    let mut renamed = Vec::new();
    for value in later {
        let first = values
            .iter()
            .find(|v| rust_type_name(v) == rust_type_name(value));
        let case_only = first.is_some_and(|f| f.eq_ignore_ascii_case(value));
        let candidates = case_suffix(value, case_only)
            .into_iter()
            .chain((2..).map(|n| n.to_string()));
        for suffix in candidates {
            let marked = format!("{value}{OPEN}{suffix}{CLOSE}");
            let rust_name = rust_type_name(&marked);
            if taken.insert(rust_name.clone()) {
                renamed.push(Renamed {
                    value: value.clone(),
                    marked,
                    rust_name,
                });
                break;
            }
        }
    }
    renamed
}

/// `Lower` or `Upper` for a value that differs from the first only in case and is all one
/// case; otherwise a number tells them apart.
fn case_suffix(value: &str, case_only: bool) -> Option<String> {
    let lower = value.chars().any(char::is_lowercase);
    let upper = value.chars().any(char::is_uppercase);
    match (case_only, lower, upper) {
        (true, true, false) => Some("Lower".into()),
        (true, false, true) => Some("Upper".into()),
        _ => None,
    }
}

/// `text` without the suffixes this pass added, or `None` when it has none.
pub fn unmark(text: &str) -> Option<String> {
    if !text.contains(OPEN) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        match c {
            OPEN => inside = true,
            CLOSE if inside => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    Some(out)
}
