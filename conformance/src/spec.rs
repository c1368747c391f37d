//! The spec as the gate needs it: each operation's method, path template, parameters and
//! documented responses, with `$ref`'d responses and parameters followed.
//!
//! The document is kept as JSON (`serde_json::Value`) because the schemas are handed to the
//! JSON Schema validator as they are, and findings point into them by JSON pointer.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::RunError;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// An OpenAPI 3.0 document, read for the gate.
#[derive(Debug)]
pub struct Spec {
    /// The whole document.
    pub document: Value,
    /// Every operation, in document order.
    pub operations: Vec<Operation>,
    /// The path of the first server URL (`/v1` in `https://api.example.com/v1`), which
    /// recorded URLs carry before the path template. Empty for Flatpeak.
    pub base_path: String,
}

/// One operation.
#[derive(Debug)]
pub struct Operation {
    /// `operationId`, or `METHOD /path` when the spec has none.
    pub id: String,
    /// Upper-case method.
    pub method: String,
    /// The path template, for example `/devices/{device_id}`.
    pub template: String,
    /// Its parameters (path item's and operation's), with `$ref`s followed.
    pub parameters: Vec<Parameter>,
    /// Documented responses by status key (`200`, `4XX`, `default`).
    pub responses: BTreeMap<String, DocumentedResponse>,
}

/// A parameter's name and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// The name on the wire.
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
}

/// One documented response.
#[derive(Debug)]
pub struct DocumentedResponse {
    /// Its media types (`content` keys, lower case) and the JSON pointer of each schema in
    /// the document, when there is one.
    pub media: Vec<Media>,
}

/// One media type of a documented response.
#[derive(Debug)]
pub struct Media {
    /// The media type as documented, lower case, for example `application/json`.
    pub media_type: String,
    /// JSON pointer of its schema in the document.
    pub schema: Option<String>,
}

impl Media {
    /// Whether bodies of this media type are JSON (`application/json`, `*/*+json`).
    pub fn is_json(&self) -> bool {
        self.media_type == "application/json" || self.media_type.ends_with("+json")
    }
}

impl Operation {
    /// The documented response for `status`: the exact code, else its range (`4XX`), else
    /// `default`.
    pub fn response_for(&self, status: u16) -> Option<&DocumentedResponse> {
        let range = format!("{}XX", status / 100);
        self.responses
            .get(&status.to_string())
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&range))
                    .map(|(_, v)| v)
            })
            .or_else(|| self.responses.get("default"))
    }
}

impl Spec {
    /// Reads `path` (YAML, or JSON by a `.json` extension).
    pub fn load(path: &Path) -> Result<Spec, RunError> {
        let place = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| RunError::new(format!("{place}: cannot read the spec: {e}")))?;
        let is_json = path.extension().is_some_and(|e| e == "json");
        let document: Value = if is_json {
            serde_json::from_str(&text).map_err(|e| RunError::new(format!("{place}: {e}")))?
        } else {
            serde_norway::from_str(&text).map_err(|e| RunError::new(format!("{place}: {e}")))?
        };
        Spec::from_document(document).map_err(|e| RunError::new(format!("{place}: {e}")))
    }

    /// Builds the operation table of an already parsed document.
    pub fn from_document(document: Value) -> Result<Spec, String> {
        let version = document.get("openapi").and_then(Value::as_str);
        if !version.is_some_and(|v| v.starts_with("3.0.")) {
            return Err(format!(
                "`openapi: {}` is not supported: the gate reads OpenAPI 3.0.x documents",
                version.unwrap_or("(missing)")
            ));
        }
        let paths = document
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("the spec has no `paths` object")?;
        let mut operations = Vec::new();
        for (template, item) in paths {
            let at = format!("/paths/{}", escape(template));
            let (item, at) = follow(&document, item, &at)?;
            operations.extend(path_operations(&document, template, item, &at)?);
        }
        let base_path = base_path(&document);
        Ok(Spec {
            document,
            operations,
            base_path,
        })
    }
}

fn path_operations(
    doc: &Value,
    template: &str,
    item: &Value,
    at: &str,
) -> Result<Vec<Operation>, String> {
    let shared = parameters(doc, item.get("parameters"), &format!("{at}/parameters"))?;
    let mut operations = Vec::new();
    for method in METHODS {
        let Some(op) = item.get(method) else { continue };
        let op_at = format!("{at}/{method}");
        let mut params = shared.clone();
        for p in parameters(doc, op.get("parameters"), &format!("{op_at}/parameters"))? {
            // An operation's parameter overrides the path item's of the same name and place.
            params.retain(|q| q != &p);
            params.push(p);
        }
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{} {template}", method.to_uppercase()));
        operations.push(Operation {
            id,
            method: method.to_uppercase(),
            template: template.to_string(),
            parameters: params,
            responses: responses(doc, op.get("responses"), &format!("{op_at}/responses"))?,
        });
    }
    Ok(operations)
}

fn parameters(doc: &Value, list: Option<&Value>, at: &str) -> Result<Vec<Parameter>, String> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or(format!("{at}: not a list"))?;
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let (p, p_at) = follow(doc, p, &format!("{at}/{i}"))?;
        let field = |name: &str| {
            p.get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or(format!("{p_at}: a parameter needs `{name}`"))
        };
        out.push(Parameter {
            name: field("name")?,
            location: field("in")?,
        });
    }
    Ok(out)
}

fn responses(
    doc: &Value,
    responses: Option<&Value>,
    at: &str,
) -> Result<BTreeMap<String, DocumentedResponse>, String> {
    let map = responses
        .and_then(Value::as_object)
        .ok_or(format!("{at}: an operation needs a `responses` object"))?;
    let mut out = BTreeMap::new();
    for (status, response) in map {
        let (response, r_at) = follow(doc, response, &format!("{at}/{}", escape(status)))?;
        let media = response
            .get("content")
            .and_then(Value::as_object)
            .map(|content| {
                content
                    .iter()
                    .map(|(media_type, m)| Media {
                        media_type: media_type.to_ascii_lowercase(),
                        schema: m
                            .get("schema")
                            .map(|_| format!("{r_at}/content/{}/schema", escape(media_type))),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.insert(status.clone(), DocumentedResponse { media });
    }
    Ok(out)
}

/// Follows a local `$ref` chain from `value`; returns the target and its JSON pointer.
pub fn follow<'d>(
    doc: &'d Value,
    value: &'d Value,
    at: &str,
) -> Result<(&'d Value, String), String> {
    let mut value = value;
    let mut at = at.to_string();
    // A bound instead of cycle detection: a chain this long is a cycle in practice.
    for _ in 0..32 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok((value, at));
        };
        let pointer = local_pointer(reference).ok_or(format!(
            "{at}: only local `$ref`s (`#/...`) are supported, found `{reference}`"
        ))?;
        value = doc
            .pointer(&pointer)
            .ok_or(format!("{at}: `$ref` `{reference}` points at nothing"))?;
        at = pointer;
    }
    Err(format!("{at}: `$ref` chain does not end"))
}

/// `#/components/schemas/X` as the JSON pointer `/components/schemas/X` (percent-decoded).
pub fn local_pointer(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .ok()
        .map(|p| p.into_owned())
}

/// Escapes one JSON pointer token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one JSON pointer token (RFC 6901).
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn base_path(doc: &Value) -> String {
    let url = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or("/");
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

    fn spec(paths: Value) -> Spec {
        Spec::from_document(json!({"openapi": "3.0.3", "info": {}, "paths": paths})).unwrap()
    }

    #[test]
    fn response_refs_are_followed_to_their_schema_pointer() {
        let s = Spec::from_document(json!({
            "openapi": "3.0.3",
            "paths": {"/a/{id}": {"get": {"operationId": "a", "responses": {
                "404": {"$ref": "#/components/responses/NotFound"}}}}},
            "components": {"responses": {"NotFound": {"description": "x",
                "content": {"application/json": {"schema": {"type": "object"}}}}}}
        }))
        .unwrap();
        let media = &s.operations[0].responses["404"].media[0];
        assert_eq!(
            media.schema.as_deref(),
            Some("/components/responses/NotFound/content/application~1json/schema")
        );
    }

    #[test]
    fn status_falls_back_to_range_then_default() {
        let s = spec(json!({"/a": {"get": {"responses": {
            "200": {"description": "ok"}, "4XX": {"description": "client"},
            "default": {"description": "other"}}}}}));
        let op = &s.operations[0];
        assert_eq!(op.id, "GET /a");
        let key = |code| {
            op.responses
                .iter()
                .find(|(_, r)| std::ptr::eq(*r, op.response_for(code).unwrap()))
                .map(|(k, _)| k.clone())
                .unwrap()
        };
        assert_eq!(key(200), "200");
        assert_eq!(key(404), "4XX");
        assert_eq!(key(503), "default");
    }

    #[test]
    fn operation_parameters_override_path_item_parameters() {
        let s = spec(json!({"/a/{id}": {
            "parameters": [{"name": "id", "in": "path"}, {"name": "q", "in": "query"}],
            "get": {"parameters": [{"name": "id", "in": "path", "description": "mine"}],
                    "responses": {"200": {"description": "ok"}}}}}));
        let names: Vec<_> = s.operations[0]
            .parameters
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["q", "id"]);
    }

    #[test]
    fn openapi_31_and_dangling_refs_are_refused_with_the_place() {
        let err = Spec::from_document(json!({"openapi": "3.1.0", "paths": {}})).unwrap_err();
        assert!(err.contains("3.1.0"), "{err}");
        let err = Spec::from_document(json!({"openapi": "3.0.3", "paths": {
            "/a": {"get": {"responses": {"200": {"$ref": "#/nowhere"}}}}}}))
        .unwrap_err();
        assert!(
            err.contains("/paths/~1a/get/responses/200") && err.contains("#/nowhere"),
            "{err}"
        );
    }

    #[test]
    fn base_path_comes_from_the_first_server() {
        let mut doc = json!({"openapi": "3.0.3", "paths": {},
            "servers": [{"url": "https://api.example.com/v1/"}]});
        assert_eq!(Spec::from_document(doc.clone()).unwrap().base_path, "/v1");
        doc["servers"] = json!([{"url": "https://api.flatpeak.com"}]);
        assert_eq!(Spec::from_document(doc).unwrap().base_path, "");
    }
}
