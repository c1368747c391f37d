//! Operations: method, path template, parameters (the path item's merged with the
//! operation's), request body and responses, with `$ref`s followed and ids made up for the
//! operations that have none.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::pointer::{escape, follow};
use crate::synthesised_id;

/// The methods of a path item, in the order operations are listed.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Its `operationId`, or the one [`synthesised_id`](crate::synthesised_id) makes up.
    pub id: String,
    /// Whether the document gave no `operationId` and `id` was made up.
    pub id_synthesised: bool,
    /// Upper-case method.
    pub method: String,
    /// The path template, for example `/devices/{device_id}`.
    pub template: String,
    /// JSON pointer of the operation object.
    pub pointer: String,
    /// Its parameters: the path item's, then the operation's (which replace a path item
    /// parameter of the same name and place), with `$ref`s followed.
    pub parameters: Vec<Parameter>,
    /// Its request body, if it takes one.
    pub request_body: Option<RequestBody>,
    /// Documented responses by status key (`200`, `4XX`, `default`).
    pub responses: BTreeMap<String, Response>,
    /// The names of the security schemes it may be called with: its own `security`, else the
    /// document's.
    pub security: Vec<String>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    /// A path template parameter.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl Location {
    /// The name OpenAPI's `in` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }

    fn parse(text: &str) -> Option<Location> {
        Some(match text {
            "path" => Location::Path,
            "query" => Location::Query,
            "header" => Location::Header,
            "cookie" => Location::Cookie,
            _ => return None,
        })
    }
}

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The name on the wire.
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// Whether a request must have it (path parameters always must).
    pub required: bool,
    /// JSON pointer of its schema, when it has one.
    pub schema: Option<String>,
    /// Whether it is marked `x-sensitive` (on the parameter or its schema).
    pub sensitive: bool,
    /// JSON pointer of the parameter object.
    pub pointer: String,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// Whether a request must have one.
    pub required: bool,
    /// Its media types.
    pub media: Vec<Media>,
    /// JSON pointer of the request body object.
    pub pointer: String,
}

/// One documented response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Its media types.
    pub media: Vec<Media>,
    /// `x-optional-body: true`: the API may send it without a body.
    pub optional_body: bool,
    /// JSON pointer of the response object.
    pub pointer: String,
}

/// One media type of a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    /// The media type as documented, lower case, for example `application/json`.
    pub media_type: String,
    /// JSON pointer of its schema, when it has one.
    pub schema: Option<String>,
}

impl Media {
    /// Whether bodies of this media type are JSON (`application/json`, `*/*+json`).
    pub fn is_json(&self) -> bool {
        let essence = self.media_type.split(';').next().unwrap_or("").trim();
        essence == "application/json" || essence.ends_with("+json")
    }

    /// The JSON pointer of the schema of the first JSON media type among `media`: the schema
    /// every tool reads a body by.
    pub fn json_schema(media: &[Media]) -> Option<&str> {
        media
            .iter()
            .find(|m| m.is_json())
            .and_then(|m| m.schema.as_deref())
    }
}

impl Operation {
    /// The documented response for `status`: the exact code, else its range (`4XX`), else
    /// `default`.
    pub fn response_for(&self, status: u16) -> Option<&Response> {
        self.responses.get(self.status_key(i64::from(status))?)
    }

    /// The documented status key (`404`, `4XX`, `default`) a recorded `status` falls under:
    /// the exact status, else its range, else `default`.
    pub fn status_key(&self, status: i64) -> Option<&str> {
        let status = u16::try_from(status).ok()?;
        let range = format!("{}XX", status / 100);
        let key = |k: &&String| **k == status.to_string();
        let keys = || self.responses.keys();
        keys()
            .find(key)
            .or_else(|| keys().find(|k| k.eq_ignore_ascii_case(&range)))
            .or_else(|| keys().find(|k| *k == "default"))
            .map(String::as_str)
    }

    /// The JSON pointer of the schema of its JSON request body, if it has one
    /// ([`Media::json_schema`]).
    pub fn json_request_schema(&self) -> Option<&str> {
        Media::json_schema(&self.request_body.as_ref()?.media)
    }

    /// The parameter `name` in `location`.
    pub fn parameter(&self, location: Location, name: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.location == location && p.name == name)
    }

    /// The documented statuses that are codes (not ranges or `default`), in order.
    pub fn statuses(&self) -> Vec<u16> {
        self.responses
            .keys()
            .filter_map(|k| k.parse().ok())
            .collect()
    }
}

type Failure = (String, String);

/// Every operation of `doc`, in document order, ids assigned.
pub(crate) fn read_all(doc: &Value) -> Result<Vec<Operation>, Failure> {
    let paths = doc.get("paths").and_then(Value::as_object).ok_or_else(|| {
        (
            String::new(),
            "the document has no `paths` object".to_string(),
        )
    })?;
    let mut operations = Vec::new();
    for (template, item) in paths {
        let at = format!("/paths/{}", escape(template));
        let (item, at) = follow(doc, item, &at)?;
        operations.extend(path_operations(doc, template, item, &at)?);
    }
    assign_ids(&mut operations);
    Ok(operations)
}

fn path_operations(
    doc: &Value,
    template: &str,
    item: &Value,
    at: &str,
) -> Result<Vec<Operation>, Failure> {
    let shared = parameters(doc, item.get("parameters"), &format!("{at}/parameters"))?;
    let mut operations = Vec::new();
    for method in METHODS {
        let Some(op) = item.get(method) else { continue };
        let op_at = format!("{at}/{method}");
        let mut params = shared.clone();
        for p in parameters(doc, op.get("parameters"), &format!("{op_at}/parameters"))? {
            params.retain(|q| (q.location, &q.name) != (p.location, &p.name));
            params.push(p);
        }
        let id = op.get("operationId").and_then(Value::as_str);
        let request_body = match op.get("requestBody") {
            Some(body) => Some(request_body(doc, body, &format!("{op_at}/requestBody"))?),
            None => None,
        };
        let security = op
            .get("security")
            .or_else(|| doc.get("security"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|requirement| requirement.keys().cloned())
            .collect();
        operations.push(Operation {
            security,
            id: id.unwrap_or_default().to_string(),
            id_synthesised: id.is_none(),
            method: method.to_ascii_uppercase(),
            template: template.to_string(),
            pointer: op_at.clone(),
            parameters: params,
            request_body,
            responses: responses(doc, op.get("responses"), &format!("{op_at}/responses"))?,
        });
    }
    Ok(operations)
}

/// Gives each operation without an `operationId` the synthesised one, suffixed `_2`, `_3`,
/// ... if an operation already has it.
fn assign_ids(operations: &mut [Operation]) {
    let mut taken: BTreeSet<String> = operations
        .iter()
        .filter(|op| !op.id_synthesised)
        .map(|op| op.id.clone())
        .collect();
    for op in operations.iter_mut().filter(|op| op.id_synthesised) {
        let base = synthesised_id(&op.method, &op.template);
        let mut id = base.clone();
        let mut n = 2;
        while taken.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        taken.insert(id.clone());
        op.id = id;
    }
}

fn parameters(doc: &Value, list: Option<&Value>, at: &str) -> Result<Vec<Parameter>, Failure> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| (at.to_string(), "`parameters` is not a list".to_string()))?;
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let (p, p_at) = follow(doc, p, &format!("{at}/{i}"))?;
        let field = |name: &str| {
            p.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| (p_at.clone(), format!("a parameter needs `{name}`")))
        };
        let location = field("in")?;
        let location = Location::parse(location).ok_or_else(|| {
            (
                p_at.clone(),
                format!("`in: {location}` is not path, query, header or cookie"),
            )
        })?;
        let required = location == Location::Path
            || p.get("required").and_then(Value::as_bool).unwrap_or(false);
        out.push(Parameter {
            name: field("name")?.to_string(),
            location,
            required,
            schema: p.get("schema").map(|_| format!("{p_at}/schema")),
            sensitive: crate::sensitive::is_marked(p)
                || p.get("schema").is_some_and(crate::sensitive::is_marked),
            pointer: p_at.clone(),
        });
    }
    Ok(out)
}

fn request_body(doc: &Value, body: &Value, at: &str) -> Result<RequestBody, Failure> {
    let (body, at) = follow(doc, body, at)?;
    Ok(RequestBody {
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        media: media(body, &at),
        pointer: at,
    })
}

fn responses(
    doc: &Value,
    responses: Option<&Value>,
    at: &str,
) -> Result<BTreeMap<String, Response>, Failure> {
    let map = responses.and_then(Value::as_object).ok_or_else(|| {
        (
            at.to_string(),
            "an operation needs a `responses` object".to_string(),
        )
    })?;
    let mut out = BTreeMap::new();
    for (status, response) in map {
        let (response, r_at) = follow(doc, response, &format!("{at}/{}", escape(status)))?;
        out.insert(
            status.clone(),
            Response {
                media: media(response, &r_at),
                optional_body: response.get("x-optional-body") == Some(&Value::Bool(true)),
                pointer: r_at,
            },
        );
    }
    Ok(out)
}

/// The media types of a body or response object at `at`.
fn media(object: &Value, at: &str) -> Vec<Media> {
    object
        .get("content")
        .and_then(Value::as_object)
        .map(|content| {
            content
                .iter()
                .map(|(media_type, m)| Media {
                    media_type: media_type.to_ascii_lowercase(),
                    schema: m
                        .get("schema")
                        .map(|_| format!("{at}/content/{}/schema", escape(media_type))),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Location, Spec};

    fn spec(paths: serde_json::Value) -> Spec {
        let doc = json!({"openapi": "3.0.3", "info": {}, "paths": paths,
            "components": {
                "parameters": {"Q": {"name": "q", "in": "query", "required": true,
                                     "schema": {"type": "integer"}}},
                "requestBodies": {"B": {"required": true, "content": {
                    "application/json": {"schema": {"type": "object"}}}}},
                "responses": {"Gone": {"description": "x", "x-optional-body": true,
                    "content": {"application/json": {"schema": {"type": "object"}}}}}}});
        Spec::from_document(doc, "t.yaml").unwrap()
    }

    #[test]
    fn path_item_parameters_are_merged_and_the_operations_win() {
        let s = spec(json!({"/a/{id}": {
            "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}},
                           {"$ref": "#/components/parameters/Q"}],
            "get": {"parameters": [{"name": "id", "in": "path", "description": "mine"},
                                   {"name": "id", "in": "header"}],
                    "responses": {"200": {"description": "ok"}}}}}));
        let params: Vec<(&str, Location, bool, Option<&str>)> = s.operations[0]
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location, p.required, p.schema.as_deref()))
            .collect();
        assert_eq!(
            params,
            [
                (
                    "q",
                    Location::Query,
                    true,
                    Some("/components/parameters/Q/schema")
                ),
                ("id", Location::Path, true, None),
                ("id", Location::Header, false, None),
            ]
        );
    }

    #[test]
    fn ids_are_synthesised_once_and_never_collide() {
        let ok = json!({"responses": {"200": {"description": "ok"}}});
        let mut named = ok.clone();
        named["operationId"] = json!("get_things");
        let s = spec(json!({"/things": {"get": ok.clone(), "post": ok.clone()},
                            "/x": {"get": named}}));
        let ids: Vec<(&str, bool)> = s
            .operations
            .iter()
            .map(|o| (o.id.as_str(), o.id_synthesised))
            .collect();
        assert_eq!(
            ids,
            [
                ("get_things_2", true),
                ("post_things", true),
                ("get_things", false)
            ]
        );
    }

    #[test]
    fn bodies_and_responses_are_followed_to_their_schemas() {
        let s = spec(json!({"/a": {"delete": {
            "requestBody": {"$ref": "#/components/requestBodies/B"},
            "responses": {"202": {"$ref": "#/components/responses/Gone"},
                          "4XX": {"description": "client"},
                          "default": {"description": "other"}}}}}));
        let op = &s.operations[0];
        let body = op.request_body.as_ref().unwrap();
        assert!(body.required);
        assert_eq!(
            body.media[0].schema.as_deref(),
            Some("/components/requestBodies/B/content/application~1json/schema")
        );
        let gone = op.response_for(202).unwrap();
        assert!(gone.optional_body && gone.media[0].is_json());
        assert_eq!(
            op.response_for(404).unwrap().pointer,
            "/paths/~1a/delete/responses/4XX"
        );
        assert_eq!(
            op.response_for(503).unwrap().pointer,
            "/paths/~1a/delete/responses/default"
        );
        assert_eq!(op.status_key(202), Some("202"));
        assert_eq!(op.status_key(404), Some("4XX"));
        assert_eq!(op.status_key(503), Some("default"));
        assert_eq!(op.status_key(-1), None);
        assert_eq!(op.statuses(), [202]);
    }

    #[test]
    fn a_parameter_without_a_place_is_refused_at_its_pointer() {
        let doc = json!({"openapi": "3.0.3", "paths": {"/a": {"get": {
            "parameters": [{"name": "x", "in": "body"}],
            "responses": {"200": {"description": "ok"}}}}}});
        let err = Spec::from_document(doc, "t.yaml").unwrap_err().to_string();
        assert!(
            err.contains("#/paths/~1a/get/parameters/0") && err.contains("in: body"),
            "{err}"
        );
    }
}
