//! Reading an OpenAPI 3.0 document from YAML or JSON.
//!
//! Errors name the file and, where the parser knows it, the line and column, plus the path
//! inside the document (`paths./login.get.responses`) for shape errors.

use std::path::Path;

use anyhow::{Context, Result, bail};
use openapiv3::OpenAPI;

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
    let openapi = parse(&text, path)?;
    let model = spec_model::Spec::parse(&text, &path.display().to_string())?;
    Ok(Loaded { openapi, model })
}

/// Parses `text`, naming `origin` in errors.
pub fn parse(text: &str, origin: &Path) -> Result<OpenAPI> {
    let is_json = origin
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
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
    fn missing_file_names_the_file() {
        let Err(msg) = load_both(Path::new("/nonexistent/spec.yaml")) else {
            panic!("read a missing file")
        };
        assert!(format!("{msg:#}").contains("/nonexistent/spec.yaml: cannot read"));
    }
}
