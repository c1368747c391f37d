//! An OpenAPI 3.0 document, read once, the way every tool of this workspace reads it: the
//! generator (`cargo xtask generate`), the contract gate (`conformance`), and the tools built
//! on them.
//!
//! Reading the spec through one model is what keeps them from disagreeing: an operation
//! without an `operationId` gets the same synthesised id everywhere ([`synthesised_id`]), a
//! path item's parameters are merged into each of its operations the same way, and
//! `$ref`'d parameters, request bodies and responses are followed once. Schemas stay in the
//! document as JSON, named by JSON pointer, because the gate hands them to a JSON Schema
//! validator as they are and reports findings by pointer; [`schema`] is the one way every tool
//! reads them (`$ref`s followed, `allOf` merged, the places of a body walked).
//!
//! ```
//! let spec = spec_model::Spec::parse(
//!     "openapi: 3.0.3
//! info: {title: t, version: '1'}
//! paths:
//!   /things/{id}:
//!     parameters: [{name: id, in: path, required: true, schema: {type: string}}]
//!     get:
//!       responses: {'200': {description: ok}}",
//!     "t.yaml",
//! )?;
//! let op = &spec.operations[0];
//! assert_eq!(op.id, "get_things_id");
//! assert_eq!(op.parameters[0].name, "id");
//! # Ok::<(), spec_model::SpecError>(())
//! ```

mod document;
mod operation;
mod pointer;
pub mod releases;
pub mod schema;
pub mod sensitive;

use std::path::Path;

pub use operation::{Location, Media, Operation, Parameter, RequestBody, Response};
pub use pointer::{escape, follow, local_pointer, push_index, push_token, unescape};

use serde_json::Value;

/// Why a document could not be read as an OpenAPI 3.0 spec. Every variant names the file and,
/// where known, the line or the JSON pointer at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The file could not be read.
    #[error("{origin}: cannot read: {source}")]
    Read {
        /// The file.
        origin: String,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not YAML or JSON.
    #[error("{place}: {message}")]
    Syntax {
        /// `file:line:column`, or the file alone when the parser gives no position.
        place: String,
        /// The parser's message.
        message: String,
    },
    /// The document is not OpenAPI 3.0.x.
    #[error("{origin}: `openapi: {found}` is not supported: only OpenAPI 3.0.x documents are read")]
    Version {
        /// The file.
        origin: String,
        /// The `openapi` field as found.
        found: String,
    },
    /// Something in the document is not where or what OpenAPI says it is.
    #[error("{origin}: #{pointer}: {message}")]
    Shape {
        /// The file.
        origin: String,
        /// JSON pointer of the place at fault.
        pointer: String,
        /// What is wrong there.
        message: String,
    },
}

/// An OpenAPI 3.0 document and its operations.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The whole document, as JSON.
    pub document: Value,
    /// Every operation, in document order (paths as written, methods in the order
    /// `get put post delete options head patch trace`).
    pub operations: Vec<Operation>,
    /// The `url` of each entry of `servers`, in order.
    pub servers: Vec<String>,
    /// The path of the first server URL (`/v1` in `https://api.example.com/v1/`), which
    /// recorded URLs carry before the path template. Empty when there is none.
    pub base_path: String,
}

impl Spec {
    /// Reads the file at `path`: JSON when its extension is `.json`, YAML otherwise.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
            origin: origin.clone(),
            source,
        })?;
        Spec::parse(&text, &origin)
    }

    /// Reads `text`, naming it `origin` in errors: JSON when `origin` ends in `.json`, YAML
    /// otherwise.
    pub fn parse(text: &str, origin: &str) -> Result<Spec, SpecError> {
        let document = document::parse(text, origin)?;
        Spec::from_document(document, origin)
    }

    /// Builds the model of an already parsed document, naming it `origin` in errors.
    pub fn from_document(document: Value, origin: &str) -> Result<Spec, SpecError> {
        let version = document.get("openapi").and_then(Value::as_str);
        if !version.is_some_and(|v| v.starts_with("3.0.")) {
            return Err(SpecError::Version {
                origin: origin.to_string(),
                found: version.unwrap_or("(missing)").to_string(),
            });
        }
        let operations =
            operation::read_all(&document).map_err(|(pointer, message)| SpecError::Shape {
                origin: origin.to_string(),
                pointer,
                message,
            })?;
        let servers = servers(&document);
        let base_path = servers
            .first()
            .map_or_else(String::new, |url| base_path(url));
        Ok(Spec {
            document,
            operations,
            servers,
            base_path,
        })
    }

    /// The operation with this id.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The `Flatpeak-Version` string of the release this spec describes
    /// (`info.x-flatpeak-version`), when the spec knows it.
    pub fn flatpeak_version(&self) -> Option<&str> {
        self.document
            .pointer("/info/x-flatpeak-version")
            .and_then(Value::as_str)
    }

    /// Whether `op` is called with HTTP Basic credentials (a security scheme of `type: http`,
    /// `scheme: basic`): the operation that exchanges account credentials for a token.
    pub fn uses_basic_auth(&self, op: &Operation) -> bool {
        op.security.iter().any(|name| {
            let scheme = self
                .document
                .pointer(&format!("/components/securitySchemes/{}", escape(name)));
            scheme.is_some_and(|s| {
                s.get("type").and_then(Value::as_str) == Some("http")
                    && s.get("scheme")
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.eq_ignore_ascii_case("basic"))
            })
        })
    }

    /// The value at a JSON pointer of the document (a schema, say).
    pub fn at(&self, pointer: &str) -> Option<&Value> {
        self.document.pointer(pointer)
    }
}

/// Parses YAML or JSON text into one JSON value (JSON when `origin` ends in `.json`), with
/// errors that name `origin` and the line: how every document of the workspace is read (specs,
/// overlays).
pub fn parse_document(text: &str, origin: &str) -> Result<Value, SpecError> {
    document::parse(text, origin)
}

/// The id an operation without an `operationId` gets: its method and the words of its path,
/// in snake case (`GET /devices/{id}` -> `get_devices_id`). [`Spec`] suffixes `_2`, `_3`, ...
/// when that id is taken.
pub fn synthesised_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for word in path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        id.push('_');
        id.push_str(&word.to_ascii_lowercase());
    }
    id
}

fn servers(document: &Value) -> Vec<String> {
    document
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("url").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

fn base_path(url: &str) -> String {
    let path = match url::Url::parse(url) {
        Ok(u) => u.path().to_string(),
        // A relative server URL (`/v1`) is a path already.
        Err(_) => url.to_string(),
    };
    path.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(document: Value) -> Spec {
        Spec::from_document(document, "t.yaml").unwrap()
    }

    #[test]
    fn openapi_31_is_refused_with_the_file_and_the_reason() {
        let err = Spec::from_document(json!({"openapi": "3.1.0", "paths": {}}), "s.yaml");
        let message = err.unwrap_err().to_string();
        assert!(
            message.starts_with("s.yaml:")
                && message.contains("3.1.0")
                && message.contains("3.0.x"),
            "{message}"
        );
    }

    #[test]
    fn base_path_and_servers_come_from_the_document() {
        let s = spec(json!({"openapi": "3.0.3", "paths": {},
            "servers": [{"url": "https://api.example.com/v1/"}, {"url": "/v2"}]}));
        assert_eq!(s.base_path, "/v1");
        assert_eq!(s.servers, ["https://api.example.com/v1/", "/v2"]);
        let s = spec(json!({"openapi": "3.0.3", "paths": {}}));
        assert_eq!(s.base_path, "");
    }

    #[test]
    fn synthesised_ids_are_snake_case_words_of_method_and_path() {
        assert_eq!(synthesised_id("GET", "/devices/{id}"), "get_devices_id");
        assert_eq!(
            synthesised_id("post", "/v1/Things/{thing-id}/run"),
            "post_v1_things_thing_id_run"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = Spec::load(Path::new("/nonexistent/spec.yaml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/spec.yaml: cannot read"),
            "{err}"
        );
    }
}
