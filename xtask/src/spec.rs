//! Reading an OpenAPI 3.0 document from YAML or JSON.
//!
//! Errors name the file and, where the parser knows it, the line and column, plus the path
//! inside the document (`paths./login.get.responses`) for shape errors.

use std::path::Path;

use anyhow::{Context, Result, bail};
use openapiv3::OpenAPI;
use serde::Deserialize as _;

/// A spec read both ways: as `openapiv3` types for progenitor, and as the workspace's model
/// ([`spec_model::Spec`]), which everything else the generator writes is built from.
pub struct Loaded {
    /// For progenitor.
    pub openapi: OpenAPI,
    /// For the replay table, the operation facts and the README's table.
    pub model: spec_model::Spec,
}

/// Reads `path` once and parses it both ways. JSON is chosen by a `.json` extension, anything
/// else is read as YAML (a superset of JSON).
pub fn load_both(path: &Path) -> Result<Loaded> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    parse_both(&text, path)
}

/// Parses `text`, read from `origin`, both ways, reading the text once: progenitor's types are
/// read from the model's document. Only a document that fails is read again, by [`parse`],
/// whose errors name the line and the field (and, for an OpenAPI 3.1 document, the reason),
/// and whose verdict is the one kept.
pub fn parse_both(text: &str, origin: &Path) -> Result<Loaded> {
    let model = match spec_model::Spec::parse(text, &origin.display().to_string()) {
        Ok(model) => model,
        Err(error) => {
            parse(text, origin)?;
            return Err(error.into());
        }
    };
    // YAML is more forgiving read as text (`version: 1` read as a string) than as JSON values:
    // what the text reading accepts is accepted.
    let openapi = match OpenAPI::deserialize(&model.document) {
        Ok(openapi) => openapi,
        Err(_) => parse(text, origin)?,
    };
    Ok(Loaded { openapi, model })
}

/// Parses `text`, naming `origin` in errors.
pub fn parse(text: &str, origin: &Path) -> Result<OpenAPI> {
    let is_json = origin
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    refuse_other_versions(text, is_json, origin)?;
    let spec: OpenAPI = if is_json {
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let inner = e.inner();
            let path = e.path().to_string();
            anyhow::anyhow!(
                "{}:{}:{}: {} (at `{path}`)",
                origin.display(),
                inner.line(),
                inner.column(),
                strip_position(&inner.to_string())
            )
        })?
    } else {
        let de = serde_norway::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let place = match inner.location() {
                Some(l) => format!("{}:{}:{}", origin.display(), l.line(), l.column()),
                None => origin.display().to_string(),
            };
            anyhow::anyhow!(
                "{place}: {} (at `{path}`)",
                strip_position(&inner.to_string())
            )
        })?
    };
    if !spec.openapi.starts_with("3.0.") {
        bail!(
            "{}: `openapi: {}` is not supported: the generator reads OpenAPI 3.0.x documents",
            origin.display(),
            spec.openapi
        );
    }
    Ok(spec)
}

/// Only the version field, read before the whole document: a 3.1 document usually fails to
/// parse as 3.0 (`type: [string, "null"]`, `examples` lists), and its version is the reason
/// worth giving, not the first field that does not fit.
#[derive(serde::Deserialize)]
struct Version {
    openapi: Option<serde_json::Value>,
}

fn refuse_other_versions(text: &str, is_json: bool, origin: &Path) -> Result<()> {
    let version = if is_json {
        serde_json::from_str::<Version>(text).ok()
    } else {
        serde_norway::from_str::<Version>(text).ok()
    };
    let Some(openapi) = version.and_then(|v| v.openapi) else {
        return Ok(());
    };
    let shown = openapi
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| openapi.to_string());
    if shown.starts_with("3.0.") {
        return Ok(());
    }
    let why = if shown.starts_with("3.1") {
        "OpenAPI 3.1 writes schemas as JSON Schema 2020-12 (`type: [string, \"null\"]` for \
         nullable, `const`, `examples`), which progenitor 0.15 does not read"
    } else {
        "progenitor 0.15 reads OpenAPI 3.0 only"
    };
    bail!(
        "{}: `openapi: {shown}` is not supported: the generator reads OpenAPI 3.0.x documents; {why}",
        origin.display()
    )
}

/// serde_json and serde_norway append " at line L column C" to messages; the location is
/// already in front of ours.
fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_syntax_error_names_file_and_line() {
        let err = parse("openapi: 3.0.3\ninfo: [\n", Path::new("bad.yaml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("bad.yaml:"), "{msg}");
        assert!(msg.contains(":3:") || msg.contains(":2:"), "{msg}");
    }

    #[test]
    fn json_shape_error_names_line_and_document_path() {
        let text = "{\n \"openapi\": \"3.0.3\",\n \"info\": {\"title\": 1, \"version\": \"1\"},\n \"paths\": {}\n}";
        let msg = parse(text, Path::new("x.json")).unwrap_err().to_string();
        assert!(msg.starts_with("x.json:3:"), "{msg}");
        assert!(msg.contains("`info.title`"), "{msg}");
    }

    #[test]
    fn openapi_31_is_refused_with_a_reason() {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n";
        let msg = parse(text, Path::new("s.yaml")).unwrap_err().to_string();
        assert!(msg.contains("3.1.0") && msg.contains("3.0.x"), "{msg}");
    }

    #[test]
    fn openapi_31_is_refused_before_its_schemas_fail_to_parse() {
        let text = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {}, "components": {"schemas": {"A": {"type": ["string", "null"]}}}}"#;
        let msg = parse(text, Path::new("s.json")).unwrap_err().to_string();
        assert!(
            msg.starts_with("s.json: `openapi: 3.1.0` is not supported"),
            "{msg}"
        );
        assert!(msg.contains("JSON Schema 2020-12"), "{msg}");
        let yaml = "openapi: 3.1.1\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n    A: {type: [string, 'null']}\n";
        let msg = parse(yaml, Path::new("s.yaml")).unwrap_err().to_string();
        assert!(msg.contains("`openapi: 3.1.1` is not supported"), "{msg}");
    }

    #[test]
    fn both_readings_agree_and_a_bad_document_keeps_the_line_numbered_error() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses: {'200': {description: ok}}\n";
        let both = parse_both(text, Path::new("s.yaml")).unwrap();
        assert_eq!(both.openapi, parse(text, Path::new("s.yaml")).unwrap());
        assert_eq!(both.model.operations.len(), 1);
        let bad = "openapi: 3.0.3\ninfo:\n  title: [t]\n  version: '1'\npaths: {}\n";
        let Err(msg) = parse_both(bad, Path::new("s.yaml")) else {
            panic!("read a title that is a list")
        };
        assert!(msg.to_string().starts_with("s.yaml:3:"), "{msg}");
        let newer = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n";
        let Err(msg) = parse_both(newer, Path::new("s.yaml")) else {
            panic!("read a 3.1 document")
        };
        assert!(msg.to_string().contains("JSON Schema 2020-12"), "{msg}");
        let loose = "openapi: 3.0.3\ninfo: {title: t, version: 1}\npaths: {}\n";
        let both = parse_both(loose, Path::new("s.yaml")).unwrap();
        assert_eq!(both.openapi.info.version, "1");
    }

    #[test]
    fn missing_file_names_the_file() {
        let Err(msg) = load_both(Path::new("/nonexistent/spec.yaml")) else {
            panic!("read a missing file")
        };
        assert!(format!("{msg:#}").contains("/nonexistent/spec.yaml: cannot read"));
    }
}
