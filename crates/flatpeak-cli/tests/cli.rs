//! The `flatpeak` command against a wiremock server playing the API: a read, a create with a
//! body, an API error, a value the client refuses, missing credentials, the login's own
//! credentials, integer flags' ranges, `--release` given twice, `--version`, `RUST_LOG`,
//! `--record` (and a recording that fails after its check), `--all` following a list's pages
//! (and naming the page that failed), `--timeout`, `--max-body-bytes`, clap's refusals
//! escaped, and the help's plain text.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEVICE: &str = include_str!("../../flatpeak/tests/fixtures/device.json");
const YOTTA_DEVICE: &str = include_str!("../../flatpeak/tests/fixtures/yotta_device.json");
const TOKEN: &str = "tok_cli_Secret_5e4d3c";

fn flatpeak(server: &MockServer, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flatpeak"))
        .args(args)
        .args(["--base-url", &server.uri()])
        .env("FLATPEAK_TOKEN", TOKEN)
        .env_remove("FLATPEAK_ACCOUNT_ID")
        .env_remove("FLATPEAK_API_KEY")
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that the command refused to run (exit 2) saying `says` on stderr; its stderr.
fn refused(out: &Output, says: &str) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(says), "expected {says:?} in: {stderr}");
    stderr
}

fn json_response(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// A server that must receive no request: the command refuses before sending.
async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json_response(200, DEVICE))
        .expect(0)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_read_prints_the_answer_as_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/devices/dev_63a6087272941ef077a8fd3e"))
        .respond_with(json_response(200, DEVICE))
        .expect(1)
        .mount(&server)
        .await;
    let out = flatpeak(
        &server,
        &["retrieve-device", "--id", "dev_63a6087272941ef077a8fd3e"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["id"], "dev_63a6087272941ef077a8fd3e");
    assert_eq!(printed["account_id"], "acc_661677911f2197045e6cf1b1");
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        format!("Bearer {TOKEN}")
    );
}

#[tokio::test]
async fn a_create_sends_the_json_body_file_and_scalar_flags_as_the_body() {
    let server = MockServer::start().await;
    let location = json!({"id": "loc_641b90b758fb8e6293716e40", "object": "location",
        "live_mode": true, "time_created": "2026-03-02T10:30:00Z",
        "account_id": "acc_661677911f2197045e6cf1b1"});
    let sent = json!({"customer_id": "cus_65e421d1daa4a24082b4f590",
        "postal_address": {"city": "Bristol", "country_code": "GB"}});
    Mock::given(method("POST"))
        .and(path("/locations"))
        .and(body_json(&sent))
        .respond_with(json_response(201, &location.to_string()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/customers"))
        .and(body_json(json!({"reference_id": "CUS-7"})))
        .respond_with(json_response(
            201,
            &json!({"id": "cus_65e421d1daa4a24082b4f590",
            "object": "customer", "live_mode": true, "time_created": "2026-03-02T10:30:00Z",
            "account_id": "acc_661677911f2197045e6cf1b1"})
            .to_string(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("location.json");
    std::fs::write(&body, sent.to_string()).unwrap();
    let out = flatpeak(
        &server,
        &["create-location", "--json-body", body.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["id"], "loc_641b90b758fb8e6293716e40");

    let out = flatpeak(&server, &["create-customer", "--reference-id", "CUS-7"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[tokio::test]
async fn a_flag_changes_one_field_of_the_body_file_and_a_field_the_body_lacks_is_refused() {
    let server = MockServer::start().await;
    let location = json!({"id": "loc_641b90b758fb8e6293716e40", "object": "location",
        "live_mode": true, "time_created": "2026-03-02T10:30:00Z",
        "account_id": "acc_661677911f2197045e6cf1b1"});
    // The file's address and reference, with the flag's reference in place of the file's.
    Mock::given(method("POST"))
        .and(path("/locations"))
        .and(body_json(json!({"reference_id": "FLAG-1",
            "postal_address": {"city": "Bristol", "country_code": "GB"}})))
        .respond_with(json_response(201, &location.to_string()))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("location.json");
    std::fs::write(
        &body,
        json!({"reference_id": "FILE-1", "postal_address": {"city": "Bristol",
            "country_code": "GB"}, "customer_id": null})
        .to_string(),
    )
    .unwrap();
    let file = body.to_str().unwrap();
    let out = flatpeak(
        &server,
        &[
            "create-location",
            "--json-body",
            file,
            "--reference-id",
            "FLAG-1",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A misspelt field would be dropped by serde and the request sent without it: refused,
    // by its pointer, and nothing sent (the mock above expects one request only).
    std::fs::write(
        &body,
        json!({"reference_idd": "X", "postal_address": {"cty": "Bristol"}}).to_string(),
    )
    .unwrap();
    let out = flatpeak(&server, &["create-location", "--json-body", file]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("failed to parse {file}"))
            && stderr.contains("`/reference_idd`")
            && stderr.contains("`/postal_address/cty`"),
        "{stderr}"
    );

    // A file that cannot be read or parsed is named, with the reason.
    let missing = dir.path().join("missing.json");
    let out = flatpeak(
        &server,
        &["create-location", "--json-body", missing.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("failed to read {}", missing.display()))
            && stderr.contains("No such file"),
        "{stderr}"
    );
    std::fs::write(&body, r#"{"reference_id": 5}"#).unwrap();
    let out = flatpeak(&server, &["create-location", "--json-body", file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid type: integer `5`, expected a string"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn an_empty_flatpeak_version_is_refused_rather_than_sent() {
    let server = silent_server().await;
    let out = flatpeak(
        &server,
        &[
            "retrieve-device",
            "--id",
            "dev_1",
            "--flatpeak-version",
            " ",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--flatpeak-version is empty"),
        "{}",
        text(&out.stderr)
    );
}

#[cfg(unix)]
#[tokio::test]
async fn an_argument_that_is_not_utf8_is_refused_without_a_panic() {
    use std::os::unix::ffi::OsStrExt as _;
    let server = MockServer::start().await;
    let out = Command::new(env!("CARGO_BIN_EXE_flatpeak"))
        .arg("create-customer")
        .arg("--reference-id")
        .arg(std::ffi::OsStr::from_bytes(b"ref\xff"))
        .args(["--base-url", &server.uri()])
        .env("FLATPEAK_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("invalid UTF-8"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn an_api_error_exits_1_with_its_message() {
    let server = MockServer::start().await;
    let envelope = json!({"object": "error", "live_mode": true, "context": "api.device_retrieve",
        "type": "invalid_request", "code": "not_found", "message": "No such device",
        "time_created": "2026-03-02T10:15:00Z"});
    Mock::given(method("GET"))
        .respond_with(json_response(404, &envelope.to_string()))
        .mount(&server)
        .await;
    let out = flatpeak(&server, &["retrieve-device", "--id", "dev_1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: HTTP 404 Not Found: No such device"),
        "{stderr}"
    );
    assert!(stderr.contains("code not_found"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn a_value_the_client_refuses_or_no_credentials_exit_2_and_send_nothing() {
    let server = silent_server().await;
    let out = flatpeak(&server, &["retrieve-device", "--id", "../login"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("'--id <id>'"),
        "{}",
        text(&out.stderr)
    );

    let out = Command::new(env!("CARGO_BIN_EXE_flatpeak"))
        .args([
            "retrieve-device",
            "--id",
            "dev_1",
            "--base-url",
            &server.uri(),
        ])
        .env_remove("FLATPEAK_TOKEN")
        .env_remove("FLATPEAK_ACCOUNT_ID")
        .env_remove("FLATPEAK_API_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no credentials"),
        "{}",
        text(&out.stderr)
    );
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn record_writes_a_scrubbed_cassette_of_the_exchange() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/devices/dev_63a6087272941ef077a8fd3e"))
        .respond_with(json_response(200, YOTTA_DEVICE))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let out = flatpeak(
        &server,
        &[
            "--release",
            "yotta",
            "retrieve-device",
            "--device-id",
            "dev_63a6087272941ef077a8fd3e",
            "--record",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cassettes = files(dir.path());
    assert_eq!(cassettes.len(), 1);
    let cassette: Value = serde_json::from_str(&cassettes[0]).unwrap();
    let interaction = &cassette["http_interactions"][0];
    assert_eq!(
        interaction["request"]["headers"]["authorization"][0],
        "Bearer <redacted>"
    );
    assert_eq!(interaction["response"]["status"]["code"], 200);
    for secret in [TOKEN, "ACC1234567890", "50.12345"] {
        assert!(!cassettes[0].contains(secret), "{secret} recorded");
    }
}

/// `--release` chooses the commands and the `Flatpeak-Version` sent: Zero's by default, none
/// for Yotta (whose version string is not published), whose device path names `device_id`.
#[tokio::test]
async fn each_release_has_its_commands_and_sends_its_version() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/devices/dev_63a6087272941ef077a8fd3e"))
        .respond_with(json_response(200, YOTTA_DEVICE))
        .mount(&server)
        .await;
    let anode = flatpeak(
        &server,
        &["retrieve-device", "--id", "dev_63a6087272941ef077a8fd3e"],
    );
    // The default release, Anode, reads a Yotta device as no Anode device: no usable answer.
    assert_eq!(anode.status.code(), Some(3), "{}", text(&anode.stderr));
    let yotta = flatpeak(
        &server,
        &[
            "--release=yotta",
            "retrieve-device",
            "--device-id",
            "dev_63a6087272941ef077a8fd3e",
        ],
    );
    assert_eq!(yotta.status.code(), Some(0), "{}", text(&yotta.stderr));
    let printed: Value = serde_json::from_slice(&yotta.stdout).unwrap();
    assert_eq!(printed["timezone"], "Europe/London");
    let sent: Vec<Option<String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("flatpeak-version")
                .map(|v| v.to_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(sent, [Some("2025-09-14.anode".to_string()), None]);

    // A command of another release is not offered; nor is a release that does not exist.
    let out = flatpeak(&server, &["--release", "yotta", "list-customers"]);
    assert_eq!(out.status.code(), Some(2));
    let out = flatpeak(&server, &["--release", "nonesuch", "list-customers"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("zero, anode, busbar, yotta"),
        "{}",
        text(&out.stderr)
    );
}

/// The `flatpeak` command with `args` against `server` and exactly the credential variables
/// `vars` (the others removed).
fn flatpeak_with(server: &MockServer, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flatpeak"));
    command.args(args).args(["--base-url", &server.uri()]);
    for name in [
        "FLATPEAK_TOKEN",
        "FLATPEAK_ACCOUNT_ID",
        "FLATPEAK_API_KEY",
        "RUST_LOG",
    ] {
        command.env_remove(name);
    }
    command.envs(vars.iter().copied()).output().unwrap()
}

/// The login is secured with HTTP Basic: with only a token, the client would send it with no
/// credentials at all and show the server's `401`. It is refused first, naming the variables.
#[tokio::test]
async fn login_with_only_a_token_is_refused_before_sending_naming_the_account_variables() {
    let server = silent_server().await;
    for release in ["anode", "zero"] {
        let out = flatpeak_with(
            &server,
            &["--release", release, "login"],
            &[("FLATPEAK_TOKEN", TOKEN)],
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY")
                && stderr.contains("`login`"),
            "{stderr}"
        );
        assert!(!stderr.contains(TOKEN), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

/// With a token and the account credentials, the login is sent the account credentials
/// (HTTP Basic); the other commands keep the token.
#[tokio::test]
async fn login_is_sent_the_account_credentials_even_when_a_token_is_set() {
    const KEY: &str = "key_cli_Secret_9a8b7c";
    let server = MockServer::start().await;
    // `acc_1:key_cli_Secret_9a8b7c` in base64.
    let basic = "Basic YWNjXzE6a2V5X2NsaV9TZWNyZXRfOWE4Yjdj";
    Mock::given(method("GET"))
        .and(path("/login"))
        .and(header("authorization", basic))
        .respond_with(json_response(
            200,
            &json!({"bearer_token": "tok_new", "expires_in": 3600, "live_mode": false}).to_string(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let vars = [
        ("FLATPEAK_TOKEN", TOKEN),
        ("FLATPEAK_ACCOUNT_ID", "acc_1"),
        ("FLATPEAK_API_KEY", KEY),
    ];
    let out = flatpeak_with(&server, &["login"], &vars);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["bearer_token"], "tok_new");
}

/// The client's credential errors speak to a program (``call `bearer_token` on the
/// builder``); the command's name the environment variables, and never a credential.
#[tokio::test]
async fn credential_errors_name_the_environment_variables_not_the_builder() {
    let server = silent_server().await;
    let refused = |out: &Output| {
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            !stderr.contains("builder") && !stderr.contains("bearer_token"),
            "{stderr}"
        );
        stderr
    };
    let device = ["retrieve-device", "--id", "dev_63a6087272941ef077a8fd3e"];
    let stderr = refused(&flatpeak_with(&server, &device, &[]));
    assert!(
        stderr.contains("no credentials: set FLATPEAK_TOKEN")
            && stderr.contains("FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY"),
        "{stderr}"
    );
    // Busbar documents no login: the account credentials cannot be used.
    let account = [
        ("FLATPEAK_ACCOUNT_ID", "acc_1"),
        ("FLATPEAK_API_KEY", "key_9"),
    ];
    let busbar = [&["--release", "busbar"][..], &device[..]].concat();
    let stderr = refused(&flatpeak_with(&server, &busbar, &account));
    assert!(
        stderr.contains("release `busbar`") && stderr.contains("set FLATPEAK_TOKEN"),
        "{stderr}"
    );
    // A token that cannot go in a header is named by its variable, not repeated: refused as
    // the environment is read.
    let bad = "tok_Secret\u{7}bell";
    let stderr = refused(&flatpeak_with(&server, &device, &[("FLATPEAK_TOKEN", bad)]));
    assert!(
        stderr.contains("environment variable FLATPEAK_TOKEN: holds whitespace or a control")
            && !stderr.contains("tok_Secret"),
        "{stderr}"
    );
    // A base URL with credentials in it says where credentials go instead.
    let out = Command::new(env!("CARGO_BIN_EXE_flatpeak"))
        .args(device)
        .args(["--base-url", "http://user:pw_Secret@127.0.0.1:9"])
        .env("FLATPEAK_TOKEN", TOKEN)
        .output()
        .unwrap();
    let stderr = refused(&out);
    assert!(
        stderr.contains("set FLATPEAK_TOKEN") && !stderr.contains("pw_Secret"),
        "{stderr}"
    );
}

/// `--version` names the client's version, the one its user agent sends, beside the
/// command's own, and the releases.
#[tokio::test]
async fn version_shows_the_client_version_the_user_agent_sends_and_the_releases() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json_response(200, DEVICE))
        .mount(&server)
        .await;
    let out = flatpeak(
        &server,
        &["retrieve-device", "--id", "dev_63a6087272941ef077a8fd3e"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let requests = server.received_requests().await.unwrap();
    let agent = requests[0]
        .headers
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap();
    let client = agent.strip_prefix("flatpeak-rust/").unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_flatpeak"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!(
            "flatpeak {} (flatpeak client {client}, releases zero anode busbar yotta, \
             default anode)\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}

/// An integer flag out of the spec's bounds is refused with the range, where clap said
/// "number would be zero for non-zero type" (and the client, for 101, named no flag).
#[tokio::test]
async fn an_integer_flag_out_of_its_range_is_refused_with_the_range() {
    let server = silent_server().await;
    for limit in ["0", "101", "-1", "ten"] {
        let out = flatpeak(&server, &["list-locations", &format!("--limit={limit}")]);
        let says = format!(
            "invalid value '{limit}' for '--limit <limit>': expected a whole number from 1 to 100"
        );
        refused(&out, &says);
    }
    // A body field with a minimum only (Busbar's schedule by duration).
    let out = flatpeak(
        &server,
        &[
            "--release",
            "busbar",
            "create-schedule-by-duration",
            "--duration",
            "0",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("expected a whole number, 1 or more"),
        "{stderr}"
    );
}

/// The first `--release` would choose the commands and clap would keep the last (a global
/// flag may follow the command): a second one is refused, and nothing is sent.
#[tokio::test]
async fn a_second_release_is_refused() {
    let server = silent_server().await;
    let twice: [&[&str]; 3] = [
        &["--release", "zero", "list-locations", "--release", "yotta"],
        &[
            "--release=anode",
            "retrieve-device",
            "--id",
            "dev_1",
            "--release=anode",
        ],
        &["--release", "yotta", "--release", "zero", "list-locations"],
    ];
    for args in twice {
        refused(
            &flatpeak(&server, args),
            "--release is given more than once",
        );
    }
}

/// `RUST_LOG=flatpeak=debug` shows each attempt's operation and status on stderr, and never
/// the token; stdout stays the answer alone. A value that is not a list of directives is
/// refused, naming it, before anything is sent.
#[tokio::test]
async fn rust_log_shows_the_clients_spans_on_stderr_without_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/devices/dev_63a6087272941ef077a8fd3e"))
        .respond_with(json_response(200, DEVICE))
        .expect(1)
        .mount(&server)
        .await;
    let args = ["retrieve-device", "--id", "dev_63a6087272941ef077a8fd3e"];
    let run = |rust_log: &str| {
        Command::new(env!("CARGO_BIN_EXE_flatpeak"))
            .args(args)
            .args(["--base-url", &server.uri()])
            .env("FLATPEAK_TOKEN", TOKEN)
            .env("RUST_LOG", rust_log)
            .output()
            .unwrap()
    };
    let out = run("flatpeak=debug");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("flatpeak.request"), "{stderr}");
    assert!(stderr.contains("operation=\"retrieve_device\""), "{stderr}");
    assert!(stderr.contains("status=200"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["id"], "dev_63a6087272941ef077a8fd3e");

    refused(&run("flatpeak=loudly"), "RUST_LOG `flatpeak=loudly`");
}

/// A location with this id, as `GET /locations` lists it.
fn location(id: &str) -> Value {
    json!({"id": id, "object": "location", "live_mode": false, "customer_id": "cus_1",
        "reference_id": format!("REF-{id}"), "time_created": "2024-01-01T00:00:00Z",
        "account_id": "acc_661677911f2197045e6cf1b1"})
}

/// Serves, once, the page of locations `ids` for the request whose cursor is `cursor` (none:
/// neither `starting_after` nor `ending_before`), as the API pages: `data`, and `has_more`.
async fn serve_locations(
    server: &MockServer,
    cursor: Option<(&str, &str)>,
    ids: &[&str],
    has_more: bool,
) {
    let data: Vec<Value> = ids.iter().map(|id| location(id)).collect();
    let page = json!({"object": "list", "url": "/locations", "has_more": has_more, "data": data});
    let mock = Mock::given(method("GET")).and(path("/locations"));
    let mock = match cursor {
        Some((name, value)) => mock.and(query_param(name, value)),
        None => mock
            .and(query_param_is_missing("starting_after"))
            .and(query_param_is_missing("ending_before")),
    };
    mock.respond_with(json_response(200, &page.to_string()))
        .expect(1)
        .mount(server)
        .await;
}

/// The query of each request the server received, in order, as `name=value` pairs.
async fn queries(server: &MockServer) -> Vec<Vec<(String, String)>> {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .map(|r| r.url.query_pairs().into_owned().collect())
        .collect()
}

/// Query pairs as [`queries`] gives them.
fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// The ids of a printed array of items.
fn printed_ids(stdout: &[u8]) -> Vec<String> {
    let printed: Value = serde_json::from_slice(stdout).unwrap();
    let items = printed.as_array().expect("one JSON array");
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// `--all` follows three pages: each request keeps the filters and `--limit` and moves
/// `starting_after` to the last item of the page before; every item is printed, once, as one
/// array. Without `--all` the command asks for one page and prints it as the API answered.
#[tokio::test]
async fn all_follows_every_page_keeping_filters_and_limit_and_prints_one_array() {
    let server = MockServer::start().await;
    serve_locations(&server, None, &["loc_a1", "loc_a2"], true).await;
    serve_locations(
        &server,
        Some(("starting_after", "loc_a2")),
        &["loc_b1", "loc_b2"],
        true,
    )
    .await;
    serve_locations(
        &server,
        Some(("starting_after", "loc_b2")),
        &["loc_c1"],
        false,
    )
    .await;
    let args = [
        "list-locations",
        "--customer-id",
        "cus_1",
        "--limit",
        "2",
        "--all",
    ];
    let out = flatpeak(&server, &args);

    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ids = printed_ids(&out.stdout);
    assert_eq!(ids, ["loc_a1", "loc_a2", "loc_b1", "loc_b2", "loc_c1"]);
    let filters = [("customer_id", "cus_1"), ("limit", "2")];
    let after = |id| [&filters[..], &[("starting_after", id)]].concat();
    assert_eq!(
        queries(&server).await,
        [
            pairs(&filters),
            pairs(&after("loc_a2")),
            pairs(&after("loc_b2"))
        ]
    );

    let one_page = MockServer::start().await;
    serve_locations(&one_page, None, &["loc_a1", "loc_a2"], true).await;
    let out = flatpeak(&one_page, &["list-locations", "--limit", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["has_more"], true, "{printed}");
    assert_eq!(printed["data"].as_array().unwrap().len(), 2, "{printed}");
}

/// `--all --starting-after ID` starts after that item, as the client's `paginate()` does, and
/// pages on from there; an empty list prints `[]`.
#[tokio::test]
async fn all_starts_from_the_cursor_given() {
    let server = MockServer::start().await;
    serve_locations(
        &server,
        Some(("starting_after", "loc_a2")),
        &["loc_b1"],
        true,
    )
    .await;
    serve_locations(
        &server,
        Some(("starting_after", "loc_b1")),
        &["loc_c1"],
        false,
    )
    .await;
    let args = ["list-locations", "--starting-after", "loc_a2", "--all"];
    let out = flatpeak(&server, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(printed_ids(&out.stdout), ["loc_b1", "loc_c1"]);

    let empty = MockServer::start().await;
    serve_locations(&empty, None, &[], false).await;
    let out = flatpeak(&empty, &["list-locations", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(printed_ids(&out.stdout).is_empty());
}

/// `--all --ending-before X` pages backward from `X`: each request's `ending_before` is the
/// first item of the page before, and the items print in the list's order (newest first, as
/// the API lists them), the page fetched last first, not in the order the pages came.
#[tokio::test]
async fn all_backward_prints_the_items_in_the_lists_order() {
    let server = MockServer::start().await;
    // The list, newest first: a1 b1 b2 c1 c2 loc_x ...
    let before = |id| Some(("ending_before", id));
    serve_locations(&server, before("loc_x"), &["loc_c1", "loc_c2"], true).await;
    serve_locations(&server, before("loc_c1"), &["loc_b1", "loc_b2"], true).await;
    serve_locations(&server, before("loc_b1"), &["loc_a1"], false).await;
    let args = [
        "list-locations",
        "--limit",
        "2",
        "--ending-before",
        "loc_x",
        "--all",
    ];
    let out = flatpeak(&server, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        printed_ids(&out.stdout),
        ["loc_a1", "loc_b1", "loc_b2", "loc_c1", "loc_c2"]
    );
    let cursors: Vec<String> = queries(&server)
        .await
        .iter()
        .flat_map(|q| {
            q.iter()
                .filter(|(n, _)| n == "ending_before")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(cursors, ["loc_x", "loc_c1", "loc_b1"]);
}

/// Answers the list request whose cursor is `cursor`, once, with a 400 carrying `envelope`.
async fn fail_once(server: &MockServer, cursor: (&str, &str), envelope: &Value) {
    Mock::given(method("GET"))
        .and(path("/locations"))
        .and(query_param(cursor.0, cursor.1))
        .respond_with(json_response(400, &envelope.to_string()))
        .expect(1)
        .mount(server)
        .await;
}

/// A later page's API error ends `--all` with exit code 1 and the error, as any API error,
/// naming the page and its cursor: the items of the pages before it are not printed. A first
/// page asked for with `--ending-before` is named by that cursor.
#[tokio::test]
async fn all_prints_nothing_but_the_error_when_a_later_page_fails() {
    let server = MockServer::start().await;
    serve_locations(&server, None, &["loc_a1", "loc_a2"], true).await;
    let envelope = json!({"object": "error", "live_mode": true, "context": "api.location_list",
        "type": "invalid_request", "code": "invalid_cursor", "message": "No such cursor",
        "time_created": "2026-03-02T10:15:00Z"});
    fail_once(&server, ("starting_after", "loc_a2"), &envelope).await;
    let out = flatpeak(&server, &["list-locations", "--limit", "2", "--all"]);

    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: HTTP 400"), "{stderr}");
    assert!(stderr.contains("No such cursor"), "{stderr}");
    assert!(
        stderr.contains("(--all: page 2, asked for with starting_after=loc_a2)"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));

    let first = MockServer::start().await;
    fail_once(&first, ("ending_before", "loc_z9"), &envelope).await;
    let out = flatpeak(
        &first,
        &["list-locations", "--ending-before", "loc_z9", "--all"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("(--all: page 1, asked for with ending_before=loc_z9)"),
        "{stderr}"
    );
}

/// A page whose last id the client cannot send back as the next cursor (off the id pattern)
/// ends `--all` as an answer that cannot be used (exit 3), not as the user's mistake (2): the
/// cursor came from the server, and the error says so, escaped. Nothing more is sent.
#[tokio::test]
async fn all_ends_with_exit_3_when_the_server_answers_an_id_it_cannot_page_from() {
    let server = MockServer::start().await;
    serve_locations(&server, None, &["loc_a1", "loc_a-\u{1b}[2J"], true).await;
    let out = flatpeak(&server, &["list-locations", "--all"]);

    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(
        stderr.contains("(--all: page 2, asked for with starting_after=loc_a-\\u{1b}[2J) (the cursor is an id the page before answered)"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A command whose operation the client cannot paginate has no `--all`: it is refused as
/// any unknown flag (exit 2), and nothing is sent.
#[tokio::test]
async fn all_is_refused_on_a_command_that_is_not_a_list() {
    let server = silent_server().await;
    let out = flatpeak(&server, &["retrieve-device", "--id", "dev_1", "--all"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--all"), "{}", text(&out.stderr));
}

/// Standard output that stops taking the answer: a reader that closed the pipe (`| head`) is
/// not an error, a full disk is (exit 2, saying so); neither is a panic.
#[cfg(unix)]
#[tokio::test]
async fn an_output_that_cannot_be_written_is_never_a_panic() {
    use std::process::Stdio;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/devices/dev_63a6087272941ef077a8fd3e"))
        .respond_with(json_response(200, DEVICE))
        .mount(&server)
        .await;
    let command = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_flatpeak"));
        command
            .args(["retrieve-device", "--id", "dev_63a6087272941ef077a8fd3e"])
            .args(["--base-url", &server.uri()])
            .env("FLATPEAK_TOKEN", TOKEN)
            .env_remove("RUST_LOG")
            .stderr(Stdio::piped());
        command
    };

    // The read end is closed before the answer can arrive (it takes a round trip).
    let mut child = command().stdout(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = command().stdout(full).output().unwrap();
    let stderr = refused(
        &out,
        "could not write to standard output (the command had run)",
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `--release` without a value is clap's to refuse, in its words, not "no release ``".
#[tokio::test]
async fn a_release_flag_without_a_value_is_refused_as_such() {
    let server = silent_server().await;
    for args in [
        &["--release"][..],
        &["list-locations", "--release"],
        &["--release="],
    ] {
        let stderr = refused(&flatpeak(&server, args), "--release");
        assert!(!stderr.contains("no release ``"), "{args:?}: {stderr}");
    }
}

/// `NaN` and `inf` parse as numbers and JSON would send them as `null`: a decimal flag takes
/// finite numbers only, and nothing is sent.
#[tokio::test]
async fn a_decimal_flag_refuses_what_is_not_a_finite_number() {
    let server = silent_server().await;
    for value in ["NaN", "inf", "-infinity"] {
        let confidence = format!("--confidence={value}");
        let args = [
            "calculate-instant-cost",
            "--location-id",
            "loc_641b90b758fb8e6293716e40",
            &confidence,
            "--value",
            "1.5",
        ];
        refused(&flatpeak(&server, &args), "expected a finite number");
    }
}

/// A list is paged one way: `--starting-after` and `--ending-before` together are refused,
/// and nothing is sent.
#[tokio::test]
async fn both_cursors_are_refused() {
    let server = silent_server().await;
    let args = [
        "list-locations",
        "--starting-after",
        "loc_641b90b758fb8e6293716e40",
        "--ending-before",
        "loc_641b90b758fb8e6293716e41",
    ];
    refused(&flatpeak(&server, &args), "cannot be used with");
}

/// A `--record` directory that cannot take cassettes is refused before anything is sent:
/// the user asked for a recording.
#[tokio::test]
async fn a_record_directory_that_cannot_be_written_is_refused_before_sending() {
    let server = silent_server().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let under_file = file.join("recordings");
    for at in [&file, &under_file] {
        let args = [
            "retrieve-device",
            "--id",
            "dev_63a6087272941ef077a8fd3e",
            "--record",
            at.to_str().unwrap(),
        ];
        let says = format!("--record {}: cannot write cassettes there", at.display());
        refused(&flatpeak(&server, &args), &says);
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");
}

/// Runs `flatpeak` with `args` against `server` (as [`flatpeak`] does) and, once the server
/// has received a request (its answer is delayed), replaces the `--record` directory `dir`
/// with a file, so that the recording fails after the up-front check passed; its output.
async fn flatpeak_losing_its_record_dir(server: &MockServer, args: &[&str], dir: &Path) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_flatpeak"))
        .args(args)
        .args([
            "--base-url",
            &server.uri(),
            "--record",
            dir.to_str().unwrap(),
        ])
        .env("FLATPEAK_TOKEN", TOKEN)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while server.received_requests().await.unwrap().is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::write(dir, "not a directory any more").unwrap();
    child.wait_with_output().unwrap()
}

/// A recording that fails after the up-front check (the directory replaced during the call)
/// fails the command: a recording job must not take the exchange as recorded. The answer is
/// printed all the same and the exit code is 2, the error naming the directory and why; a
/// call that failed too keeps its own exit code and error, the recording's said after it.
#[tokio::test]
async fn a_recording_that_fails_after_the_check_fails_the_command_naming_the_directory() {
    let delayed =
        |status, body| json_response(status, body).set_delay(std::time::Duration::from_millis(500));
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/devices/dev_63a6087272941ef077a8fd3e"))
        .respond_with(delayed(200, DEVICE))
        .mount(&server)
        .await;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("recordings");
    let args = ["retrieve-device", "--id", "dev_63a6087272941ef077a8fd3e"];
    let out = flatpeak_losing_its_record_dir(&server, &args, &dir).await;

    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["id"], "dev_63a6087272941ef077a8fd3e");
    let says = format!(
        "error: the recording failed: 1 exchange could not be recorded under --record {} (",
        dir.display()
    );
    assert!(stderr.starts_with(&says), "{stderr}");
    assert!(stderr.contains("the call itself succeeded"), "{stderr}");

    let failing = MockServer::start().await;
    let envelope = json!({"object": "error", "type": "invalid_request", "code": "not_found",
        "message": "No such device"});
    Mock::given(method("GET"))
        .respond_with(delayed(404, &envelope.to_string()))
        .mount(&failing)
        .await;
    let dir = root.path().join("more");
    let out = flatpeak_losing_its_record_dir(&failing, &args, &dir).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: HTTP 404"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "; and the recording failed: 1 exchange could not be recorded under --record {}",
            dir.display()
        )),
        "{stderr}"
    );
}

/// clap's own refusals quote the command line (a flag's value, an unknown command): they
/// are escaped on stderr as the command's errors are, so that a pasted argument can neither
/// drive the terminal nor reorder what it shows (clap's plain text drops escape sequences and
/// other controls; bidirectional controls are shown escaped).
#[tokio::test]
async fn a_refused_argument_is_shown_escaped() {
    let server = silent_server().await;
    let cursor = "loc_a\u{202e}b\u{7}c";
    let out = flatpeak(&server, &["list-locations", "--starting-after", cursor]);
    let stderr = refused(&out, "invalid value 'loc_a\\u{202e}b");
    let out = flatpeak(&server, &["retrieve-\u{2066}device\u{1b}[2J"]);
    let unknown = refused(&out, "unrecognized subcommand 'retrieve-\\u{2066}device");
    for stderr in [stderr, unknown] {
        assert!(
            !stderr.contains(['\u{202e}', '\u{2066}', '\u{7}', '\u{1b}']),
            "{stderr:?}"
        );
        assert!(
            stderr.contains("For more information, try '--help'."),
            "{stderr}"
        );
    }
}

/// A refused value shaped like a credential (an API key given to the wrong flag) is shown by
/// its fingerprint, never whole: a refusal can end up in a CI log.
#[tokio::test]
async fn a_refused_credential_shaped_value_is_shown_by_its_fingerprint() {
    let server = silent_server().await;
    let key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
    let out = flatpeak(&server, &["list-locations", "--starting-after", key]);
    let stderr = refused(
        &out,
        "invalid value '\"sk_l\"… (32 chars)' for '--starting-after",
    );
    assert!(!stderr.contains("4eC39"), "{stderr}");
}

/// `--limit -1` reaches the flag's range check, as `--limit=-1` does, where clap read `-1` as
/// an unknown flag ("unexpected argument").
#[tokio::test]
async fn a_negative_number_after_a_number_flag_is_refused_with_the_range() {
    let server = silent_server().await;
    for limit in ["-1", "-100"] {
        let out = flatpeak(&server, &["list-locations", "--limit", limit]);
        let says = format!(
            "invalid value '{limit}' for '--limit <limit>': expected a whole number from 1 to 100"
        );
        let stderr = refused(&out, &says);
        assert!(!stderr.contains("unexpected argument"), "{stderr}");
    }
}

/// A number flag ignores white space around its value, as `--timeout` does: `--limit " 5"`
/// sends `limit=5`, and `--max-body-bytes " 100000"` reads the answer.
#[tokio::test]
async fn a_number_with_white_space_around_it_is_read_as_the_number() {
    let server = MockServer::start().await;
    serve_locations(&server, None, &["loc_a1"], false).await;
    let args = [
        "list-locations",
        "--limit",
        " 5 ",
        "--max-body-bytes",
        " 100000",
    ];
    let out = flatpeak(&server, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(queries(&server).await, [pairs(&[("limit", "5")])]);
}

/// A token read with its file's newline (`$(cat file)`, an `.env` line) is sent trimmed; one
/// with whitespace inside is refused by its variable's name, its value not shown.
#[tokio::test]
async fn a_token_with_surrounding_whitespace_is_trimmed_and_inner_whitespace_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(json_response(200, DEVICE))
        .expect(1)
        .mount(&server)
        .await;
    let device = ["retrieve-device", "--id", "dev_63a6087272941ef077a8fd3e"];
    let padded = format!(" {TOKEN}\r\n");
    let out = flatpeak_with(&server, &device, &[("FLATPEAK_TOKEN", &padded)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for bad in ["tok_Inner_Secret tail", "tok_Inner_Secret\ntail"] {
        let out = flatpeak_with(&server, &device, &[("FLATPEAK_TOKEN", bad)]);
        let stderr = refused(&out, "FLATPEAK_TOKEN");
        assert!(!stderr.contains("tok_Inner_Secret"), "{stderr}");
    }
    // The login's own credentials are read the same way.
    let out = flatpeak_with(
        &silent_server().await,
        &["login"],
        &[
            ("FLATPEAK_ACCOUNT_ID", "acc_1"),
            ("FLATPEAK_API_KEY", "key_Inner_Secret x"),
        ],
    );
    let stderr = refused(&out, "FLATPEAK_API_KEY");
    assert!(!stderr.contains("key_Inner_Secret"), "{stderr}");
}

/// A version with a control character inside is refused, and the refusal shows it escaped:
/// the command line's newline or ESC never reaches the terminal raw.
#[tokio::test]
async fn a_version_with_a_control_character_is_refused_and_shown_escaped() {
    let server = silent_server().await;
    let device = ["retrieve-device", "--id", "dev_1"];
    for version in ["2025-09-14.anode\nX-Evil: 1", "v\u{1b}[2J"] {
        let args = [&device[..], &["--flatpeak-version", version]].concat();
        let stderr = refused(&flatpeak(&server, &args), "Flatpeak-Version value");
        assert!(stderr.contains(&format!("{version:?}")), "{stderr}");
        assert!(!stderr.trim_end().contains(['\n', '\u{1b}']), "{stderr:?}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_flatpeak"));
        command
            .args(device)
            .args(["--base-url", &server.uri()])
            .env("FLATPEAK_TOKEN", TOKEN)
            .env("FLATPEAK_VERSION", version);
        let stderr = refused(&command.output().unwrap(), "Flatpeak-Version value");
        assert!(!stderr.trim_end().contains(['\n', '\u{1b}']), "{stderr:?}");
    }
}

/// The server's text reaches stderr with its terminal controls escaped: a bidi override
/// (U+202E) or an ESC sequence in an error's message cannot reorder or recolour the terminal.
#[tokio::test]
async fn server_text_in_an_error_is_escaped_on_stderr() {
    let server = MockServer::start().await;
    let envelope = json!({"object": "error", "type": "invalid_request",
        "code": "not_found\u{202e}", "message": "No such \u{202e}device\u{2066}",
        "context": "api.device_retrieve\u{1b}[31m"});
    Mock::given(method("GET"))
        .respond_with(json_response(404, &envelope.to_string()))
        .mount(&server)
        .await;
    let out = flatpeak(&server, &["retrieve-device", "--id", "dev_1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains(['\u{202e}', '\u{2066}', '\u{1b}']),
        "{stderr:?}"
    );
    assert!(
        stderr.contains("No such \\u{202e}device\\u{2066}")
            && stderr.contains("code not_found\\u{202e}"),
        "{stderr}"
    );
}

/// A proxy's HTML page with no `<title>` is shown cut to 200 characters, saying how much was
/// cut, not whole.
#[tokio::test]
async fn a_long_page_without_a_title_is_cut_in_the_error() {
    let server = MockServer::start().await;
    let page = format!(
        "<html><body>{}</body></html>",
        "<p>upstream down</p>".repeat(200)
    );
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page.into_bytes(), "text/html"))
        .mount(&server)
        .await;
    let out = flatpeak(&server, &["retrieve-device", "--id", "dev_1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: HTTP 502 Bad Gateway: <html>"),
        "{stderr}"
    );
    assert!(stderr.contains("more characters)"), "{stderr}");
    assert!(stderr.len() < 400, "{} bytes: {stderr}", stderr.len());
}

/// `--timeout` bounds one attempt: a server slower than it fails the read with exit 3, saying
/// it timed out (and naming the flag), well before the server answers. A value outside 0.001 to 3600 seconds, or not
/// a number, is refused with the range before anything is sent.
#[tokio::test]
async fn timeout_bounds_an_attempt_and_refuses_a_value_out_of_its_range() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json_response(200, DEVICE).set_delay(std::time::Duration::from_secs(20)))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let out = flatpeak(
        &server,
        &["retrieve-device", "--id", "dev_1", "--timeout", "0.3"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(
        stderr.contains("(--timeout gives each attempt longer, up to 3600 seconds)"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "{stderr}"
    );

    let silent = silent_server().await;
    for value in ["0", "-1", "3601", "soon", "NaN"] {
        let args = ["retrieve-device", "--id", "dev_1", "--timeout", value];
        refused(&flatpeak(&silent, &args), "0.001 to 3600");
    }
}

/// `--max-body-bytes` lowers the largest answer read: a longer answer fails the command with
/// exit 3, the error naming the flag, and 0 is refused with the range before anything is
/// sent.
#[tokio::test]
async fn max_body_bytes_refuses_a_longer_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json_response(200, DEVICE))
        .mount(&server)
        .await;
    let args = ["retrieve-device", "--id", "dev_1"];
    let out = flatpeak(&server, &[&args[..], &["--max-body-bytes", "64"]].concat());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("larger than the 64-byte limit (--max-body-bytes reads a longer answer, up to 1073741824 bytes)"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let out = flatpeak(
        &server,
        &[&args[..], &["--max-body-bytes", "1000000"]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let silent = silent_server().await;
    let out = flatpeak(&silent, &[&args[..], &["--max-body-bytes", "0"]].concat());
    refused(&out, "1 to 1073741824");
}

/// A `RUST_LOG` directive naming the command's target in another case (`FLATPEAK=debug`), or
/// with a span filter (`flatpeak[span]=debug`, which the command's filter takes for a target's
/// name), would show nothing: the command warns, naming the target it meant, and still runs.
#[tokio::test]
async fn rust_log_that_would_show_nothing_is_warned_about() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json_response(200, DEVICE))
        .expect(2)
        .mount(&server)
        .await;
    let cases = [
        ("FLATPEAK=debug", "targets are case-sensitive"),
        (
            "flatpeak[span]=debug",
            "span filters (`[span]`, `{field}`) are not read here",
        ),
    ];
    for (value, why) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_flatpeak"))
            .args([
                "retrieve-device",
                "--id",
                "dev_1",
                "--base-url",
                &server.uri(),
            ])
            .env("FLATPEAK_TOKEN", TOKEN)
            .env("RUST_LOG", value)
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let warned = format!("warning: RUST_LOG directive `{value}` shows nothing: {why}");
        assert!(stderr.contains(&warned), "{stderr}");
        assert!(stderr.contains("write `flatpeak`"), "{stderr}");
    }
}

/// The root help lists each command by its summary, one line each, with no MDX markup; a
/// command's `--help` shows its description as plain text and the flags every command takes
/// under their own heading, after the command's own.
#[test]
fn help_lists_commands_by_summary_and_the_global_flags_apart() {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_flatpeak"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let root = help(&["--help"]);
    assert!(root.contains("\n  login  "), "{root}");
    let login_line = root
        .lines()
        .find(|l| l.trim_start().starts_with("login "))
        .unwrap();
    assert!(
        login_line.ends_with("Create a bearer token"),
        "{login_line}"
    );
    assert!(root.lines().count() < 100, "{root}");
    for markup in ["<Tip>", "<Info>", "<Warning>", "](/", "**"] {
        assert!(!root.contains(markup), "{markup} in {root}");
    }

    let login = help(&["login", "--help"]);
    assert!(
        login.contains("API Keys (https://dashboard.flatpeak.com/keys/api)"),
        "{login}"
    );
    assert!(!login.contains("]("), "{login}");
    let locations = help(&["list-locations", "--help"]);
    let (own, global) = locations.split_once("Global options:").unwrap();
    assert!(own.contains("--limit") && own.contains("--all"), "{own}");
    assert!(
        !own.contains("--base-url") && !own.contains("--timeout"),
        "{own}"
    );
    assert!(
        global.contains("--base-url") && global.contains("--timeout"),
        "{global}"
    );
    assert!(
        global.contains("--max-body-bytes") && global.contains("--record"),
        "{global}"
    );
}
