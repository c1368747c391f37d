//! Every inline schema of a document, with its JSON pointer and the name typify or progenitor
//! would suggest for its Rust type, for the passes that rewrite schemas.
//!
//! The suggested names follow typify 0.8 and progenitor 0.15: a component is named by its key;
//! an operation's body, response and parameter types by `{operationId}-body`,
//! `{operationId}-response` and `{operationId}-{parameter}`; below a named schema, a property
//! `p` by `{Name}_{p}`, array items by `{Name}Item`, map values by `{Name}Value`; the members
//! of an `allOf` are merged into its type, so what is below them is named from its name.
//! Members of `oneOf`, `anyOf` and `not` get no suggestion here (typify names them by what
//! they contain), and neither do schemas below them.

use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::{
    AdditionalProperties, OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr,
    RequestBody, Schema, SchemaKind, Type,
};

/// Where a schema is.
pub struct Site {
    /// JSON pointer into the document, `#/components/schemas/Foo/properties/bar`.
    pub pointer: String,
    /// The name its type would get when it has no `title` (before typify's sanitising).
    pub suggested: Option<String>,
    /// A component schema (`#/components/schemas/X`), named by its key whatever its `title`.
    pub component: bool,
    /// A member of `oneOf`, `anyOf`, `allOf` or `not`: typify names an enum's variant by its
    /// `title`, and its type (if it makes one) by the enum's name and the variant's.
    pub member: bool,
    /// The schema of a parameter (not a schema below it).
    pub parameter: bool,
}

impl Site {
    /// The Rust name typify gives the schema's type, if it makes one and the name can be told.
    pub fn rust_name(&self, schema: &Schema) -> Option<String> {
        if self.member {
            return None;
        }
        let title = schema
            .schema_data
            .title
            .as_ref()
            .filter(|_| !self.component);
        title.or(self.suggested.as_ref()).map(|n| rust_type_name(n))
    }
}

/// What a pass does with each schema.
pub type Visitor<'f> = dyn FnMut(&Site, &mut Schema) + 'f;

/// Calls `rewrite` on every inline schema of `spec`: each time it says what it changed, that is
/// a [`Change`](super::Change) of the schema's pointer. For the passes that rewrite schemas one
/// by one.
pub fn rewrite_each(
    spec: &mut OpenAPI,
    mut rewrite: impl FnMut(&mut Schema) -> Option<String>,
) -> Vec<super::Change> {
    let mut changes = Vec::new();
    walk(spec, &mut |site, schema| {
        if let Some(what) = rewrite(schema) {
            changes.push(super::Change {
                operation: site.pointer.clone(),
                what,
            });
        }
    });
    changes
}

/// Calls `f` on every inline schema of `spec`, parents before children. `$ref`s are not
/// followed: the schema they name is visited where it is defined.
pub fn walk(spec: &mut OpenAPI, f: &mut Visitor<'_>) {
    if let Some(components) = spec.components.as_mut() {
        for (key, schema) in components.schemas.iter_mut() {
            if let ReferenceOr::Item(schema) = schema {
                let site = Site {
                    pointer: format!("#/components/schemas/{}", escape(key)),
                    suggested: Some(key.clone()),
                    component: true,
                    member: false,
                    parameter: false,
                };
                tree(site, schema, f);
            }
        }
        for (key, parameter) in components.parameters.iter_mut() {
            if let ReferenceOr::Item(parameter) = parameter {
                let pointer = format!("#/components/parameters/{}", escape(key));
                parameter_schema(&pointer, None, parameter, f);
            }
        }
    }
    for (path, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let base = format!("#/paths/{}", escape(path));
        for (i, parameter) in item.parameters.iter_mut().enumerate() {
            if let ReferenceOr::Item(parameter) = parameter {
                parameter_schema(&format!("{base}/parameters/{i}"), None, parameter, f);
            }
        }
        for (method, slot) in super::operation_slots(item) {
            if let Some(op) = slot.as_mut() {
                operation(&format!("{base}/{method}"), op, f);
            }
        }
    }
}

fn operation(pointer: &str, op: &mut Operation, f: &mut Visitor<'_>) {
    let id = op.operation_id.clone();
    for (i, parameter) in op.parameters.iter_mut().enumerate() {
        if let ReferenceOr::Item(parameter) = parameter {
            let name = id
                .as_ref()
                .map(|id| format!("{id}-{}", parameter.parameter_data_ref().name));
            parameter_schema(&format!("{pointer}/parameters/{i}"), name, parameter, f);
        }
    }
    if let Some(ReferenceOr::Item(body)) = op.request_body.as_mut() {
        let name = id.as_ref().map(|id| format!("{id}-body"));
        content(&format!("{pointer}/requestBody"), name, body, f);
    }
    for (status, slot) in super::response_slots(op) {
        if let ReferenceOr::Item(response) = slot {
            let name = id.as_ref().map(|id| format!("{id}-response"));
            let at = format!("{pointer}/responses/{status}/content");
            for (media_type, media) in response.content.iter_mut() {
                media_schema(&at, media_type, name.clone(), &mut media.schema, f);
            }
        }
    }
}

fn content(pointer: &str, name: Option<String>, body: &mut RequestBody, f: &mut Visitor<'_>) {
    let at = format!("{pointer}/content");
    for (media_type, media) in body.content.iter_mut() {
        media_schema(&at, media_type, name.clone(), &mut media.schema, f);
    }
}

/// progenitor makes a type only of JSON bodies; other media types are bytes.
fn media_schema(
    at: &str,
    media_type: &str,
    name: Option<String>,
    schema: &mut Option<ReferenceOr<Schema>>,
    f: &mut Visitor<'_>,
) {
    if let Some(ReferenceOr::Item(schema)) = schema {
        let site = Site {
            pointer: format!("{at}/{}/schema", escape(media_type)),
            suggested: name.filter(|_| super::is_json(media_type)),
            component: false,
            member: false,
            parameter: false,
        };
        tree(site, schema, f);
    }
}

fn parameter_schema(
    pointer: &str,
    name: Option<String>,
    parameter: &mut Parameter,
    f: &mut Visitor<'_>,
) {
    let data = match parameter {
        Parameter::Query { parameter_data, .. }
        | Parameter::Header { parameter_data, .. }
        | Parameter::Path { parameter_data, .. }
        | Parameter::Cookie { parameter_data, .. } => parameter_data,
    };
    if let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = &mut data.format {
        let site = Site {
            pointer: format!("{pointer}/schema"),
            suggested: name,
            component: false,
            member: false,
            parameter: true,
        };
        tree(site, schema, f);
    }
}

/// Visits `schema`, then its children with the names typify derives from its own.
fn tree(site: Site, schema: &mut Schema, f: &mut Visitor<'_>) {
    f(&site, schema);
    // typify merges the members of an `allOf` into one type named like the `allOf` itself:
    // what is below a member is named from that name.
    let name = match site.member {
        true => site.suggested.as_deref().map(rust_type_name),
        false => site.rust_name(schema),
    };
    let named = |suffix: &dyn Fn(&str) -> String| name.as_deref().map(suffix);
    for child in children(&mut schema.schema_kind) {
        let suggested = match &child.role {
            Role::Property(p) => named(&|n| format!("{n}_{}", p.to_snake_case())),
            Role::Items => named(&|n| format!("{n}Item")),
            Role::Values => named(&|n| format!("{n}Value")),
            Role::AllOfMember => name.clone(),
            Role::Member => None,
        };
        let site = Site {
            pointer: format!("{}/{}", site.pointer, child.segment),
            suggested,
            component: false,
            member: matches!(child.role, Role::Member | Role::AllOfMember),
            parameter: false,
        };
        tree(site, child.schema, f);
    }
}

enum Role {
    Property(String),
    Items,
    Values,
    /// A member of `allOf`, merged into the type of the `allOf`.
    AllOfMember,
    /// A member of `oneOf`, `anyOf` or `not`.
    Member,
}

struct Child<'a> {
    segment: String,
    role: Role,
    schema: &'a mut Schema,
}

/// The inline schemas directly below a schema.
fn children(kind: &mut SchemaKind) -> Vec<Child<'_>> {
    let mut out = Vec::new();
    match kind {
        SchemaKind::Type(Type::Object(o)) => {
            properties(&mut out, &mut o.properties);
            values(&mut out, o.additional_properties.as_mut());
        }
        SchemaKind::Type(Type::Array(a)) => items(&mut out, a.items.as_mut()),
        SchemaKind::OneOf { one_of } => members(&mut out, "oneOf", one_of),
        SchemaKind::AllOf { all_of } => members(&mut out, "allOf", all_of),
        SchemaKind::AnyOf { any_of } => members(&mut out, "anyOf", any_of),
        SchemaKind::Not { not } => not_member(&mut out, not),
        SchemaKind::Any(a) => {
            properties(&mut out, &mut a.properties);
            values(&mut out, a.additional_properties.as_mut());
            items(&mut out, a.items.as_mut());
            members(&mut out, "oneOf", &mut a.one_of);
            members(&mut out, "allOf", &mut a.all_of);
            members(&mut out, "anyOf", &mut a.any_of);
            if let Some(not) = a.not.as_mut() {
                not_member(&mut out, not);
            }
        }
        SchemaKind::Type(_) => {}
    }
    out
}

fn properties<'a>(
    out: &mut Vec<Child<'a>>,
    map: &'a mut indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
) {
    for (key, schema) in map.iter_mut() {
        if let ReferenceOr::Item(schema) = schema {
            out.push(Child {
                segment: format!("properties/{}", escape(key)),
                role: Role::Property(key.clone()),
                schema,
            });
        }
    }
}

fn values<'a>(out: &mut Vec<Child<'a>>, additional: Option<&'a mut AdditionalProperties>) {
    if let Some(AdditionalProperties::Schema(schema)) = additional
        && let ReferenceOr::Item(schema) = schema.as_mut()
    {
        out.push(Child {
            segment: "additionalProperties".into(),
            role: Role::Values,
            schema,
        });
    }
}

fn items<'a>(out: &mut Vec<Child<'a>>, items: Option<&'a mut ReferenceOr<Box<Schema>>>) {
    if let Some(ReferenceOr::Item(schema)) = items {
        out.push(Child {
            segment: "items".into(),
            role: Role::Items,
            schema,
        });
    }
}

fn members<'a>(out: &mut Vec<Child<'a>>, key: &str, list: &'a mut [ReferenceOr<Schema>]) {
    for (i, schema) in list.iter_mut().enumerate() {
        if let ReferenceOr::Item(schema) = schema {
            out.push(Child {
                segment: format!("{key}/{i}"),
                role: match key {
                    "allOf" => Role::AllOfMember,
                    _ => Role::Member,
                },
                schema,
            });
        }
    }
}

fn not_member<'a>(out: &mut Vec<Child<'a>>, not: &'a mut ReferenceOr<Schema>) {
    if let ReferenceOr::Item(schema) = not {
        out.push(Child {
            segment: "not".into(),
            role: Role::Member,
            schema,
        });
    }
}

/// A JSON pointer segment: `~` and `/` escaped (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The Rust type name typify 0.8 makes of a name (its `sanitize` to PascalCase): characters
/// that cannot continue an identifier become word breaks, the words are PascalCased, a name
/// that cannot start an identifier gets an `X` in front.
pub fn rust_type_name(input: &str) -> String {
    sanitize(input, |s| s.to_pascal_case(), "X")
}

/// The Rust function name progenitor makes of an `operationId` (the same `sanitize`, to
/// snake_case; a keyword gets a trailing `_`).
pub fn rust_fn_name(input: &str) -> String {
    let out = sanitize(input, |s| s.to_snake_case(), "x");
    let keyword = syn::parse_str::<syn::Ident>(&out).is_err() || out == "gen";
    if keyword { format!("{out}_") } else { out }
}

fn sanitize(input: &str, case: impl Fn(&str) -> String, prefix: &str) -> String {
    let out = match input {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => case(
            &input
                .replace('\'', "")
                .replace(|c: char| !unicode_ident::is_xid_continue(c), "-"),
        ),
    };
    let out = match out.chars().next() {
        None => prefix.to_string(),
        Some(c) if unicode_ident::is_xid_start(c) => out,
        Some(_) => format!("{prefix}{out}"),
    };
    if out == "Self" {
        format!("{out}_")
    } else {
        out
    }
}
