//! `allOf: [{$ref: X}, {description: ..}]`: the way OpenAPI 3.0 writes a reference with a
//! description beside it (a `$ref` may have no siblings). typify 0.8 merges the members into a
//! new type, a copy of `X` with a name of its own, which may well be `X`'s name again (Box's
//! `ShieldList.content` became a second `ShieldListContent`); under `nullable: true` no title
//! can rename that copy. The members that only annotate (no type, no constraint) move their
//! words to the schema itself, so one member is left: a `$ref` typify uses as it is, or an
//! inline schema that takes the `allOf`'s place.

use openapiv3::{AnySchema, OpenAPI, ReferenceOr, Schema, SchemaData, SchemaKind};

use super::Change;
use super::schemas;

/// Reduces `allOf`s of one real member and annotations to that member.
pub fn collapse_annotated_all_of(spec: &mut OpenAPI) -> Vec<Change> {
    schemas::rewrite_each(spec, collapse)
}

fn collapse(schema: &mut Schema) -> Option<String> {
    let SchemaKind::AllOf { all_of } = &mut schema.schema_kind else {
        return None;
    };
    let (notes, real): (Vec<_>, Vec<_>) = std::mem::take(all_of)
        .into_iter()
        .partition(|member| annotation(member).is_some());
    if notes.is_empty() || real.len() != 1 {
        all_of.extend(real);
        all_of.extend(notes);
        return None;
    }
    let count = notes.len();
    for note in notes.iter().filter_map(annotation) {
        fill(&mut schema.schema_data, note);
    }
    let what = match real.into_iter().next()? {
        ReferenceOr::Reference { reference } => {
            let what = format!("`allOf` of `{reference}` and {count} annotation-only member(s)");
            *all_of = vec![ReferenceOr::Reference { reference }];
            what
        }
        ReferenceOr::Item(inner) => {
            fill(&mut schema.schema_data, &inner.schema_data);
            schema.schema_kind = inner.schema_kind;
            format!("`allOf` of one inline schema and {count} annotation-only member(s)")
        }
    };
    Some(format!(
        "{what}: now that member, with the annotations on the schema"
    ))
}

/// The annotations of a member that has nothing else: no type, no constraint, no extension.
fn annotation(member: &ReferenceOr<Schema>) -> Option<&SchemaData> {
    let ReferenceOr::Item(schema) = member else {
        return None;
    };
    let SchemaKind::Any(any) = &schema.schema_kind else {
        return None;
    };
    let data = &schema.schema_data;
    let plain =
        *any == AnySchema::default() && data.extensions.is_empty() && data.discriminator.is_none();
    plain.then_some(data)
}

/// Copies into `to` what it lacks of `from`'s annotations.
fn fill(to: &mut SchemaData, from: &SchemaData) {
    to.nullable |= from.nullable;
    to.read_only |= from.read_only;
    to.write_only |= from.write_only;
    to.deprecated |= from.deprecated;
    fill_option(&mut to.title, &from.title);
    fill_option(&mut to.description, &from.description);
    fill_option(&mut to.example, &from.example);
    fill_option(&mut to.default, &from.default);
    fill_option(&mut to.external_docs, &from.external_docs);
    fill_option(&mut to.discriminator, &from.discriminator);
    for (key, value) in &from.extensions {
        to.extensions
            .entry(key.clone())
            .or_insert_with(|| value.clone());
    }
}

fn fill_option<T: Clone>(to: &mut Option<T>, from: &Option<T>) {
    if to.is_none() {
        *to = from.clone();
    }
}
