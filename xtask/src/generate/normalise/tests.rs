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
/// Our specs need no rewrite but inlining `$ref`'d responses and request bodies.
fn our_specs_need_only_ref_resolution() {
    let root = crate::workspace::root();
    let catalogue = spec_model::releases::Catalogue::load(&root).unwrap();
    for release in catalogue.releases() {
        let mut spec = spec::load_both(&release.spec).unwrap().openapi;
        let changes = normalise(&mut spec);
        assert!(
            changes
                .iter()
                .all(|c| c.what.starts_with("responses resolved inline")
                    || (c.what.starts_with("request body `")
                        && c.what.ends_with("resolved inline"))),
            "{}: {changes:?}",
            release.name
        );
    }
}

fn string_enum(spec: &OpenAPI, name: &str) -> Vec<String> {
    let schema = spec.components.as_ref().unwrap().schemas[name]
        .as_item()
        .unwrap();
    match &schema.schema_kind {
        SchemaKind::Type(openapiv3::Type::String(s)) => {
            s.enumeration.iter().flatten().cloned().collect()
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn enum_values_differing_in_case_get_distinct_rust_names() {
    let yaml = format!(
        "{HEAD}paths: {{}}
components:
  schemas:
    Sort: {{type: string, enum: [ASC, DESC, asc, desc], default: asc}}
    Status: {{type: string, enum: [in-progress, in_progress, done]}}
    Plain: {{type: string, enum: [a, b]}}
    Untyped: {{enum: [a, A]}}
"
    );
    let (spec, changes) = run(enum_names::distinct_enum_variant_names, &yaml);
    let sort = string_enum(&spec, "Sort");
    let names: Vec<String> = sort.iter().map(|v| schemas::rust_type_name(v)).collect();
    assert_eq!(names, ["Asc", "Desc", "AscLower", "DescLower"]);
    let wire: Vec<String> = sort
        .iter()
        .map(|v| unmark(v).unwrap_or(v.clone()))
        .collect();
    assert_eq!(wire, ["ASC", "DESC", "asc", "desc"]);
    let default = spec.components.as_ref().unwrap().schemas["Sort"]
        .as_item()
        .unwrap()
        .schema_data
        .default
        .clone();
    assert_eq!(
        default.as_ref().and_then(|d| d.as_str()).and_then(unmark),
        Some("asc".to_string())
    );
    let status: Vec<String> = string_enum(&spec, "Status")
        .iter()
        .map(|v| schemas::rust_type_name(v))
        .collect();
    assert_eq!(status, ["InProgress", "InProgress2", "Done"]);
    assert_eq!(string_enum(&spec, "Plain"), ["a", "b"]);
    let untyped = &spec.components.as_ref().unwrap().schemas["Untyped"];
    let SchemaKind::Any(any) = &untyped.as_item().unwrap().schema_kind else {
        panic!("{untyped:?}");
    };
    let names: Vec<String> = any
        .enumeration
        .iter()
        .map(|v| schemas::rust_type_name(v.as_str().unwrap()))
        .collect();
    assert_eq!(names, ["A", "AUpper"]);
    let shown: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        shown,
        [
            "#/components/schemas/Sort: enum values that differ only in case or punctuation \
             would share a Rust name: `asc` -> `AscLower`, `desc` -> `DescLower`",
            "#/components/schemas/Status: enum values that differ only in case or punctuation \
             would share a Rust name: `in_progress` -> `InProgress2`",
            "#/components/schemas/Untyped: enum values that differ only in case or punctuation \
             would share a Rust name: `A` -> `AUpper`"
        ]
    );
}

#[test]
fn inline_enum_in_a_parameter_is_renamed_where_it_is() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      parameters:
        - {{name: order, in: query, schema: {{type: string, enum: [asc, ASC]}}}}
      responses: {{'200': {{description: ok}}}}
"
    );
    let (_, changes) = run(enum_names::distinct_enum_variant_names, &yaml);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].operation, "#/paths/~1x/get/parameters/0/schema");
    assert!(
        changes[0].what.ends_with("`ASC` -> `AscUpper`"),
        "{}",
        changes[0]
    );
}

#[test]
fn marks_are_removed_and_unmarked_text_is_left_alone() {
    assert_eq!(unmark("plain"), None);
    assert_eq!(
        unmark("[\"ASC\", \"asc\u{E000}Lower\u{E001}\"]").as_deref(),
        Some("[\"ASC\", \"asc\"]")
    );
}

#[test]
fn an_inline_type_named_like_a_component_is_titled() {
    let yaml = format!(
        "{HEAD}paths: {{}}
components:
  schemas:
    ShieldListContent: {{type: object, properties: {{kind: {{type: string}}}}}}
    ShieldList:
      type: object
      properties:
        content:
          allOf:
            - $ref: '#/components/schemas/ShieldListContent'
            - description: what the list holds
        plain:
          description: a reference with a description beside it makes no type
          allOf: [{{$ref: '#/components/schemas/ShieldListContent'}}]
    ShieldListPlain: {{type: string}}
"
    );
    let (spec, changes) = run(type_names::unique_type_names, &yaml);
    let list = spec.components.as_ref().unwrap().schemas["ShieldList"]
        .as_item()
        .unwrap();
    let SchemaKind::Type(openapiv3::Type::Object(o)) = &list.schema_kind else {
        panic!("{list:?}");
    };
    let title = |p: &str| o.properties[p].as_item().unwrap().schema_data.title.clone();
    assert_eq!(title("content").as_deref(), Some("ShieldListContentInline"));
    assert_eq!(title("plain"), None);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        changes[0].to_string(),
        "#/components/schemas/ShieldList/properties/content: its type would be named \
         `ShieldListContent` like the component `#/components/schemas/ShieldListContent`: \
         titled `ShieldListContentInline`"
    );
}

#[test]
fn components_that_make_one_rust_name_are_renamed_with_their_refs() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Foo_Bar'}}}}}}}}
components:
  schemas:
    FooBar: {{type: object, properties: {{a: {{type: string}}}}}}
    Foo_Bar: {{type: object, properties: {{b: {{$ref: '#/components/schemas/Foo_Bar/properties/c'}}, c: {{type: string}}}}}}
"
    );
    let (spec, changes) = run(type_names::unique_type_names, &yaml);
    let keys: Vec<&String> = spec.components.as_ref().unwrap().schemas.keys().collect();
    assert_eq!(keys, ["FooBar", "Foo_Bar2"]);
    let text = serde_json::to_string(&spec).unwrap();
    assert!(!text.contains("schemas/Foo_Bar\""), "{text}");
    assert!(
        text.contains("#/components/schemas/Foo_Bar2/properties/c"),
        "{text}"
    );
    assert_eq!(
        changes[0].to_string(),
        "#/components/schemas/Foo_Bar: its type would be named `FooBar` like \
         `#/components/schemas/FooBar`: renamed `Foo_Bar2`, 2 `$ref`s rewritten"
    );
}

#[test]
fn success_and_error_bodies_of_one_operation_get_their_own_types() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{type: object, properties: {{a: {{type: string}}}}}}}}}}}}
        '404': {{description: no, content: {{application/json: {{schema: {{type: object, properties: {{b: {{type: string}}}}}}}}}}}}
"
    );
    let (spec, changes) = run(type_names::unique_type_names, &yaml);
    let title = |code| {
        response(&spec, "/x", code).content["application/json"]
            .schema
            .as_ref()
            .unwrap()
            .as_item()
            .unwrap()
            .schema_data
            .title
            .clone()
    };
    assert_eq!(title(200), None);
    assert_eq!(title(404).as_deref(), Some("GetXResponse404"));
    assert_eq!(changes.len(), 1, "{changes:?}");
}

#[test]
fn zero_min_length_is_dropped() {
    let yaml = format!(
        "{HEAD}paths: {{}}
components:
  schemas:
    Name: {{type: string, minLength: 0, maxLength: 10}}
    Code: {{type: string, minLength: 1}}
"
    );
    let (spec, changes) = run(drop_zero_min_length, &yaml);
    let min = |name: &str| match &spec.components.as_ref().unwrap().schemas[name]
        .as_item()
        .unwrap()
        .schema_kind
    {
        SchemaKind::Type(openapiv3::Type::String(s)) => (s.min_length, s.max_length),
        _ => panic!(),
    };
    assert_eq!(min("Name"), (None, Some(10)));
    assert_eq!(min("Code"), (Some(1), None));
    assert_eq!(
        changes[0].to_string(),
        "#/components/schemas/Name: dropped `minLength: 0`, which constrains nothing"
    );
}

#[test]
fn an_all_of_of_a_ref_and_annotations_becomes_the_ref() {
    let yaml = format!(
        "{HEAD}paths: {{}}
components:
  schemas:
    Content: {{type: object, properties: {{a: {{type: string}}}}}}
    List:
      type: object
      properties:
        content:
          nullable: true
          allOf:
            - $ref: '#/components/schemas/Content'
            - description: what the list holds
        inline:
          allOf:
            - {{type: object, title: Inner, properties: {{b: {{type: string}}}}}}
            - description: an inline member
        merged:
          allOf:
            - $ref: '#/components/schemas/Content'
            - {{type: object, properties: {{c: {{type: string}}}}}}
"
    );
    let (spec, changes) = run(all_of::collapse_annotated_all_of, &yaml);
    let list = spec.components.as_ref().unwrap().schemas["List"]
        .as_item()
        .unwrap();
    let SchemaKind::Type(openapiv3::Type::Object(o)) = &list.schema_kind else {
        panic!("{list:?}");
    };
    let prop = |p: &str| o.properties[p].as_item().unwrap();
    let content = prop("content");
    assert!(matches!(
        &content.schema_kind,
        SchemaKind::AllOf { all_of } if matches!(all_of.as_slice(), [ReferenceOr::Reference { .. }])
    ));
    assert!(content.schema_data.nullable);
    assert_eq!(
        content.schema_data.description.as_deref(),
        Some("what the list holds")
    );
    let inline = prop("inline");
    assert!(matches!(
        inline.schema_kind,
        SchemaKind::Type(openapiv3::Type::Object(_))
    ));
    assert_eq!(inline.schema_data.title.as_deref(), Some("Inner"));
    assert_eq!(
        inline.schema_data.description.as_deref(),
        Some("an inline member")
    );
    assert!(
        matches!(&prop("merged").schema_kind, SchemaKind::AllOf { all_of } if all_of.len() == 2)
    );
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(
        changes[0].to_string(),
        "#/components/schemas/List/properties/content: `allOf` of \
         `#/components/schemas/Content` and 1 annotation-only member(s): now that member, with \
         the annotations on the schema"
    );
}

#[test]
fn a_nullable_component_titled_like_its_name_loses_the_title() {
    let yaml = format!(
        "{HEAD}paths: {{}}
components:
  schemas:
    File--Base: {{type: object, nullable: true, title: File (Base), properties: {{id: {{type: string}}}}}}
    File:
      type: object
      title: File
      allOf:
        - $ref: '#/components/schemas/File--Base'
        - {{properties: {{name: {{type: string}}}}}}
    Folder: {{type: object, title: Folder, properties: {{id: {{type: string}}}}}}
    Odd: {{type: object, nullable: true, title: Something else, properties: {{id: {{type: string}}}}}}
"
    );
    let (spec, changes) = run(type_names::unique_type_names, &yaml);
    let title = |k: &str| {
        spec.components.as_ref().unwrap().schemas[k]
            .as_item()
            .unwrap()
            .schema_data
            .title
            .clone()
    };
    assert_eq!(title("File--Base"), None);
    assert_eq!(title("File"), None);
    assert_eq!(title("Folder").as_deref(), Some("Folder"));
    assert_eq!(title("Odd").as_deref(), Some("Something else"));
    let pointers: Vec<&str> = changes.iter().map(|c| c.operation.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "#/components/schemas/File--Base",
            "#/components/schemas/File"
        ]
    );
    assert!(
        changes[0]
            .what
            .contains("by its title \"File (Base)\", which makes `FileBase` again"),
        "{}",
        changes[0]
    );
}

#[test]
fn properties_of_an_all_of_member_are_named_from_the_all_of() {
    let yaml = format!(
        "{HEAD}paths: {{}}
components:
  schemas:
    Base: {{type: object, properties: {{id: {{type: string}}}}}}
    InputValidation: {{oneOf: [{{type: string}}, {{type: integer}}]}}
    Input:
      allOf:
        - $ref: '#/components/schemas/Base'
        - properties:
            validation:
              anyOf: [{{$ref: '#/components/schemas/InputValidation'}}, {{type: object, nullable: true}}]
"
    );
    let (_, changes) = run(type_names::unique_type_names, &yaml);
    let shown: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        shown,
        [
            "#/components/schemas/Input/allOf/1/properties/validation: its type would be named \
             `InputValidation` like the component `#/components/schemas/InputValidation`: \
             titled `InputValidationInline`"
        ]
    );
}

#[test]
fn a_nullable_parameter_is_not_nullable() {
    let yaml = format!(
        "{HEAD}paths:
  /x:
    get:
      operationId: get_x
      parameters:
        - {{name: x-rep-hints, in: header, schema: {{type: string, nullable: true}}}}
        - {{name: q, in: query, schema: {{type: object, properties: {{a: {{type: string, nullable: true}}}}}}}}
      responses: {{'200': {{description: ok}}}}
"
    );
    let (spec, changes) = run(drop_nullable_parameters, &yaml);
    let params = &op(&spec, "/x").parameters;
    let schema = |i: usize| match &params[i].as_item().unwrap().parameter_data_ref().format {
        openapiv3::ParameterSchemaOrContent::Schema(s) => s.as_item().unwrap().clone(),
        _ => panic!(),
    };
    assert!(!schema(0).schema_data.nullable);
    let SchemaKind::Type(openapiv3::Type::Object(o)) = schema(1).schema_kind else {
        panic!();
    };
    assert!(o.properties["a"].as_item().unwrap().schema_data.nullable);
    let shown: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        shown,
        [
            "#/paths/~1x/get/parameters/0/schema: dropped `nullable: true`: a parameter is sent or \
          not, never `null`"
        ]
    );
}
