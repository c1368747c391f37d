//! A release's spec from Flatpeak's own document and our decisions: the OpenAPI Overlay
//! document `openapi/overlays/<release>.yaml` applied to `openapi/upstream/<release>.json`,
//! written as `openapi/<release>.yaml`.
//!
//! Why an overlay rather than a spec of our own: Flatpeak's document stays byte for byte as
//! published, and every decision we take against it is a targeted action (an RFC 9535
//! JSONPath `target` and an `update` merged there, or `remove`) whose `description` is the
//! decision and its source. When Flatpeak publishes a new document, an action whose target
//! matches nothing is an error naming the action: those are the decisions to reread.
//!
//! Applied with `roas-overlay` (Overlay 1.0 and 1.1 on a `serde_json::Value`, with
//! `serde_json_path` for RFC 9535 JSONPath): a maintained implementation of both
//! specifications, so the merge rules (objects merged key by key, arrays appended, anything
//! else replaced) are the standard's and not ours. Overlay 1.0 documents are read as 1.1, a
//! superset; 1.1's `copy` is what lets an action give an upstream component our name without
//! restating it (copy it to the new key, point the references there, remove the old key), so
//! a new upstream version of the component is picked up, and a renamed or removed one shows
//! as a stale action.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use enumset::EnumSet;
use roas_overlay::apply::{Apply, ApplyErrorKind, ApplyOptions};
use roas_overlay::v1_1::{Action, Overlay};
use roas_overlay::validation::{Validate, ValidationOptions};
use serde_json::Value;

/// One action of an overlay, where the file has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Its index in `actions`.
    pub index: usize,
    /// The line of its `target` in the overlay file (1-based), when found.
    pub line: Option<usize>,
    /// Its target.
    pub target: String,
    /// The first line of its description.
    pub description: String,
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let line = self.line.map(|l| format!(":{l}")).unwrap_or_default();
        write!(
            f,
            "{line} actions[{}] `{}` ({})",
            self.index, self.target, self.description
        )
    }
}

/// The result of applying an overlay: the document, or the actions that did not apply.
pub struct Applied {
    /// The document with every action that applied.
    pub document: Value,
    /// Actions whose target matched nothing (the document is as if they were not there).
    pub stale: Vec<Site>,
}

/// Applies the overlay at `overlay` to the document at `upstream`. An action that matches
/// nothing does not fail here: it is listed in [`Applied::stale`], so that `update-spec` can
/// report every one; `generate` refuses a stale action ([`apply_strict`]).
pub fn apply(upstream: &Path, overlay: &Path) -> Result<Applied> {
    let document = read(upstream)?;
    let text = std::fs::read_to_string(overlay)
        .with_context(|| format!("{}: cannot read", overlay.display()))?;
    apply_text(document, &text, overlay)
}

/// [`apply`], failing when an action matches nothing, with every such action named.
#[allow(dead_code)] // used by `generate` once it builds the release specs
pub fn apply_strict(upstream: &Path, overlay: &Path) -> Result<Value> {
    let applied = apply(upstream, overlay)?;
    if applied.stale.is_empty() {
        return Ok(applied.document);
    }
    let listed: Vec<String> = applied
        .stale
        .iter()
        .map(|site| format!("{}{site}", overlay.display()))
        .collect();
    bail!(
        "{} action(s) of the overlay match nothing in {}: reread the decision each describes \
         against the new document, then change or remove the action:\n  {}",
        applied.stale.len(),
        upstream.display(),
        listed.join("\n  ")
    )
}

/// Applies the overlay `text` (read from `origin`) to `document`.
pub fn apply_text(mut document: Value, text: &str, origin: &Path) -> Result<Applied> {
    let overlay = parse(text, origin)?;
    let options = EnumSet::only(ApplyOptions::ErrorOnZeroMatch);
    // The whole overlay in one pass; only when an action matches nothing, one action at a time,
    // so that every stale one is found and the others still apply.
    if overlay.apply(&mut document, options).is_ok() {
        return Ok(Applied {
            document,
            stale: Vec::new(),
        });
    }
    let mut stale = Vec::new();
    for (index, action) in overlay.actions.iter().enumerate() {
        let single = Overlay {
            actions: vec![action.clone()],
            ..overlay.clone()
        };
        match single.apply(&mut document, options) {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind,
                    ApplyErrorKind::ZeroMatch | ApplyErrorKind::CopySourceNotFound(_)
                ) =>
            {
                stale.push(site(text, index, action));
            }
            Err(e) => {
                let at = site(text, index, action);
                bail!("{}{at}: {}", origin.display(), e.kind)
            }
        }
    }
    Ok(Applied { document, stale })
}

/// Reads and validates an Overlay 1.0 or 1.1 document, as 1.1.
fn parse(text: &str, origin: &Path) -> Result<Overlay> {
    let value = spec_model::parse_document(text, &origin.display().to_string())?;
    let version = value.get("overlay").and_then(Value::as_str).unwrap_or("");
    let not_one = |e: serde_json::Error| {
        anyhow!(
            "{}: not an Overlay 1.0 or 1.1 document: {e}",
            origin.display()
        )
    };
    let overlay: Overlay = if version.starts_with("1.0.") {
        serde_json::from_value::<roas_overlay::v1_0::Overlay>(value)
            .map_err(not_one)?
            .into()
    } else {
        serde_json::from_value(value).map_err(not_one)?
    };
    overlay
        .validate(EnumSet::<ValidationOptions>::empty())
        .map_err(|e| anyhow!("{}: {e}", origin.display()))?;
    for (index, action) in overlay.actions.iter().enumerate() {
        if action
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            bail!(
                "{}{}: every action says which decision it is and its source in `description`",
                origin.display(),
                site(text, index, action)
            );
        }
    }
    Ok(overlay)
}

/// Reads a JSON or YAML document.
pub fn read(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(spec_model::parse_document(
        &text,
        &path.display().to_string(),
    )?)
}

/// Where action `index` is: the line of the `index`-th `target:` key in the file.
fn site(text: &str, index: usize, action: &Action) -> Site {
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start().trim_start_matches("- ");
            l.starts_with("target:") || l.starts_with("\"target\":")
        })
        .nth(index)
        .map(|(n, _)| n + 1);
    let description = action
        .description
        .as_deref()
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    Site {
        index,
        line,
        target: action.target.clone(),
        description,
    }
}

/// The document as YAML, after `header` (comment lines). Read back, it must be the same
/// document (see `yaml.rs`); a difference is an error rather than a spec that says otherwise.
pub fn to_yaml(document: &Value, header: &str) -> Result<String> {
    let body = super::yaml::to_string(document);
    let back: Value = serde_norway::from_str(&body).context("the YAML written does not parse")?;
    if &back != document {
        bail!("the YAML written does not read back as the document (a bug of the YAML writer)");
    }
    Ok(format!("{header}{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn overlay(actions: &str) -> String {
        format!("overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nactions:\n{actions}")
    }

    #[test]
    fn a_component_is_renamed_by_copy_without_restating_it_and_a_missing_source_is_stale() {
        let doc = json!({"components": {"schemas": {"LocationNew": {"type": "object"}}},
                         "paths": {"/l": {"$ref": "#/components/schemas/LocationNew"}}});
        let text = "overlay: 1.1.0\ninfo: {title: t, version: '1'}\nactions:\n\
             \x20 - target: $.components.schemas\n    description: our name (d1)\n    update: {Location: {}}\n\
             \x20 - target: $.components.schemas.Location\n    description: its schema (d1)\n    copy: $.components.schemas.LocationNew\n\
             \x20 - target: $.components.schemas.LocationNew\n    description: the old name (d1)\n    remove: true\n\
             \x20 - target: $.components.schemas.Location\n    description: gone (d2)\n    copy: $.components.schemas.Gone\n";
        let applied = apply_text(doc, text, Path::new("o.yaml")).unwrap();
        assert_eq!(
            applied.document["components"]["schemas"],
            json!({"Location": {"type": "object"}})
        );
        assert_eq!(applied.stale.len(), 1);
        assert_eq!(applied.stale[0].index, 3);
    }

    #[test]
    fn actions_apply_in_order_merging_objects_and_appending_to_arrays() {
        let doc =
            json!({"info": {"version": "x"}, "s": {"enum": ["A"], "not": {"type": "string"}}});
        let text = overlay(
            "  - target: $.info\n    description: the release (decision 1)\n    update: {x-flatpeak-version: 2024-08-24.zero}\n\
             \x20 - target: $.s\n    description: B is documented too (decision 2)\n    update: {enum: [B]}\n\
             \x20 - target: $.s.not\n    description: a string after all (decision 3)\n    remove: true\n",
        );
        let applied = apply_text(doc, &text, Path::new("o.yaml")).unwrap();
        assert!(applied.stale.is_empty());
        assert_eq!(
            applied.document,
            json!({"info": {"version": "x", "x-flatpeak-version": "2024-08-24.zero"},
                   "s": {"enum": ["A", "B"]}})
        );
    }

    #[test]
    fn every_action_that_matches_nothing_is_named_with_its_line_and_the_rest_apply() {
        let doc = json!({"a": {}, "b": {}});
        let text = overlay(
            "  - target: $.gone\n    description: decision 4\n    update: {x: 1}\n\
             \x20 - target: $.a\n    description: decision 5\n    update: {y: 2}\n\
             \x20 - target: $.nothing.here\n    description: |\n      decision 6, from a page\n      more\n    remove: true\n",
        );
        let applied = apply_text(doc, &text, Path::new("o.yaml")).unwrap();
        assert_eq!(applied.document, json!({"a": {"y": 2}, "b": {}}));
        let stale: Vec<String> = applied.stale.iter().map(ToString::to_string).collect();
        assert_eq!(
            stale,
            [
                ":4 actions[0] `$.gone` (decision 4)",
                ":10 actions[2] `$.nothing.here` (decision 6, from a page)"
            ]
        );
    }

    #[test]
    fn an_action_without_a_description_or_with_a_bad_path_is_refused() {
        let missing = overlay("  - target: $.a\n    update: {x: 1}\n");
        let err = apply_text(json!({"a": {}}), &missing, Path::new("o.yaml"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("description") && err.contains("actions[0]"),
            "{err}"
        );
        let bad = overlay("  - target: $..[\n    description: d\n    update: {x: 1}\n");
        let err = apply_text(json!({"a": {}}), &bad, Path::new("o.yaml"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.starts_with("o.yaml") && err.contains("JSONPath"),
            "{err}"
        );
    }

    #[test]
    fn a_primitive_target_is_an_error_naming_the_action() {
        let text = overlay("  - target: $.a.b\n    description: d7\n    update: {x: 1}\n");
        let err = apply_text(json!({"a": {"b": 1}}), &text, Path::new("o.yaml"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("actions[0]") && err.contains("d7"), "{err}");
    }
}
