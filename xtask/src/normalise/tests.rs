//! Each pass on a small spec that needs it, and on one that does not.

use super::*;
use crate::spec;

fn load(yaml: &str) -> OpenAPI {
    spec::parse(yaml, std::path::Path::new("test.yaml")).unwrap()
}

fn run(pass: Pass, yaml: &str) -> (OpenAPI, Vec<Change>) {
    let mut spec = load(yaml);
    let changes = pass(&mut spec);
    (spec, changes)
}

fn op<'a>(spec: &'a OpenAPI, path: &str) -> &'a Operation {
    spec.paths.paths[path]
        .as_item()
        .unwrap()
        .get
        .as_ref()
        .unwrap()
}

fn response<'a>(spec: &'a OpenAPI, path: &str, code: u16) -> &'a Response {
    op(spec, path).responses.responses[&openapiv3::StatusCode::Code(code)]
        .as_item()
        .unwrap()
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

#[test]
fn missing_operation_ids_are_synthesised_without_collisions() {
    let yaml = format!(
        "{HEAD}paths:
  /devices/{{id}}:
    get: {{responses: {{'200': {{description: ok}}}}}}
  /things:
    get: {{operationId: get_devices_id, responses: {{'200': {{description: ok}}}}}}
"
    );
    let (spec, changes) = run(synthesise_operation_ids, &yaml);
    assert_eq!(
        op(&spec, "/devices/{id}").operation_id.as_deref(),
        Some("get_devices_id_2")
    );
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].operation, "get_devices_id_2");
    assert!(
        changes[0].what.contains("GET /devices/{id}"),
        "{}",
        changes[0]
    );
}

#[test]
fn referenced_responses_and_request_bodies_are_resolved() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    post:
      operationId: make_x
      requestBody: {{$ref: '#/components/requestBodies/XBody'}}
      responses:
        '200': {{$ref: '#/components/responses/Ok'}}
components:
  requestBodies:
    XBody: {{content: {{application/json: {{schema: {{type: object}}}}}}}}
  responses:
    Ok: {{description: fine, content: {{application/json: {{schema: {{type: string}}}}}}}}
"
    );
    let mut spec = load(&yaml);
    let body = resolve_request_body_refs(&mut spec);
    let resp = resolve_response_refs(&mut spec);
    let post = spec.paths.paths["/x"]
        .as_item()
        .unwrap()
        .post
        .as_ref()
        .unwrap();
    assert!(matches!(post.request_body, Some(ReferenceOr::Item(_))));
    let ok = &post.responses.responses[&openapiv3::StatusCode::Code(200)];
    assert_eq!(ok.as_item().unwrap().description, "fine");
    assert_eq!(
        body[0].to_string(),
        "make_x: request body `#/components/requestBodies/XBody` resolved inline"
    );
    assert_eq!(
        resp[0].to_string(),
        "make_x: responses resolved inline: 200 `#/components/responses/Ok`"
    );
}

#[test]
fn json_is_chosen_among_several_media_types() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      responses:
        '200':
          description: ok
          content:
            text/csv: {{schema: {{type: string}}}}
            application/json: {{schema: {{type: object}}}}
        '404':
          description: gone
          content:
            application/problem+json: {{schema: {{type: object}}}}
"
    );
    let (spec, changes) = run(choose_json_media_type, &yaml);
    let ok: Vec<_> = response(&spec, "/x", 200).content.keys().collect();
    assert_eq!(ok, ["application/json"]);
    let gone: Vec<_> = response(&spec, "/x", 404).content.keys().collect();
    assert_eq!(gone, ["application/json"]);
    assert_eq!(changes.len(), 2);
    assert!(
        changes[0].what.contains("dropped `text/csv`"),
        "{}",
        changes[0]
    );
    assert!(
        changes[1].what.contains("as `application/json`"),
        "{}",
        changes[1]
    );
}

#[test]
fn single_json_media_type_is_left_alone() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{type: object}}}}}}}}
"
    );
    let (_, changes) = run(choose_json_media_type, &yaml);
    assert!(changes.is_empty(), "{changes:?}");
}

#[test]
fn encoding_on_json_is_dropped() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{type: object}}
              encoding: {{a: {{contentType: text/plain}}}}
"
    );
    let (spec, changes) = run(drop_media_type_encoding, &yaml);
    assert!(
        response(&spec, "/x", 200).content["application/json"]
            .encoding
            .is_empty()
    );
    assert_eq!(
        changes[0].to_string(),
        "get_x: response 200 `application/json`: dropped `encoding`"
    );
}

#[test]
fn different_json_error_bodies_become_any_json() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      responses:
        '200': {{description: ok}}
        '403': {{description: a, content: {{application/json: {{schema: {{type: object, properties: {{message: {{type: string}}}}}}}}}}}}
        '500': {{description: b, content: {{application/json: {{schema: {{type: object, properties: {{code: {{type: string}}}}}}}}}}}}
"
    );
    let (spec, changes) = run(unify_response_bodies, &yaml);
    for code in [403, 500] {
        let schema = response(&spec, "/x", code).content["application/json"]
            .schema
            .clone();
        assert_eq!(schema, Some(ReferenceOr::Item(any_schema())), "{code}");
    }
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].what.starts_with("error responses 403, 500"),
        "{}",
        changes[0]
    );
}

#[test]
fn empty_beside_json_error_bodies_become_raw_bytes() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      responses:
        '200': {{description: ok}}
        '404': {{description: a}}
        '500': {{description: b, content: {{application/json: {{schema: {{type: object}}}}}}}}
"
    );
    let (spec, changes) = run(unify_response_bodies, &yaml);
    for code in [404, 500] {
        let keys: Vec<_> = response(&spec, "/x", code).content.keys().collect();
        assert_eq!(keys, ["application/octet-stream"], "{code}");
    }
    assert!(changes[0].what.contains("now raw bytes"), "{}", changes[0]);
}

#[test]
fn shared_error_schema_is_left_alone() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{type: string}}}}}}}}
        '404': {{description: a, content: {{application/json: {{schema: {{$ref: '#/components/schemas/E'}}}}}}}}
        '500': {{description: b, content: {{application/json: {{schema: {{$ref: '#/components/schemas/E'}}}}}}}}
components:
  schemas:
    E: {{type: object}}
"
    );
    let (_, changes) = run(unify_response_bodies, &yaml);
    assert!(changes.is_empty(), "{changes:?}");
}

#[test]
fn our_spec_needs_only_ref_resolution() {
    let path = crate::workspace_root().join("openapi/flatpeak.yaml");
    let mut spec = spec::load_both(&path).unwrap().openapi;
    let changes = normalise(&mut spec);
    assert!(!changes.is_empty());
    assert!(
        changes
            .iter()
            .all(|c| c.what.starts_with("responses resolved inline")),
        "{changes:?}"
    );
}
