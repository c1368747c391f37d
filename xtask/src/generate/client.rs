//! From a spec to formatted Rust: normalise, run progenitor, post-process, format, add the
//! header. Also the `Cargo.toml` of a standalone crate for `--out`.

use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};

use anyhow::{Context, Result, anyhow, bail};
use openapiv3::{OpenAPI, ReferenceOr};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle};
use quote::quote;

use super::blame;
use super::crate_check::Origins;
use super::normalise::{self, Change};
use super::operations::{self, ReleaseName};
use super::postprocess;

/// Who the code is for: a release module of the `flatpeak` crate, whose hand-written layer
/// supplies the client's state and the hooks, or a standalone crate for any spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile<'a> {
    /// `crates/flatpeak/src/generated/<release>.rs`: the generated `Client` carries a
    /// `crate::ClientState`, its hooks forward to the hand-written layer, and the spec's
    /// `Error` schema is the crate's `ErrorEnvelope`.
    Release(ReleaseName<'a>),
    /// A crate of its own, with progenitor's default hooks.
    Standalone,
}

/// The result of one generation.
pub struct Generated {
    /// The formatted file, header included.
    pub code: String,
    /// What normalisation rewrote.
    pub changes: Vec<Change>,
    /// Crates the code uses beyond progenitor-client, reqwest and serde.
    pub uses: Uses,
    /// Operations left out (`--skip-unsupported`), each with progenitor's reason.
    pub skipped: Vec<Fault>,
    /// Where each generated item came from, to name it in compiler errors.
    pub origins: Origins,
    /// The operations whose builders implement `Paginate`, by `operationId` (none for a
    /// standalone crate): the commands the CLI gives `--all`.
    pub paginated: Vec<String>,
}

/// What to do with a spec progenitor cannot take whole.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Leave out the operations progenitor cannot take and generate the rest (else refuse).
    pub skip_unsupported: bool,
}

/// An operation progenitor cannot take alone.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Its `operationId`.
    pub id: String,
    /// Its method, lower case.
    pub method: String,
    /// Its path template.
    pub path: String,
    /// progenitor's error or panic.
    pub reason: String,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "operation `{}` ({} {}): {}",
            self.id,
            self.method.to_uppercase(),
            self.path,
            self.reason
        )
    }
}

/// Optional crates the generated code refers to, read from the code itself (a path whose
/// first segment names the crate), so `Cargo.toml` lists what the code needs, no more.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Uses {
    /// `chrono` (date-time formats).
    pub chrono: bool,
    /// `regress` (patterns).
    pub regress: bool,
    /// `uuid` (uuid formats).
    pub uuid: bool,
    /// `uuid` with its `v4` feature (`Uuid::new_v4()`, in defaults).
    pub uuid_v4: bool,
    /// `futures` (streams and pagination).
    pub futures: bool,
    /// `base64` (websocket handshakes).
    pub base64: bool,
    /// `rand` (websocket handshakes).
    pub rand: bool,
    /// `serde_path_to_error` (the place a tagged union's variant failed to decode).
    pub path_to_error: bool,
    /// Crates named by an absolute path (`::name::..`) that the generator has no dependency
    /// line for; the crate will not build without them.
    pub unknown: BTreeSet<String>,
}

/// Crates every standalone crate depends on, and the standard library's: not optional.
const ALWAYS: &[&str] = &[
    "std",
    "core",
    "alloc",
    "progenitor_client",
    "reqwest",
    "serde",
    "serde_json",
    "schemars",
];

impl Uses {
    /// Reads the crates `file` refers to.
    pub fn scan(file: &syn::File) -> Uses {
        #[derive(Default)]
        struct Scan {
            first: BTreeSet<String>,
            absolute: BTreeSet<String>,
            new_v4: bool,
        }
        impl<'ast> syn::visit::Visit<'ast> for Scan {
            fn visit_path(&mut self, path: &'ast syn::Path) {
                if let Some(first) = path.segments.first()
                    && path.segments.len() > 1
                {
                    self.first.insert(first.ident.to_string());
                    if path.leading_colon.is_some() {
                        self.absolute.insert(first.ident.to_string());
                    }
                }
                self.new_v4 |= path.segments.iter().any(|s| s.ident == "new_v4");
                syn::visit::visit_path(self, path);
            }
        }
        let mut scan = Scan::default();
        syn::visit::Visit::visit_file(&mut scan, file);
        let has = |name: &str| scan.first.contains(name);
        let known = [
            "chrono",
            "regress",
            "uuid",
            "futures",
            "base64",
            "rand",
            "serde_path_to_error",
        ];
        Uses {
            chrono: has("chrono"),
            regress: has("regress"),
            uuid: has("uuid"),
            uuid_v4: has("uuid") && scan.new_v4,
            futures: has("futures"),
            base64: has("base64"),
            rand: has("rand"),
            path_to_error: has("serde_path_to_error"),
            unknown: scan
                .absolute
                .into_iter()
                .filter(|c| !ALWAYS.contains(&c.as_str()) && !known.contains(&c.as_str()))
                .collect(),
        }
    }
}

/// Generates the client for `spec`, whose model is `model` (the same document read through
/// the workspace's spec model). `spec_label` is how the header names the spec; `options` say
/// what happens to operations progenitor cannot take.
pub fn generate(
    mut spec: OpenAPI,
    model: &spec_model::Spec,
    spec_label: &str,
    profile: Profile<'_>,
    options: Options,
) -> Result<Generated> {
    let changes = normalise::normalise(&mut spec);
    let (tokens, skipped) = run_progenitor(&mut spec, profile, options)?;
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| anyhow!("progenitor produced code that does not parse: {e}"))?;
    postprocess::apply(&mut file);
    super::sensitive_debug::redact_debug(&mut file, &model.document);
    let uses = Uses::scan(&file);
    let paginated = match profile {
        Profile::Release(release) => operations::extend(&mut file, model, &release)?,
        Profile::Standalone => Vec::new(),
    };
    let body = prettyplease::unparse(&file);
    Ok(Generated {
        code: format!("{}{body}", header(spec_label)),
        changes,
        uses,
        skipped,
        origins: Origins::of(&mut spec),
        paginated,
    })
}

/// The header of every generated file. It must not vary between runs (no dates, no paths
/// outside the repository), or `--check` would fail for nothing.
pub fn header(spec_label: &str) -> String {
    format!(
        "// @generated by `cargo xtask generate` from `{spec_label}`. Do not edit by hand:\n\
         // change the spec (or the generator in xtask/) and run `cargo xtask generate`.\n\n"
    )
}

pub(crate) fn settings(profile: Profile<'_>) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_derive("schemars::JsonSchema");
    if let Profile::Release(_) = profile {
        settings
            .with_inner_type(quote! { crate::ClientState })
            .with_hooks(progenitor::HooksMode::Expected)
            // One envelope for every release, read leniently by the hand-written layer.
            .with_replacement("Error", "crate::ErrorEnvelope", std::iter::empty());
    }
    settings
}

/// Runs progenitor, turning both its errors and its panics into an error that names the
/// schemas or the operations at fault; with `skip_unsupported`, leaves those operations out
/// instead and returns them.
fn run_progenitor(
    spec: &mut OpenAPI,
    profile: Profile<'_>,
    options: Options,
) -> Result<(TokenStream, Vec<Fault>)> {
    let whole = match progenitor_once(spec, profile) {
        Ok(tokens) => return Ok((tokens, Vec::new())),
        Err(whole) => whole,
    };
    if let Some(e) = blame::schemas(spec, |s| progenitor_once(s, profile)) {
        return Err(e);
    }
    let faults = blame_operations(spec, profile);
    if faults.is_empty() {
        return Err(whole.context("no single operation or component schema fails alone"));
    }
    if !options.skip_unsupported {
        let listed: Vec<String> = faults.iter().map(Fault::to_string).collect();
        bail!(
            "cannot generate a client:\n  {}\n(`--skip-unsupported` generates the other operations)",
            listed.join("\n  ")
        );
    }
    for fault in &faults {
        remove_operation(spec, &fault.path, &fault.method);
    }
    let tokens = progenitor_once(spec, profile)
        .context("cannot generate a client even without the operations progenitor cannot take")?;
    Ok((tokens, faults))
}

fn progenitor_once(spec: &OpenAPI, profile: Profile<'_>) -> Result<TokenStream> {
    let mut generator = Generator::new(&settings(profile));
    match quietly(|| generator.generate_tokens(spec)) {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => bail!("progenitor refused the spec: {e}"),
        Err(panic) => bail!("progenitor panicked: {panic}"),
    }
}

/// Runs `f`, catching a panic as its message and keeping the panic hook from printing it.
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result
        .map_err(|payload| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_string())
        })
        .map_err(|message| one_line(&message, PANIC_CHARS))
}

/// How much of a panic message an error keeps: typify's carry whole schemas.
const PANIC_CHARS: usize = 160;

/// `text` on one line, whitespace runs collapsed, cut after `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &joined[..at]),
        None => joined,
    }
}

/// The operations progenitor cannot take, each generated alone (with the component schemas
/// it reaches).
fn blame_operations(spec: &OpenAPI, profile: Profile<'_>) -> Vec<Fault> {
    let mut faults = Vec::new();
    let reach = blame::Reach::new(spec);
    for (path, method, op) in operations(spec) {
        let mut alone = only_operation(spec, path, method);
        reach.trim(&mut alone, path, method);
        if let Err(e) = progenitor_once(&alone, profile) {
            faults.push(Fault {
                id: op
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| "(no operationId)".into()),
                method: method.to_string(),
                path: path.to_string(),
                reason: e.to_string(),
            });
        }
    }
    faults
}

fn operations(spec: &OpenAPI) -> Vec<(&str, &str, &openapiv3::Operation)> {
    spec.paths
        .paths
        .iter()
        .filter_map(|(path, item)| item.as_item().map(|item| (path, item)))
        .flat_map(|(path, item)| {
            item.iter()
                .map(move |(method, op)| (path.as_str(), method, op))
        })
        .collect()
}

/// A copy of `spec` with one path holding one operation.
fn only_operation(spec: &OpenAPI, path: &str, method: &str) -> OpenAPI {
    let mut alone = spec.clone();
    alone.paths.paths.retain(|p, _| p == path);
    if let Some(ReferenceOr::Item(item)) = alone.paths.paths.get_mut(path) {
        for (m, slot) in normalise::operation_slots(item) {
            if m != method {
                *slot = None;
            }
        }
    }
    alone
}

/// The edition the generated code is written for: progenitor 0.15 and typify 0.8 write Rust
/// 2021 (typify names a parameter `gen`, a reserved word since 2024), as oxide.rs's own
/// generated crates are.
pub const GENERATED_EDITION: &str = "2021";

/// `spec` without the operation at `method` `path` (and without the path once it has none).
fn remove_operation(spec: &mut OpenAPI, path: &str, method: &str) {
    let Some(ReferenceOr::Item(item)) = spec.paths.paths.get_mut(path) else {
        return;
    };
    for (m, slot) in normalise::operation_slots(item) {
        if m == method {
            *slot = None;
        }
    }
    if item.iter().next().is_none() {
        spec.paths.paths.shift_remove(path);
    }
}

/// `Cargo.toml` for a standalone crate named `name`, with exactly the dependencies `uses` asks
/// for.
pub fn cargo_toml(name: &str, uses: &Uses) -> String {
    let mut schemars_features = Vec::new();
    let mut deps = vec![
        "progenitor-client = \"0.15\"".to_string(),
        "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"query\", \"rustls\"] }".to_string(),
        "serde = { version = \"1.0.181\", features = [\"derive\"] }".to_string(),
        "serde_json = \"1\"".to_string(),
    ];
    if uses.chrono {
        deps.push("chrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }".into());
        schemars_features.push("\"chrono\"");
    }
    if uses.regress {
        deps.push("regress = \"0.12\"".into());
    }
    if uses.uuid {
        let features = if uses.uuid_v4 {
            "\"serde\", \"v4\""
        } else {
            "\"serde\""
        };
        deps.push(format!(
            "uuid = {{ version = \"1\", features = [{features}] }}"
        ));
        schemars_features.push("\"uuid1\"");
    }
    if uses.futures {
        deps.push("futures = \"0.3\"".into());
    }
    if uses.base64 {
        deps.push("base64 = \"0.22\"".into());
    }
    if uses.rand {
        deps.push("rand = \"0.9\"".into());
    }
    if uses.path_to_error {
        deps.push("serde_path_to_error = \"0.1\"".into());
    }
    // schemars 0.8, not 1.x: the derives typify emits are written against 0.8.
    deps.push(format!(
        "schemars = {{ version = \"0.8\", features = [{}] }}",
        schemars_features.join(", ")
    ));
    deps.sort();
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"{GENERATED_EDITION}\"\n\n[dependencies]\n{}\n\n\
         # A workspace of its own, so the crate builds wherever it is written.\n[workspace]\n",
        deps.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dependency_names(toml: &str) -> Vec<&str> {
        let deps = toml.split("[dependencies]\n").nth(1).unwrap_or_default();
        deps.lines()
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split(" = ").next())
            .collect()
    }

    #[test]
    fn cargo_toml_lists_only_what_the_code_uses() {
        let plain = cargo_toml("x", &Uses::default());
        assert_eq!(
            dependency_names(&plain),
            [
                "progenitor-client",
                "reqwest",
                "schemars",
                "serde",
                "serde_json"
            ]
        );
        assert!(
            plain.contains("schemars = { version = \"0.8\", features = [] }"),
            "{plain}"
        );
        assert!(plain.contains("edition = \"2021\""), "{plain}");
        let all = Uses {
            chrono: true,
            regress: true,
            uuid: true,
            uuid_v4: true,
            futures: true,
            base64: true,
            rand: true,
            path_to_error: true,
            unknown: BTreeSet::new(),
        };
        let full = cargo_toml("x", &all);
        assert_eq!(
            dependency_names(&full),
            [
                "base64",
                "chrono",
                "futures",
                "progenitor-client",
                "rand",
                "regress",
                "reqwest",
                "schemars",
                "serde",
                "serde_json",
                "serde_path_to_error",
                "uuid"
            ]
        );
        assert!(
            full.contains("features = [\"chrono\", \"uuid1\"]"),
            "{full}"
        );
        assert!(full.contains("features = [\"serde\", \"v4\"]"), "{full}");
    }

    #[test]
    fn uses_are_read_from_the_paths_in_the_code() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct A { pub at: ::chrono::DateTime<::chrono::Utc>, pub id: uuid::Uuid }
                fn f() { let _ = ::uuid::Uuid::new_v4(); }
            }
            fn ws() {
                ::base64::Engine::encode(&::base64::engine::general_purpose::STANDARD, ::rand::random::<[u8; 16]>());
                ::mystery::call();
                ::std::mem::drop(());
                let _ = types::A::default;
            }
        };
        let uses = Uses::scan(&file);
        assert!(uses.chrono && uses.uuid && uses.uuid_v4 && uses.base64 && uses.rand);
        assert!(!uses.regress && !uses.futures);
        assert_eq!(uses.unknown.into_iter().collect::<Vec<_>>(), ["mystery"]);
    }

    #[test]
    fn our_spec_generates_the_same_bytes_twice() {
        let path = crate::workspace::root().join("openapi/zero.yaml");
        let run = || {
            let loaded = crate::spec::load_both(&path).unwrap();
            let release = ReleaseName {
                name: "zero",
                version: loaded.model.flatpeak_version(),
            };
            generate(
                loaded.openapi,
                &loaded.model,
                "openapi/zero.yaml",
                Profile::Release(release),
                Options::default(),
            )
            .unwrap()
        };
        let (first, second) = (run(), run());
        assert!(first.code == second.code);
        assert!(
            first
                .code
                .starts_with("// @generated by `cargo xtask generate` from `openapi/zero.yaml`")
        );
        assert!(first.uses.chrono && first.uses.regress && !first.uses.uuid);
    }
}
