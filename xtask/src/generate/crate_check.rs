//! `generate --out` checks the crate it wrote: `cargo check --message-format=json` in it, and
//! each error's line in `src/generated.rs` mapped back to the item around it, and from the
//! item to the operation or schema that produced it (a builder or a `Client` method to its
//! `operationId`, `types::X` to `#/components/schemas/X` or the inline schema named `X`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use openapiv3::OpenAPI;
use syn::spanned::Spanned;

use super::client::one_line;
use super::normalise::schemas::{self, rust_fn_name, rust_type_name};

/// How many errors (and warnings) a report shows, and how long each message may be.
const SHOWN: usize = 5;
const MESSAGE_CHARS: usize = 200;

/// Where the generated items came from: Rust names to schemas and operations.
#[derive(Debug, Default, Clone)]
pub struct Origins {
    /// Rust type name -> JSON pointer of the schema it was generated from.
    types: BTreeMap<String, String>,
    /// Builder name (PascalCase) and `Client` method name (snake_case) -> the operation.
    operations: BTreeMap<String, String>,
}

impl Origins {
    /// Reads the names from the spec progenitor was given (after normalisation).
    pub fn of(spec: &mut OpenAPI) -> Origins {
        let mut types = BTreeMap::new();
        schemas::walk(spec, &mut |site, schema| {
            if let Some(name) = site.rust_name(schema) {
                types.entry(name).or_insert_with(|| site.pointer.clone());
            }
        });
        let mut operations = BTreeMap::new();
        for (path, item) in spec.paths.paths.iter() {
            let Some(item) = item.as_item() else { continue };
            for (method, op) in item.iter() {
                let Some(id) = &op.operation_id else { continue };
                let named = format!("operation `{id}` ({} {path})", method.to_uppercase());
                operations.insert(rust_type_name(id), named.clone());
                operations.insert(rust_fn_name(id), named);
            }
        }
        Origins { types, operations }
    }

    /// What produced the item `name` in `module` (`types`, `builder`, or the crate root).
    fn describe(&self, module: &[String], name: &str) -> String {
        let path = module
            .iter()
            .map(String::as_str)
            .chain([name])
            .collect::<Vec<_>>()
            .join("::");
        let origin = match module.first().map(String::as_str) {
            Some("types") => self.types.get(name).map(|p| format!("schema `{p}`")),
            _ => self.operations.get(name).cloned(),
        };
        match origin {
            Some(origin) => format!("in `{path}`, from {origin}"),
            None => format!("in `{path}`"),
        }
    }
}

/// One compiler diagnostic, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// `src/generated.rs:120`.
    pub place: String,
    /// `error[E0428]: the name `X` is defined multiple times`, on one line.
    pub message: String,
    /// The item, operation or schema it is in, when it is in the generated file.
    pub origin: Option<String>,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.message)?;
        if let Some(origin) = &self.origin {
            write!(f, " ({origin})")?;
        }
        Ok(())
    }
}

/// What `cargo check` found.
#[derive(Debug, Default)]
pub struct Report {
    /// Errors, in the compiler's order.
    pub errors: Vec<Diagnostic>,
    /// Warnings, in the compiler's order.
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    /// The first errors, one a line, then how many were left out.
    pub fn errors_text(&self) -> String {
        shown(&self.errors)
    }

    /// The first warnings, one a line, then how many were left out.
    pub fn warnings_text(&self) -> String {
        shown(&self.warnings)
    }
}

fn shown(list: &[Diagnostic]) -> String {
    let mut lines: Vec<String> = list.iter().take(SHOWN).map(|d| format!("  {d}")).collect();
    if list.len() > SHOWN {
        lines.push(format!("  ... and {} more", list.len() - SHOWN));
    }
    lines.join("\n")
}

/// Runs `cargo check` on the crate in `dir`. The target directory is `CARGO_TARGET_DIR` if
/// set, else one shared under the workspace's `target/`, so the dependencies of every crate
/// checked are built once. An error here means cargo itself could not run or resolve the
/// crate; a crate that does not compile is a [`Report`] with errors.
pub fn check(dir: &Path, origins: &Origins) -> Result<Report> {
    let manifest = dir.join("Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["check", "--message-format=json", "--manifest-path"])
        .arg(&manifest);
    if std::env::var_os("CARGO_TARGET_DIR").is_none() {
        command.env("CARGO_TARGET_DIR", default_target_dir());
    }
    let output = command
        .output()
        .with_context(|| format!("{}: cannot run `cargo check`", manifest.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = read_messages(&stdout, dir, origins);
    if !output.status.success() && report.errors.is_empty() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
        anyhow::bail!(
            "{}: `cargo check` failed before compiling: {}",
            manifest.display(),
            one_line(&tail.join(" "), 2 * MESSAGE_CHARS)
        );
    }
    Ok(report)
}

fn default_target_dir() -> PathBuf {
    crate::workspace::root().join("target/generate-check")
}

/// The diagnostics of `cargo check --message-format=json` output for the crate in `dir`.
pub fn read_messages(stdout: &str, dir: &Path, origins: &Origins) -> Report {
    let generated = std::fs::read_to_string(dir.join("src/generated.rs")).ok();
    let items = generated
        .as_deref()
        .and_then(|code| syn::parse_file(code).ok());
    let mut report = Report::default();
    for line in stdout.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if value["reason"] != "compiler-message" {
            continue;
        }
        let message = &value["message"];
        let level = message["level"].as_str().unwrap_or_default();
        let list = match level {
            "error" => &mut report.errors,
            "warning" => &mut report.warnings,
            _ => continue,
        };
        // The summary lines ("aborting due to ..") have no span.
        let Some(span) = primary_span(message) else {
            continue;
        };
        let found = diagnostic(message, span, items.as_ref(), origins);
        if !list.contains(&found) {
            list.push(found);
        }
    }
    report
}

fn primary_span(message: &serde_json::Value) -> Option<&serde_json::Value> {
    let spans = message["spans"].as_array()?;
    spans
        .iter()
        .find(|s| s["is_primary"] == true)
        .or(spans.first())
}

fn diagnostic(
    message: &serde_json::Value,
    span: &serde_json::Value,
    items: Option<&syn::File>,
    origins: &Origins,
) -> Diagnostic {
    let file = span["file_name"].as_str().unwrap_or("?");
    let line = span["line_start"].as_u64().unwrap_or(0) as usize;
    let code = message["code"]["code"]
        .as_str()
        .map(|c| format!("[{c}]"))
        .unwrap_or_default();
    let text = format!(
        "{}{code}: {}",
        message["level"].as_str().unwrap_or("error"),
        message["message"].as_str().unwrap_or_default()
    );
    let origin = items
        .filter(|_| file.ends_with("generated.rs"))
        .and_then(|f| item_at(&f.items, line, &mut Vec::new()))
        .map(|(module, name)| origins.describe(&module, &name));
    Diagnostic {
        place: format!("{file}:{line}"),
        message: one_line(&text, MESSAGE_CHARS),
        origin,
    }
}

/// The innermost named item around `line`: its module path and its name (for a method of an
/// `impl Client`, the method's).
fn item_at(
    items: &[syn::Item],
    line: usize,
    module: &mut Vec<String>,
) -> Option<(Vec<String>, String)> {
    let item = items.iter().find(|item| within(item.span(), line))?;
    match item {
        syn::Item::Mod(m) => {
            module.push(m.ident.to_string());
            let (_, inner) = m.content.as_ref()?;
            item_at(inner, line, module)
        }
        syn::Item::Struct(s) => Some((module.clone(), s.ident.to_string())),
        syn::Item::Enum(e) => Some((module.clone(), e.ident.to_string())),
        syn::Item::Type(t) => Some((module.clone(), t.ident.to_string())),
        syn::Item::Fn(f) => Some((module.clone(), f.sig.ident.to_string())),
        syn::Item::Trait(t) => Some((module.clone(), t.ident.to_string())),
        syn::Item::Impl(imp) => impl_item_at(imp, line, module),
        _ => None,
    }
}

/// A method of `impl Client` is named by the method (one per operation); any other impl by
/// the type it is for.
fn impl_item_at(
    imp: &syn::ItemImpl,
    line: usize,
    module: &[String],
) -> Option<(Vec<String>, String)> {
    let syn::Type::Path(ty) = imp.self_ty.as_ref() else {
        return None;
    };
    let ty = ty.path.segments.last()?.ident.to_string();
    if ty == "Client" && imp.trait_.is_none() {
        let method = imp.items.iter().find_map(|i| match i {
            syn::ImplItem::Fn(f) if within(f.span(), line) => Some(f.sig.ident.to_string()),
            _ => None,
        });
        if let Some(method) = method {
            return Some((module.to_vec(), method));
        }
    }
    Some((module.to_vec(), ty))
}

fn within(span: proc_macro2::Span, line: usize) -> bool {
    span.start().line <= line && line <= span.end().line
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "pub mod types {
    pub struct Thing {
        pub a: u8,
        pub a: u8,
    }
}
pub struct Client {}
impl Client {
    pub fn get_thing(&self) {
        broken()
    }
}
pub mod builder {
    pub struct GetThing<'a> {
        x: &'a u8,
    }
}
";

    fn spec() -> OpenAPI {
        crate::spec::parse(
            "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    get:
      operationId: get_thing
      responses: {'200': {description: ok}}
components:
  schemas:
    Thing: {type: object}
",
            Path::new("t.yaml"),
        )
        .unwrap()
    }

    fn message(level: &str, line: usize, text: &str) -> String {
        serde_json::json!({
            "reason": "compiler-message",
            "message": {
                "level": level,
                "message": text,
                "code": {"code": "E0001"},
                "spans": [{"file_name": "src/generated.rs", "line_start": line, "is_primary": true}]
            }
        })
        .to_string()
    }

    #[test]
    fn each_error_is_named_by_the_schema_or_operation_around_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/generated.rs"), CODE).unwrap();
        let origins = Origins::of(&mut spec());
        let stdout = [
            message("error", 4, "field `a` is already declared"),
            message("error", 4, "field `a` is already declared"),
            message("error", 10, "cannot find function `broken`"),
            message("warning", 15, "unused"),
            r#"{"reason":"build-finished","success":false}"#.to_string(),
            "not json".to_string(),
        ]
        .join("\n");
        let report = read_messages(&stdout, dir.path(), &origins);
        let errors: Vec<String> = report.errors.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            errors,
            [
                "src/generated.rs:4: error[E0001]: field `a` is already declared \
                 (in `types::Thing`, from schema `#/components/schemas/Thing`)",
                "src/generated.rs:10: error[E0001]: cannot find function `broken` \
                 (in `get_thing`, from operation `get_thing` (GET /things))",
            ]
        );
        assert_eq!(
            report.warnings[0].origin.as_deref(),
            Some("in `builder::GetThing`, from operation `get_thing` (GET /things)")
        );
    }

    #[test]
    fn a_report_shows_the_first_errors_and_counts_the_rest() {
        let one = Diagnostic {
            place: "src/generated.rs:1".into(),
            message: "error: x".into(),
            origin: None,
        };
        let report = Report {
            errors: vec![one; SHOWN + 2],
            warnings: Vec::new(),
        };
        let text = report.errors_text();
        assert_eq!(text.lines().count(), SHOWN + 1, "{text}");
        assert!(text.ends_with("... and 2 more"), "{text}");
    }
}
