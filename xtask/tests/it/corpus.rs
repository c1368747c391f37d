//! `cargo xtask generate --out` on real public specs (`tests/corpus/`, see its README): each
//! crate written compiles, or the spec is refused with the error named here.
//!
//! Slow (each test compiles a generated crate; the first builds their dependencies), so the
//! tests are ignored by a plain `cargo test` and run by `.ci/run`'s corpus step:
//! `cargo test -p xtask --test it -- --ignored corpus::`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{generate_out, stderr};

fn corpus(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(file)
}

/// Runs `xtask generate --spec <corpus file> --out <dir> <extra..>`.
fn generate(file: &str, out: &Path, extra: &[&str]) -> Output {
    generate_out(&corpus(file), out, extra)
}

/// Asserts the crate was written and compiled without a warning, and returns its code.
fn compiled(out: &Output, dir: &Path) -> String {
    let err = stderr(out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("the crate compiles"), "{err}");
    assert!(!err.contains("warning:"), "{err}");
    std::fs::read_to_string(dir.join("src/generated.rs")).unwrap()
}

fn cargo_toml(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("Cargo.toml")).unwrap()
}

#[test]
#[ignore = "compiles a generated crate: run by .ci/run's corpus step"]
fn flatpeaks_published_spec_compiles_after_normalising() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("published");
    let out = generate("flatpeak-zero-2025-06.json", &out_dir, &[]);
    let code = compiled(&out, &out_dir);
    assert!(code.contains("pub fn get_device(&self)"));
}

#[test]
#[ignore = "compiles a generated crate: run by .ci/run's corpus step"]
fn petstore_compiles_with_its_optional_header() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("petstore");
    let code = compiled(&generate("petstore.yaml", &out_dir, &[]), &out_dir);
    // deletePet's optional `api_key` header is appended inside `if let`: the map stays `mut`.
    let delete = &code[code.find("impl<'a> DeletePet<'a>").unwrap()..];
    let delete = &delete[..delete.find("OperationInfo").unwrap()];
    assert!(delete.contains("let mut header_map"), "{delete}");
    assert!(delete.contains("header_map.append(\"api_key\""), "{delete}");
}

#[test]
#[ignore = "compiles a generated crate: run by .ci/run's corpus step"]
fn oxide_compiles_on_the_edition_and_dependencies_its_code_needs() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("oxide");
    let code = compiled(&generate("oxide.json", &out_dir, &[]), &out_dir);
    assert!(code.contains("gen: &mut ::schemars::gen::SchemaGenerator"));
    let toml = cargo_toml(&out_dir);
    assert!(toml.contains("edition = \"2021\""), "{toml}");
    for dependency in [
        "base64 = ",
        "rand = ",
        "futures = ",
        "uuid = ",
        "regress = ",
    ] {
        assert!(toml.contains(dependency), "{dependency} missing:\n{toml}");
    }
}

#[test]
#[ignore = "compiles a generated crate: run by .ci/run's corpus step"]
fn box_2025_compiles_with_its_colliding_type_names_renamed() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("box");
    let out = generate("box-openapi-v2025.0.json", &out_dir, &[]);
    let err = stderr(&out);
    let code = compiled(&out, &out_dir);
    assert!(
        err.contains(
            "normalise: #/components/schemas/EnterpriseConfiguration/properties/security: its \
             type would be named `EnterpriseConfigurationSecurity` like the component \
             `#/components/schemas/EnterpriseConfigurationSecurity`: titled \
             `EnterpriseConfigurationSecurityInline`"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "normalise: #/components/schemas/ShieldList/properties/content: `allOf` of \
             `#/components/schemas/ShieldListContent`"
        ),
        "{err}"
    );
    assert_eq!(code.matches("pub enum ShieldListContent {").count(), 1);
    assert!(code.contains("pub enum EnterpriseConfigurationSecurityInline"));
}

#[test]
#[ignore = "compiles a generated crate: run by .ci/run's corpus step"]
fn box_excerpt_is_refused_naming_each_operation_progenitor_cannot_take() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("box_excerpt");
    let out = generate("box-openapi-excerpt.json", &out_dir, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "operation `post_files_content` (POST /files/content): progenitor refused the \
             spec: unexpected or unhandled format in the OpenAPI document unexpected content \
             type: multipart/form-data"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "operation `put_files_id_metadata_id_id` (PUT \
             /files/{file_id}/metadata/{scope}/{template_key}): progenitor refused the spec: \
             unexpected or unhandled format in the OpenAPI document unexpected content type: \
             application/json-patch+json"
        ),
        "{err}"
    );
    assert!(err.contains("`--skip-unsupported`"), "{err}");
    assert!(
        !out_dir.exists(),
        "nothing is written when generation fails"
    );
}

#[test]
#[ignore = "compiles a generated crate: run by .ci/run's corpus step"]
fn box_excerpt_compiles_without_what_progenitor_cannot_take() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("box_excerpt");
    let out = generate(
        "box-openapi-excerpt.json",
        &out_dir,
        &["--skip-unsupported"],
    );
    let err = stderr(&out);
    let code = compiled(&out, &out_dir);
    let skipped: Vec<&str> = err.lines().filter(|l| l.starts_with("skipped: ")).collect();
    assert_eq!(skipped.len(), 2, "{err}");
    assert!(skipped[0].contains("`post_files_content` (POST /files/content)"));
    assert!(!code.contains("pub fn post_files_content("));
    assert!(code.contains("pub fn get_files_id_metadata_id_id("));
    // ASC, DESC, asc, desc: distinct variants, each (de)serialised as the spec writes it.
    assert!(
        err.contains("`asc` -> `AscLower`, `desc` -> `DescLower`"),
        "{err}"
    );
    assert!(code.contains("#[serde(rename = \"asc\")]\n        AscLower,"));
    assert!(!code.contains('\u{E000}'));
}
