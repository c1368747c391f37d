//! What is published is what is tested: packages the crate as `cargo publish` would, unpacks
//! the `.crate` file, and builds and runs a scratch project that depends on the unpacked copy
//! by path, against a loopback server. A file the package leaves out (a module, the README the
//! docs include, the spec a macro reads) fails here, not on a user's machine.
//!
//! It builds the client's dependency tree once more (about a minute cold), so it is ignored by
//! `cargo test` and run by `.ci/run`: `cargo test -p flatpeak --test package -- --ignored`.

#![allow(clippy::expect_used)] // tests: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The scratch project's program: the calls a user makes first, against a server that answers
/// from a list of canned responses, one per connection.
const MAIN_RS: &str = r##"
use std::io::{Read, Write};
use std::net::TcpListener;

const DEVICE: &str = include_str!("device.json");
const UNAUTHORIZED: &str = r#"{"object":"error","type":"authentication_error","code":"invalid_token","message":"The token is not valid."}"#;

fn serve(answers: Vec<(u16, &'static str)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (status, body) in answers {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(body.as_bytes()).unwrap();
        }
    });
    url
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = serve(vec![(200, DEVICE), (401, UNAUTHORIZED)]);
    // The default feature's release.
    let client = flatpeak::anode::Client::builder()
        .bearer_token("tok_scratch")
        .base_url(url)
        .retry(flatpeak::RetryPolicy::disabled())
        .build()
        .unwrap();
    let device = client.retrieve_device().id("dev_63a6087272941ef077a8fd3e").send().await.unwrap();
    println!("device {} created {}", device.id.as_str(), device.time_created.format("%Y-%m-%d"));
    let error = flatpeak::Error::from(client.retrieve_device().id("dev_1").send().await.unwrap_err());
    println!("then {:?} {:?}", error.status().map(|s| s.as_u16()), error.api().and_then(|a| a.code()));
    let refused = flatpeak::Error::from(client.retrieve_device().id("not an id").send().await.unwrap_err());
    println!("refused: {}", matches!(refused, flatpeak::Error::InvalidRequest(_)));
}
"##;

#[test]
#[ignore = "packages the crate and builds it from scratch (about a minute); .ci/run runs it"]
fn the_packaged_crate_builds_and_runs_from_a_scratch_project() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir.join("../..");
    // Kept below the workspace's target directory so that a second run reuses the build.
    let target = workspace.join("target/package-probe");
    package(&workspace, &target);

    let scratch = tempfile::tempdir().expect("a temporary directory");
    let unpacked = unpack(
        &target,
        "flatpeak",
        env!("CARGO_PKG_VERSION"),
        scratch.path(),
    );
    let redact_version = version_of(&crate_dir.join("../flatpeak-redact/Cargo.toml"));
    let redact = unpack(&target, "flatpeak-redact", &redact_version, scratch.path());
    let project = scratch.path().join("user");
    write_project(&project, &unpacked, &redact, crate_dir);

    let run = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--manifest-path"])
        .arg(project.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    let stdout = succeeded("cargo run (the scratch project)", &run);
    assert_eq!(
        stdout,
        "device dev_63a6087272941ef077a8fd3e created 2022-01-24\n\
         then Some(401) Some(\"invalid_token\")\n\
         refused: true\n"
    );
}

/// The `version` of the package whose manifest is at `manifest`.
fn version_of(manifest: &Path) -> String {
    read(manifest)
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("{}: no version line", manifest.display()))
}

/// Runs `cargo package` for the crate and `flatpeak-redact`, which it depends on (no
/// verification: the scratch build is the verification); the `.crate` files are in
/// `target/package`.
fn package(workspace: &Path, target: &Path) {
    let out = Command::new(env!("CARGO"))
        .args(["package", "-p", "flatpeak-redact", "-p", "flatpeak"])
        .args(["--no-verify", "--allow-dirty"])
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target)
        .output()
        .expect("cargo runs");
    succeeded("cargo package", &out);
}

/// Unpacks the `.crate` of `name` at `version` (a gzipped tar of one directory) from
/// `target/package` into `into`; returns that directory.
fn unpack(target: &Path, name: &str, version: &str, into: &Path) -> PathBuf {
    let packaged = target.join(format!("package/{name}-{version}.crate"));
    let out = Command::new("tar")
        .arg("-xzf")
        .arg(&packaged)
        .arg("-C")
        .arg(into)
        .output()
        .expect("tar runs");
    succeeded("tar", &out);
    let unpacked = into.join(format!("{name}-{version}"));
    let mut files = vec!["Cargo.toml", "src/lib.rs", "README.md", "LICENSE"];
    if name == "flatpeak" {
        files.push("CHANGELOG.md");
    }
    for file in files {
        assert!(
            unpacked.join(file).is_file(),
            "{name}'s package lacks {file}"
        );
    }
    assert!(
        !unpacked.join("tests").exists() && !unpacked.join("benches").exists(),
        "the package holds tests or benches"
    );
    unpacked
}

/// A binary crate depending on the unpacked package by path, pinned to the workspace's lock
/// file where the versions agree (so that the build reuses what `cargo test` resolved). The
/// package names `flatpeak-redact` by version, as crates.io will serve it; until it is
/// published, the project patches it to the unpacked package.
fn write_project(project: &Path, unpacked: &Path, redact: &Path, crate_dir: &Path) {
    std::fs::create_dir_all(project.join("src")).expect("a directory");
    let manifest = format!(
        "[package]\nname = \"user\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nflatpeak = {{ path = {:?} }}\n\
         tokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n\n\
         [patch.crates-io]\nflatpeak-redact = {{ path = {:?} }}\n\n[workspace]\n",
        unpacked.display().to_string(),
        redact.display().to_string()
    );
    let files = [
        ("Cargo.toml", manifest),
        ("src/main.rs", MAIN_RS.to_owned()),
        (
            "src/device.json",
            read(&crate_dir.join("tests/fixtures/device.json")),
        ),
        ("Cargo.lock", read(&crate_dir.join("../../Cargo.lock"))),
    ];
    for (name, text) in files {
        std::fs::write(project.join(name), text).expect("a file written");
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The command's standard output, or a failure that shows its standard error.
fn succeeded(what: &str, out: &Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
