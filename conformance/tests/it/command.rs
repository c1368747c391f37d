//! The gate's command as CI runs it: the real binary, its exit codes and its formats.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::process::Command;

use crate::common::{gate_binary, text};

#[test]
fn defaults_check_the_bundled_set_and_pass() {
    let out = gate_binary(&[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("cassettes/zero/seeds/location-status.json\n"),
        "{stdout}"
    );
    let summary = stdout.lines().last().unwrap();
    assert!(summary.starts_with("conforms: "), "{stdout}");
    assert!(
        summary.ends_with(" checks: 0 errors, 0 warnings, 8 waived"),
        "{stdout}"
    );
}

#[test]
fn an_unwaived_error_exits_1() {
    let out = gate_binary(&["--cassettes", "cassettes", "--no-waivers"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("does not conform"));
}

#[test]
fn an_empty_directory_exits_2_because_nothing_was_checked() {
    let dir = tempfile::tempdir().unwrap();
    let out = gate_binary(&["--cassettes", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("ran zero checks"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_directory_of_files_that_are_not_cassettes_exits_2_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "# not a cassette\n").unwrap();
    let out = gate_binary(&["--cassettes", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("notes.md\n  error cassette"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn an_unreadable_spec_or_missing_directory_exits_2_naming_it() {
    let out = gate_binary(&["--spec", "/nonexistent/flatpeak.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/nonexistent/flatpeak.yaml"),
        "{}",
        text(&out.stderr)
    );

    let out = gate_binary(&["--cassettes", "/nonexistent/cassettes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/nonexistent/cassettes"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn json_format_has_the_summary_and_findings() {
    let out = gate_binary(&["--format", "json", "--cassettes", "tests/negative"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "files",
        "interactions",
        "checks",
        "errors",
        "warnings",
        "waived",
    ] {
        assert!(report["summary"][key].is_u64(), "{key}: {report}");
    }
    let finding = &report["findings"][0];
    for key in [
        "file",
        "interaction",
        "operation",
        "severity",
        "kind",
        "pointer",
        "message",
    ] {
        assert!(finding.get(key).is_some(), "{key}: {finding}");
    }
}

#[test]
fn junit_format_has_a_test_case_per_interaction_written_to_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conformance.xml");
    let out = gate_binary(&["--format", "junit", "--output", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("conformance.xml: 0 errors"),
        "{}",
        text(&out.stdout)
    );
    let xml = std::fs::read_to_string(&path).unwrap();
    // errors.har holds 5 interactions: one suite, 5 cases.
    let har_suite = xml
        .split("<testsuite ")
        .find(|s| s.contains("name=\"cassettes/zero/errors/errors.har\""))
        .unwrap();
    assert_eq!(har_suite.matches("<testcase ").count(), 5, "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");

    let out = gate_binary(&["--format", "junit", "--cassettes", "tests/negative"]);
    let xml = text(&out.stdout);
    assert!(
        xml.contains("<failure message=\"request body: &quot;SIDEWAYS&quot; is not one of"),
        "{xml}"
    );
}

#[test]
fn one_run_writes_every_report_asked_for_each_as_its_own_run_would() {
    let dir = tempfile::tempdir().unwrap();
    let (sarif, junit) = (dir.path().join("gate.sarif"), dir.path().join("gate.xml"));
    let negative = ["--cassettes", "tests/negative", "--no-waivers"];
    let out = gate_binary(
        &[
            &negative[..],
            &["--format", "json", "--report"],
            &[&format!("sarif={}", sarif.display())],
            &["--report", &format!("JUnit={}", junit.display())],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // The main report still goes to standard output, and each file gets its summary line.
    let (json, lines) = stdout.split_at(stdout.find("wrote ").unwrap());
    let report: serde_json::Value = serde_json::from_str(json).unwrap();
    assert!(
        report["summary"]["errors"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert!(
        lines.contains("gate.sarif: ") && lines.contains("gate.xml: "),
        "{lines}"
    );
    for (format, path) in [("sarif", &sarif), ("junit", &junit)] {
        let alone = gate_binary(&[&negative[..], &["--format", format]].concat());
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            text(&alone.stdout),
            "{format}"
        );
    }
}

#[test]
fn a_report_that_is_not_format_equals_file_is_refused_before_anything_runs() {
    for (value, says) in [
        ("gate.sarif", "is not FORMAT=FILE"),
        (
            "html=gate.html",
            "`html` is not a report format (text, json, junit, sarif)",
        ),
        ("sarif=", "names no file"),
    ] {
        let out = gate_binary(&["--report", value]);
        assert_eq!(out.status.code(), Some(2), "{value}");
        assert!(
            text(&out.stderr).contains(says),
            "{value}: {}",
            text(&out.stderr)
        );
    }
}

/// A report file that passes the check before the run but cannot take the report (a full
/// disk, here `/dev/full`) fails the run with exit 2, naming it, before the report is printed:
/// standard output never shows a report whose files are missing.
#[cfg(target_os = "linux")]
#[test]
fn a_report_file_that_fills_up_fails_the_run_before_the_report_is_printed() {
    let out = gate_binary(&["--report", "json=/dev/full"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("/dev/full: cannot write the report: No space left on device"),
        "{stderr}"
    );
}

/// A reader that goes away before the report is printed (`| head -0`) is a clear error with
/// exit 2, not a panic.
#[cfg(unix)]
#[test]
fn a_closed_standard_output_is_an_error_that_says_so() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The run takes far longer than this: its report meets a pipe with no reader.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("standard output: cannot write the report: Broken pipe"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_report_path_that_cannot_be_written_is_refused_before_the_run_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    // An `--output` that could be written, holding an earlier report: left as it was.
    std::fs::write(at("gate.txt"), "an earlier report").unwrap();
    let mut cases = vec![
        (
            vec![
                "--report".to_string(),
                format!("json={}", at("missing/gate.json")),
            ],
            at("missing/gate.json"),
            "No such file or directory",
        ),
        (
            vec![
                "--output".into(),
                at("gate.txt"),
                "--report".into(),
                format!("sarif={}", dir.path().display()),
            ],
            dir.path().display().to_string(),
            "Is a directory",
        ),
        // Two reports to one file: the last would replace the other without a word.
        (
            vec![
                "--output".into(),
                at("same.json"),
                "--report".into(),
                format!("json={}", at("same.json")),
            ],
            at("same.json"),
            "another report is written to this file too",
        ),
        // A report among the cassettes would replace one, or be read as one next time.
        (
            vec![
                "--cassettes".into(),
                dir.path().display().to_string(),
                "--output".into(),
                at("inside.json"),
            ],
            at("inside.json"),
            "it is among the cassettes the gate reads",
        ),
    ];
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let read_only = dir.path().join("read-only");
        std::fs::create_dir(&read_only).unwrap();
        std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o555)).unwrap();
        // Root writes anywhere: the case means something only for another user.
        if std::fs::write(read_only.join("probe"), "").is_err() {
            let path = at("read-only/gate.xml");
            cases.push((
                vec!["--output".into(), path.clone()],
                path,
                "Permission denied",
            ));
        }
    }
    for (args, path, why) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = gate_binary(&args);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert!(
            stdout.is_empty(),
            "{args:?}: nothing ran, nothing printed: {stdout}"
        );
        assert!(
            stderr.contains(&format!("{path}: cannot write the report: {why}")),
            "{args:?}: {stderr}"
        );
    }
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert!(
        left == ["gate.txt"] || left == ["gate.txt", "read-only"],
        "{left:?}"
    );
    assert_eq!(
        std::fs::read_to_string(at("gate.txt")).unwrap(),
        "an earlier report"
    );
}

#[test]
fn timings_go_to_stderr_and_leave_the_report_as_it_was() {
    let plain = gate_binary(&["--format", "json"]);
    let timed = gate_binary(&["--format", "json", "--timings"]);
    assert_eq!(timed.status.code(), Some(0));
    assert_eq!(plain.stdout, timed.stdout);
    let stderr = text(&timed.stderr);
    let line = stderr.lines().find(|l| l.starts_with("timings: ")).unwrap();
    for key in [
        "interactions=",
        "total=",
        "cassettes=",
        "examine=",
        "validating_sum=",
        "replaying_sum=",
    ] {
        assert!(line.contains(key), "{key}: {line}");
    }
}

#[test]
fn synth_writes_a_set_the_gate_reads_and_refuses_to_write_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let args = ["synth", "--count", "7", "--per-file", "3", "--seed", "2"];
    let out = gate_binary(&[&args[..], &["--out", out_dir]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("wrote 7 interactions"),
        "{}",
        text(&out.stdout)
    );
    assert!(dir.path().join("manifest.json").is_file());
    assert!(dir.path().join("cassettes/synth-00002.har").is_file());

    let cassettes = dir.path().join("cassettes");
    let checked = gate_binary(&["--cassettes", cassettes.to_str().unwrap(), "--no-waivers"]);
    let stdout = text(&checked.stdout);
    assert!(stdout.contains(": 3 files, 7 interactions, "), "{stdout}");

    let again = gate_binary(&[&args[..], &["--out", out_dir]].concat());
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("already holds files"));
}

#[test]
fn synth_refuses_a_rate_outside_0_to_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = gate_binary(&[
        "synth",
        "--count",
        "1",
        "--defect-rate",
        "1.5",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not between 0 and 1"));
}

/// The secret cassettes of the negative set, copied into a directory of their own.
/// The negative set's leaking cassettes, each in a directory of its release as there (with
/// its `.flatpeak-release`).
fn leaking_directory() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [("tests/negative", ""), ("tests/negative/yotta", "yotta")] {
        let to = dir.path().join(to);
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("secret-") || name == ".flatpeak-release" {
                std::fs::copy(&path, to.join(name)).unwrap();
            }
        }
    }
    dir
}

/// Every file below `dir`, by path, with its bytes.
fn contents(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(contents(&path));
        } else {
            files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}

#[test]
fn scrub_check_lists_leaks_without_them_then_scrub_makes_the_gate_pass_once_and_for_all() {
    let dir = leaking_directory();
    let at = dir.path().to_str().unwrap();
    let before = contents(dir.path());

    let check = gate_binary(&["scrub", at, "--check"]);
    let listed = text(&check.stdout);
    assert_eq!(
        check.status.code(),
        Some(1),
        "{listed}{}",
        text(&check.stderr)
    );
    assert!(listed.contains("5 values to scrub"), "{listed}");
    for secret in [
        "tok_4f1d2c9b8a7e6d5c",
        "8f7e6d5c4b3a",
        "c2lnbmF0dXJl",
        "51.46612",
    ] {
        assert!(
            !listed.contains(secret),
            "--check printed {secret}: {listed}"
        );
    }
    assert_eq!(contents(dir.path()), before, "--check writes nothing");
    assert_eq!(
        gate_binary(&["--cassettes", at, "--no-waivers"])
            .status
            .code(),
        Some(1)
    );

    let scrubbed = gate_binary(&["scrub", at]);
    assert_eq!(
        scrubbed.status.code(),
        Some(0),
        "{}",
        text(&scrubbed.stderr)
    );
    let gated = gate_binary(&["--cassettes", at, "--no-waivers"]);
    assert_eq!(gated.status.code(), Some(0), "{}", text(&gated.stdout));

    let after = contents(dir.path());
    let again = gate_binary(&["scrub", at]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        text(&again.stdout).contains("0 values scrubbed in 0 files"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(
        contents(dir.path()),
        after,
        "a second scrub changes no byte"
    );
    assert_eq!(
        gate_binary(&["scrub", at, "--check"]).status.code(),
        Some(0)
    );
}

#[test]
fn scrub_of_a_file_that_is_not_a_cassette_exits_2_and_scrubs_the_rest() {
    let dir = leaking_directory();
    std::fs::write(dir.path().join("notes.txt"), "not a cassette").unwrap();
    let out = gate_binary(&["scrub", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("notes.txt"),
        "{}",
        text(&out.stderr)
    );
    let check = gate_binary(&["scrub", dir.path().to_str().unwrap(), "--check"]);
    assert!(text(&check.stdout).contains("nothing to scrub") || text(&check.stdout).is_empty());
}

/// A directory of links: to a cassette outside it, to nothing, to a directory above it, and a
/// FIFO (reading one would never end).
#[cfg(unix)]
fn linked_directory() -> (tempfile::TempDir, tempfile::TempDir) {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.json");
    std::fs::copy("tests/negative/yotta/secret-token-in-a-body.json", &secret).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let link = |target: &std::path::Path, name: &str| {
        std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap();
    };
    link(&secret, "linked.json");
    link(&outside.path().join("gone.json"), "broken.json");
    link(dir.path(), "loop");
    // Two links to each other: neither leads to a file.
    link(&dir.path().join("ring-b.json"), "ring-a.json");
    link(&dir.path().join("ring-a.json"), "ring-b.json");
    let fifo = dir.path().join("fifo.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    (dir, outside)
}

#[cfg(unix)]
#[test]
fn linked_cassettes_are_checked_and_links_to_nothing_loops_and_fifos_are_reported() {
    let (dir, _outside) = linked_directory();
    let at = dir.path().to_str().unwrap();
    let out = gate_binary(&["--cassettes", at, "--no-waivers"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    for (name, says) in [
        ("linked.json", "error secret at /properties/model_name"),
        (
            "broken.json",
            "not a readable cassette: cannot read: No such file",
        ),
        ("fifo.json", "not a regular file"),
        ("loop", "a loop"),
        ("ring-a.json", "symbolic links"),
        ("ring-b.json", "symbolic links"),
    ] {
        let at = stdout
            .find(&format!("{name}\n"))
            .unwrap_or_else(|| panic!("{name} not reported: {stdout}"));
        let section = stdout[at..].split_once('\n').map_or("", |(_, rest)| rest);
        let first = section.lines().next().unwrap_or_default();
        assert!(first.contains(says), "{name}: {first}\n{stdout}");
    }

    // Scrub lists the linked cassette's values and exits 2 for the files it cannot read.
    let check = gate_binary(&["scrub", at, "--check"]);
    let (listed, errors) = (text(&check.stdout), text(&check.stderr));
    assert_eq!(check.status.code(), Some(2), "{listed}{errors}");
    assert!(
        listed.contains("linked.json #0 /properties/model_name"),
        "{listed}"
    );
    assert!(!listed.contains("c2lnbmF0dXJl"), "{listed}");
    assert!(
        errors.contains("5 of 6 files could not be read"),
        "{errors}"
    );
}

#[test]
fn scrub_writes_the_content_length_of_the_scrubbed_body() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "tests/negative/yotta/.flatpeak-release",
        dir.path().join(".flatpeak-release"),
    )
    .unwrap();
    let mut cassette: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/negative/yotta/secret-token-in-a-body.json").unwrap(),
    )
    .unwrap();
    let response = &mut cassette["http_interactions"][0]["response"];
    let before = response["body"]["string"].as_str().unwrap().len();
    response["headers"]["Content-Length"] = serde_json::json!([before.to_string()]);
    let path = dir.path().join("leak.json");
    std::fs::write(&path, cassette.to_string()).unwrap();

    let out = gate_binary(&["scrub", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let scrubbed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let response = &scrubbed["http_interactions"][0]["response"];
    let after = response["body"]["string"].as_str().unwrap().len();
    assert_ne!(after, before, "the token's placeholder is another length");
    assert_eq!(
        response["headers"]["Content-Length"],
        serde_json::json!([after.to_string()])
    );
}

/// A HAR entry of `secret-token-in-a-body.json`'s interaction, a token in both bodies, each
/// length HAR 1.2 records as received: `bodySize` (the response's as if compressed),
/// `content.size` and `content.compression`.
fn har_with_a_token_in_both_bodies() -> serde_json::Value {
    let vcr: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/negative/yotta/secret-token-in-a-body.json").unwrap(),
    )
    .unwrap();
    let interaction = &vcr["http_interactions"][0];
    let response = interaction["response"]["body"]["string"].as_str().unwrap();
    let request = r#"{"model_name": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2lnbmF0dXJl"}"#;
    serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
      "entries": [{"startedDateTime": "2026-03-02T10:15:00Z", "time": 1,
        "request": {"method": "GET", "url": interaction["request"]["uri"],
          "httpVersion": "HTTP/1.1", "cookies": [], "queryString": [], "headersSize": 300,
          "headers": [{"name": "Content-Length", "value": request.len().to_string()},
            {"name": "Authorization", "value": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMiJ9.c2lnbmF0dXJm"}],
          "postData": {"mimeType": "application/json", "text": request,
            "params": [{"name": "model_name", "value": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2lnbmF0dXJl"}]},
          "bodySize": request.len()},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
          "cookies": [], "headers": [{"name": "Content-Type", "value": "application/json"}],
          "content": {"size": response.len(), "compression": 100,
            "mimeType": "application/json", "text": response},
          "redirectURL": "", "headersSize": 120, "bodySize": response.len() - 100},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}]}})
}

#[test]
fn scrub_writes_the_har_body_sizes_of_the_scrubbed_bodies_and_leaves_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "tests/negative/yotta/.flatpeak-release",
        dir.path().join(".flatpeak-release"),
    )
    .unwrap();
    let known = har_with_a_token_in_both_bodies();
    let mut unknown = known.clone();
    let entry = &mut unknown["log"]["entries"][0];
    entry["request"]["bodySize"] = (-1).into();
    entry["response"]["bodySize"] = 0.into();
    entry["response"]["content"]
        .as_object_mut()
        .unwrap()
        .remove("compression");
    for (name, har) in [("known.har", &known), ("unknown.har", &unknown)] {
        std::fs::write(dir.path().join(name), har.to_string()).unwrap();
    }

    let out = gate_binary(&["scrub", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let read = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["log"]["entries"][0].clone()
    };
    let (request, response) = {
        let entry = read("known.har");
        (entry["request"].clone(), entry["response"].clone())
    };
    let request_length = request["postData"]["text"].as_str().unwrap().len();
    let response_length = response["content"]["text"].as_str().unwrap().len();
    let before = &known["log"]["entries"][0];
    assert_ne!(
        request["postData"], before["request"]["postData"],
        "scrubbed"
    );
    assert_ne!(
        response["content"]["text"],
        before["response"]["content"]["text"]
    );
    assert_eq!(request["bodySize"], request_length);
    assert_eq!(request["headers"][0]["value"], request_length.to_string());
    assert_eq!(response["bodySize"], response_length);
    assert_eq!(response["content"]["size"], response_length);
    assert_eq!(response["content"]["compression"], 0, "the body as written");
    // The request's headers held a token: their size on the wire is no longer known. The
    // response's headers were not rewritten.
    assert_ne!(request["headers"][1], before["request"]["headers"][1]);
    assert_eq!(request["headersSize"], -1);
    // HAR's copy of the body's fields follows the body.
    assert_eq!(request["postData"]["params"][0]["value"], "<redacted>");
    assert_eq!(response["headersSize"], 120);

    // -1 (unknown), 0 (a response served from the cache) and an absent field stay as they
    // were; `content.size` is always known.
    let entry = read("unknown.har");
    let (request, response) = (&entry["request"], &entry["response"]);
    assert_eq!(
        (&request["bodySize"], &response["bodySize"]),
        (&(-1).into(), &0.into())
    );
    assert_eq!(response["content"].get("compression"), None);
    let length = response["content"]["text"].as_str().unwrap().len();
    assert_eq!(response["content"]["size"], length);
}

/// A HAR response body recorded base64 (`content.encoding`) is looked into as the gate reads
/// it, decoded: its secrets are scrubbed and it is written back base64, its lengths those of
/// the decoded body as written. One that is not text (an image) stays as it was.
#[test]
fn scrub_looks_into_a_har_body_recorded_base64_and_writes_it_back_base64() {
    use base64::Engine as _;
    let base64 = base64::engine::general_purpose::STANDARD;
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "tests/negative/yotta/.flatpeak-release",
        dir.path().join(".flatpeak-release"),
    )
    .unwrap();
    let mut har = har_with_a_token_in_both_bodies();
    let entry = har["log"]["entries"][0].clone();
    let content = &entry["response"]["content"];
    let mut body: serde_json::Value =
        serde_json::from_str(content["text"].as_str().unwrap()).unwrap();
    // A real latitude, where the spec marks the field `x-sensitive`.
    body["geo_location"]["lat"] = 51.46612.into();
    let body = serde_json::to_string_pretty(&body).unwrap();
    let mut image = entry.clone();
    let response = &mut har["log"]["entries"][0]["response"];
    response["content"]["text"] = base64.encode(&body).into();
    response["content"]["encoding"] = "base64".into();
    let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00];
    image["response"]["content"] = serde_json::json!({"size": png.len(), "mimeType": "image/png",
            "text": base64.encode(png), "encoding": "base64"});
    har["log"]["entries"]
        .as_array_mut()
        .unwrap()
        .push(image.clone());
    let path = dir.path().join("encoded.har");
    std::fs::write(&path, har.to_string()).unwrap();
    let at = dir.path().to_str().unwrap();
    let findings = || {
        let out = gate_binary(&["--cassettes", at, "--no-waivers"]);
        let stdout = text(&out.stdout);
        let kept: Vec<String> = stdout
            .lines()
            .filter(|l| !l.contains(" secret ") && !l.contains(" checks: "))
            .map(str::to_string)
            .collect();
        (stdout, kept)
    };
    let (gated, before) = findings();
    assert!(
        gated.contains("secret at /properties/model_name"),
        "{gated}"
    );
    assert!(gated.contains("secret at /geo_location/lat"), "{gated}");
    // What `--check` lists and `scrub` replaces, summaries aside.
    let listed = |out: &std::process::Output| -> Vec<String> {
        let stdout = text(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        lines[..lines.len() - 1]
            .iter()
            .map(|l| l.to_string())
            .collect()
    };

    let check = gate_binary(&["scrub", at, "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    let would = listed(&check);
    for place in ["#0 /properties/model_name", "#0 /geo_location/lat"] {
        assert!(would.iter().any(|l| l.contains(place)), "{would:?}");
    }
    let out = gate_binary(&["scrub", at]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(listed(&out), would);

    let scrubbed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let entries = &scrubbed["log"]["entries"];
    let (response, content) = (&entries[0]["response"], &entries[0]["response"]["content"]);
    assert_eq!(content["encoding"], "base64");
    let decoded = base64
        .decode(content["text"].as_str().unwrap())
        .map(String::from_utf8)
        .unwrap()
        .unwrap();
    assert!(!decoded.contains("c2lnbmF0dXJl"), "{decoded}");
    assert!(!decoded.contains("51.46612"), "{decoded}");
    let decoded_json: serde_json::Value = serde_json::from_str(&decoded).unwrap();
    assert_eq!(decoded_json["id"], "dev_6790a1b2c3d4e5f6a7b8c9d0");
    assert_eq!(content["size"], decoded.len());
    assert_eq!(response["bodySize"], decoded.len());
    assert_eq!(content["compression"], 0);
    assert_eq!(entries[1]["response"], image["response"], "not text");

    let (_, after) = findings();
    assert_eq!(after, before, "only secret findings go");
    let again = gate_binary(&["scrub", at, "--check"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    assert!(text(&again.stdout).contains("nothing to scrub"));
}

/// Scrub writes a linked cassette's target, and keeps the link and the target's permissions:
/// replacing the link with a scrubbed copy would leave the secrets where it pointed, and a
/// cassette readable by its owner alone must stay so.
#[cfg(unix)]
#[test]
fn scrub_writes_through_a_link_and_keeps_the_files_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("secret.json");
    std::fs::copy("tests/negative/yotta/secret-token-in-a-body.json", &target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "tests/negative/yotta/.flatpeak-release",
        dir.path().join(".flatpeak-release"),
    )
    .unwrap();
    let link = dir.path().join("linked.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    let out = gate_binary(&["scrub", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(!written.contains("c2lnbmF0dXJl"), "{written}");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // Nothing is left beside it.
    let names: Vec<_> = std::fs::read_dir(outside.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// A value the spec marks `x-sensitive` in the path (a session's id) is shown by its
/// fingerprint in every report, a JUnit test's name (the interaction's path) included.
#[test]
fn a_sensitive_path_value_is_not_in_a_junit_test_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "cassettes/zero/.flatpeak-release",
        dir.path().join(".flatpeak-release"),
    )
    .unwrap();
    let cassette = std::fs::read_to_string("cassettes/zero/examples/calculate-session-cost.json")
        .unwrap()
        .replace("redacted-427f7f0fce4f610a", "SESSION-alice-secret-9876");
    std::fs::write(dir.path().join("session.json"), cassette).unwrap();

    let at = dir.path().to_str().unwrap();
    let out = gate_binary(&["--cassettes", at, "--no-waivers", "--format", "junit"]);
    let xml = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{xml}{}", text(&out.stderr));
    assert!(xml.contains("secret"), "{xml}");
    assert!(
        xml.contains("POST /costs/session/&quot;SESS&quot;… (25 chars) -&gt; 200"),
        "{xml}"
    );
    assert!(!xml.contains("alice-secret"), "{xml}");
}

/// A cassette whose directory names a release that does not exist is scrubbed with the
/// default release's spec, and the run says so rather than choosing silently.
#[test]
fn scrub_notes_a_release_it_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".flatpeak-release"), "kelvin\n").unwrap();
    std::fs::copy(
        "tests/negative/yotta/secret-token-in-a-body.json",
        dir.path().join("kelvin.json"),
    )
    .unwrap();
    let out = gate_binary(&["scrub", dir.path().to_str().unwrap(), "--check"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("kelvin.json #0 note: names release `kelvin`, which is not known"),
        "{stdout}{}",
        text(&out.stderr)
    );
}

/// A request whose `Content-Type` says it is a form (OAuth's token exchange) is read field by
/// field: a credential in it is found by its field's name, and scrub replaces that field alone,
/// writing the form again with its new length. The request went to another host than the
/// API's: the gate skips its checks, not its secrets.
#[test]
fn a_form_body_s_credentials_are_found_by_name_and_scrubbed_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let body =
        "grant_type=refresh_token&refresh_token=r8Kd2mQx&client_secret=s3cr3t%21&scope=devices";
    let cassette = one_interaction(
        serde_json::json!({
            "uri": "https://auth.example/oauth/token",
            "method": "post",
            "headers": {
                "Content-Type": ["application/x-www-form-urlencoded"],
                "Content-Length": [body.len().to_string()]
            },
            "body": {"encoding": "UTF-8", "string": body}
        }),
        serde_json::json!({
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"encoding": "UTF-8", "string": "{}"}
        }),
        "a form body",
    );
    let path = dir.path().join("token.json");
    std::fs::write(&path, cassette.to_string()).unwrap();
    let at = dir.path().to_str().unwrap();
    // auth.example is not the API's host: its interaction is skipped, but not its secrets.
    let gate = ["--cassettes", at, "--no-waivers"];

    let before = gate_binary(&gate);
    let shown = text(&before.stdout);
    assert_eq!(before.status.code(), Some(1), "{shown}");
    // Not the API's traffic: it counts toward no release's coverage.
    assert!(!shown.contains("coverage of"), "{shown}");
    assert_eq!(
        secret_places(&before),
        ["request:/refresh_token", "request:/client_secret"],
        "{shown}"
    );
    assert!(
        !shown.contains("r8Kd2mQx") && !shown.contains("s3cr3t"),
        "{shown}"
    );

    let written = scrubbed(at, &path);
    let request = &written["http_interactions"][0]["request"];
    let sent = request["body"]["string"].as_str().unwrap();
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(sent.as_bytes())
        .into_owned()
        .collect();
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["grant_type", "refresh_token", "client_secret", "scope"]
    );
    assert_eq!(fields[0].1, "refresh_token");
    assert_eq!(fields[3].1, "devices");
    assert!(
        !sent.contains("r8Kd2mQx") && !sent.contains("s3cr3t"),
        "{sent}"
    );
    assert_eq!(
        request["headers"]["Content-Length"],
        serde_json::json!([sent.len().to_string()])
    );

    let after = gate_binary(&gate);
    assert!(secret_places(&after).is_empty(), "{}", text(&after.stdout));
    assert!(
        text(&after.stdout).contains("skipped 1 interactions to other hosts"),
        "{}",
        text(&after.stdout)
    );
}

/// A query parameter the spec does not mark is a credential when its name says so
/// (`access_token`, `api_key`), as a fragment's or a form's is: the gate reports it by its
/// fingerprint, scrub replaces that parameter alone, and the gate then passes. A name that
/// says a kind of token (`token_type`) and other words (`keyword`) are not credentials.
#[test]
fn a_query_parameter_named_for_a_credential_is_found_and_scrubbed() {
    let dir = tempfile::tempdir().unwrap();
    let url = "https://hooks.example/callback?access_token=q7Lm2Xw9&token_type=bearer&keyword=energy&API-Key=zz81Kp4t";
    let cassette = one_interaction(
        serde_json::json!({"uri": url, "method": "get", "headers": {}, "body": {"encoding": "UTF-8", "string": ""}}),
        serde_json::json!({
            "status": {"code": 204, "message": "No Content"},
            "headers": {},
            "body": {"encoding": "UTF-8", "string": ""}
        }),
        "a query",
    );
    let (path, before) = failing(dir.path(), "callback.json", &cassette);
    let at = dir.path().to_str().unwrap();
    let gate = ["--cassettes", at, "--no-waivers"];
    let shown = text(&before.stdout);
    assert_eq!(
        secret_places(&before),
        ["query:access_token", "query:API-Key"],
        "{shown}"
    );
    assert!(
        shown.contains("a token in the query, by its name"),
        "{shown}"
    );
    assert!(
        !shown.contains("q7Lm2Xw9") && !shown.contains("zz81Kp4t"),
        "{shown}"
    );

    let written = scrubbed(at, &path);
    let uri = written["http_interactions"][0]["request"]["uri"]
        .as_str()
        .unwrap();
    let query: Vec<(String, String)> = url::Url::parse(uri)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let names: Vec<&str> = query.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["access_token", "token_type", "keyword", "API-Key"]);
    assert_eq!(query[1].1, "bearer");
    assert_eq!(query[2].1, "energy");
    assert!(
        !uri.contains("q7Lm2Xw9") && !uri.contains("zz81Kp4t"),
        "{uri}"
    );

    // Nothing is left to report; with no API traffic beside it, the run checked nothing.
    let after = gate_binary(&gate);
    let shown = text(&after.stdout);
    assert!(!shown.contains("error secret"), "{shown}");
    assert!(
        shown.contains("skipped 1 interactions to other hosts"),
        "{shown}"
    );
}

/// The place of each `secret` finding of a gate run, as its text report names it.
fn secret_places(out: &std::process::Output) -> Vec<String> {
    text(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once("error secret at ")?.1.split_once(": a value"))
        .map(|(place, _)| place.to_string())
        .collect()
}

/// Scrubs the cassettes at `at` and reads back `path`, one of them, as JSON.
fn scrubbed(at: &str, path: &std::path::Path) -> serde_json::Value {
    let out = gate_binary(&["scrub", at]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A body with a key twice (`live_mode`: first a string, then a boolean) is a `json` error, not
/// read as its last value; scrub, which would write the body again with one of the two values,
/// refuses the file and leaves every byte of it, so the gate still reports the defect.
#[test]
fn a_body_with_a_key_twice_fails_the_gate_and_scrub_leaves_it_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".flatpeak-release"), "anode\n").unwrap();
    let body = r#"{"id":"dev_63a6087272941ef077a8fd3e","object":"device","live_mode":"notabool","live_mode":true,"reference_id":"CUS-real-ref-42","last_seen":"2022-03-22T11:12:21Z","time_created":"2022-01-24T14:15:22Z","account_id":"acc_661677911f2197045e6cf1b1"}"#;
    let cassette = one_interaction(
        serde_json::json!({
            "uri": "https://api.flatpeak.com/devices/dev_63a6087272941ef077a8fd3e",
            "method": "get",
            "headers": {"Authorization": ["Bearer <redacted>"]},
            "body": {"encoding": "UTF-8", "string": ""}
        }),
        serde_json::json!({
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"encoding": "UTF-8", "string": body}
        }),
        "a body with a key twice",
    );
    let path = dir.path().join("device.json");
    let written = cassette.to_string();
    std::fs::write(&path, &written).unwrap();
    let at = dir.path().to_str().unwrap();
    let gate = ["--cassettes", at, "--no-waivers"];

    let before = gate_binary(&gate);
    let shown = text(&before.stdout);
    assert_eq!(before.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(
            "error json: the body has a key twice in one object: duplicate key `live_mode`"
        ),
        "{shown}"
    );
    assert_eq!(secret_places(&before), ["/reference_id"], "{shown}");

    let scrub = gate_binary(&["scrub", at]);
    let said = text(&scrub.stderr);
    assert_eq!(scrub.status.code(), Some(2), "{said}");
    assert!(
        said.contains("device.json: interaction #0: the response body has a key twice"),
        "{said}"
    );
    assert!(!said.contains("CUS-real-ref-42"), "{said}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);

    let after = gate_binary(&gate);
    assert!(text(&after.stdout).contains("duplicate key `live_mode`"));
}

/// What a cassette holds reaches the text report escaped: an ESC sequence in a recorded header
/// does not drive the reader's terminal, and a newline in a file's name does not forge a line.
#[test]
fn control_characters_from_a_cassette_are_escaped_in_the_text_report() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".flatpeak-release"), "anode\n").unwrap();
    let mut cassette = anode_device();
    cassette["http_interactions"][0]["response"]["headers"]["Content-Type"] =
        serde_json::json!(["text/html\u{1b}[2J\u{202e}"]);
    let name = "device\nconforms: 9 files.json";
    std::fs::write(dir.path().join(name), cassette.to_string()).unwrap();

    let out = gate_binary(&["--cassettes", dir.path().to_str().unwrap(), "--no-waivers"]);
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains(r"text/html\u{1b}[2J\u{202e}"), "{shown}");
    assert!(shown.contains(r"device\nconforms: 9 files.json"), "{shown}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
        "{shown}"
    );
    assert!(
        !shown.lines().any(|l| l.starts_with("conforms: 9")),
        "{shown}"
    );
}

/// An identity provider's token exchange in JSON, recorded beside the API's calls, fails the
/// gate for the credentials its fields' names announce (none of them shaped like a known
/// token), scrub replaces exactly those, and the gate then passes it.
#[test]
fn a_json_token_exchange_with_another_host_is_found_by_its_field_names_and_scrubbed() {
    let dir = tempfile::tempdir().unwrap();
    let request = r#"{"grant_type":"client_credentials","client_id":"app-17","client_secret":"q8Zr2LmX","audience":"https://api.flatpeak.com"}"#;
    let response = r#"{"access_token":"opaque4f9aQ2","refresh_token":"v1.Mx8pQ","token_type":"Bearer","expires_in":3600}"#;
    let cassette = one_interaction(
        serde_json::json!({
            "uri": "https://example.eu.auth0.com/oauth/token",
            "method": "post",
            "headers": {"Content-Type": ["application/json"]},
            "body": {"encoding": "UTF-8", "string": request}
        }),
        serde_json::json!({
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"encoding": "UTF-8", "string": response}
        }),
        "a JSON token exchange",
    );
    let (path, before) = failing(dir.path(), "idp.json", &cassette);
    let at = dir.path().to_str().unwrap();
    let gate = ["--cassettes", at, "--no-waivers"];
    let shown = text(&before.stdout);
    assert_eq!(
        secret_places(&before),
        ["request:/client_secret", "/access_token", "/refresh_token"],
        "{shown}"
    );

    let written = scrubbed(at, &path);
    let interaction = &written["http_interactions"][0];
    let sent: serde_json::Value =
        serde_json::from_str(interaction["request"]["body"]["string"].as_str().unwrap()).unwrap();
    let got: serde_json::Value =
        serde_json::from_str(interaction["response"]["body"]["string"].as_str().unwrap()).unwrap();
    assert_eq!(sent["client_id"], "app-17");
    assert_eq!(got["token_type"], "Bearer");
    assert_eq!(got["expires_in"], 3600);
    for secret in ["q8Zr2LmX", "opaque4f9aQ2", "v1.Mx8pQ"] {
        assert!(
            !written.to_string().contains(secret),
            "{secret} in {written}"
        );
    }

    let after = gate_binary(&gate);
    assert!(secret_places(&after).is_empty(), "{}", text(&after.stdout));
}

/// A VCR cassette of one interaction, `request` and `response` as the format writes them.
fn one_interaction(
    request: serde_json::Value,
    response: serde_json::Value,
    recorded_with: &str,
) -> serde_json::Value {
    serde_json::json!({
        "http_interactions": [{
            "request": request,
            "response": response,
            "recorded_at": "Mon, 02 Mar 2026 10:15:00 GMT"
        }],
        "recorded_with": recorded_with
    })
}

/// A header the gate reads one value of, recorded with two that differ (two `Flatpeak-Version`
/// headers in different letter case, two `Content-Type` values), is reported rather than
/// decided by whichever came first.
#[test]
fn a_header_recorded_with_two_different_values_is_reported_not_chosen() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".flatpeak-release"), "anode\n").unwrap();
    let recorded = anode_device();
    let mut versions = recorded.clone();
    versions["http_interactions"][0]["request"]["uri"] =
        "https://api.flatpeak.com/devices/dev_63a6087272941ef077a8fd3e?access_token=q7Lm2Xw9"
            .into();
    let headers = &mut versions["http_interactions"][0]["response"]["headers"];
    headers["flatpeak-version"] = serde_json::json!(["2025-09-14.anode"]);
    headers["FLATPEAK-VERSION"] = serde_json::json!(["2024-08-24.zero"]);
    std::fs::write(dir.path().join("versions.json"), versions.to_string()).unwrap();
    let mut same = recorded.clone();
    same["http_interactions"][0]["response"]["headers"]["Content-Type"] =
        serde_json::json!(["application/json", "Application/JSON; charset=utf-8"]);
    std::fs::write(dir.path().join("same.json"), same.to_string()).unwrap();
    let mut types = recorded;
    types["http_interactions"][0]["response"]["headers"]["Content-Type"] =
        serde_json::json!(["application/json", "text/html"]);
    std::fs::write(dir.path().join("types.json"), types.to_string()).unwrap();

    let out = gate_binary(&["--cassettes", dir.path().to_str().unwrap(), "--no-waivers"]);
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(
            "error version: the response was recorded with 2 Flatpeak-Version values \
             (`2025-09-14.anode`, `2024-08-24.zero`)"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "error content-type: the response was recorded with 2 Content-Type values \
             (`application/json`, `text/html`)"
        ),
        "{shown}"
    );
    // Two spellings of one media type say the same thing.
    assert_eq!(shown.matches("error content-type").count(), 1, "{shown}");
    // A recording whose release is not known is still checked for secrets.
    assert!(
        shown.contains("error secret at query:access_token"),
        "{shown}"
    );
    assert!(!shown.contains("q7Lm2Xw9"), "{shown}");
}

/// A response Ruby VCR kept compressed (`Content-Encoding: gzip`, the bytes as
/// `base64_string`) is read decoded: its body is checked as JSON, the customer reference it
/// holds is found, scrub replaces it and writes the body decoded without the header, and the
/// gate then passes it.
#[test]
fn a_body_recorded_gzip_compressed_is_checked_and_scrubbed_decoded() {
    use base64::Engine as _;
    use std::io::Write as _;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".flatpeak-release"), "anode\n").unwrap();
    let mut cassette = anode_device();
    let response = &mut cassette["http_interactions"][0]["response"];
    let body = response["body"]["string"]
        .as_str()
        .unwrap()
        .replace("redacted-c27d838619a67850", "CUST-4471-alice");
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(body.as_bytes()).unwrap();
    let compressed = base64::engine::general_purpose::STANDARD.encode(gzip.finish().unwrap());
    response["headers"]["Content-Encoding"] = serde_json::json!(["gzip"]);
    response["body"] = serde_json::json!({"encoding": "ASCII-8BIT", "base64_string": compressed});
    let (path, before) = failing(dir.path(), "device.json", &cassette);
    let at = dir.path().to_str().unwrap();
    let gate = ["--cassettes", at, "--no-waivers"];
    let shown = text(&before.stdout);
    // Only the secret: the body is JSON, valid, and the client reads it.
    assert_eq!(secret_places(&before), ["/reference_id"], "{shown}");
    assert!(shown.contains("1 errors"), "{shown}");

    let written = scrubbed(at, &path);
    let response = &written["http_interactions"][0]["response"];
    assert!(
        response["headers"].get("Content-Encoding").is_none(),
        "{response}"
    );
    let plain = base64::engine::general_purpose::STANDARD
        .decode(response["body"]["base64_string"].as_str().unwrap())
        .unwrap();
    let plain = String::from_utf8(plain).unwrap();
    assert!(!plain.contains("CUST-4471-alice"), "{plain}");
    assert!(plain.contains("\"live_mode\": true"), "{plain}");

    let after = gate_binary(&gate);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stdout));
}

/// The bundled Anode cassette of `retrieve_device`, to change one thing in.
fn anode_device() -> serde_json::Value {
    let text = std::fs::read_to_string("cassettes/anode/devices/retrieve-device.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A cassette written with a byte-order mark (as some Windows editors save JSON) is read as
/// the same cassette without it, and one that holds no interaction is a warning, not silence.
#[test]
fn a_byte_order_mark_is_read_past_and_an_empty_cassette_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".flatpeak-release"), "anode\n").unwrap();
    let with_bom = format!("\u{feff}{}", anode_device());
    std::fs::write(dir.path().join("device.json"), with_bom).unwrap();
    std::fs::write(
        dir.path().join("empty.json"),
        r#"{"http_interactions": [], "recorded_with": "a recorder that saw nothing"}"#,
    )
    .unwrap();

    let out = gate_binary(&["--cassettes", dir.path().to_str().unwrap(), "--no-waivers"]);
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("warning cassette: the cassette holds no interactions"),
        "{shown}"
    );
    assert!(
        shown.contains("2 files, 1 interactions, 9 checks: 0 errors, 1 warnings"),
        "{shown}"
    );
}

/// A query parameter the recording repeats (`limit=30&limit=30`), which the client sends once,
/// is reported as a count that differs, not as a value that differs.
#[test]
fn a_repeated_query_parameter_is_reported_by_its_count() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".flatpeak-release"), "anode\n").unwrap();
    let recorded =
        std::fs::read_to_string("cassettes/anode/locations/list-locations.json").unwrap();
    let mut cassette: serde_json::Value = serde_json::from_str(&recorded).unwrap();
    let uri = &mut cassette["http_interactions"][0]["request"]["uri"];
    *uri = "https://api.flatpeak.com/locations?limit=30&limit=30".into();
    std::fs::write(dir.path().join("locations.json"), cassette.to_string()).unwrap();

    let out = gate_binary(&["--cassettes", dir.path().to_str().unwrap(), "--no-waivers"]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("query parameter `limit` was recorded twice and sent once"),
        "{shown}"
    );
}

/// A body recorded compressed in a coding the gate does not read (`br`), or cut short, is a
/// `cassette` error (nothing in it could be checked, a secret included), and scrub, which
/// cannot look into it either, leaves the file as it is.
#[test]
fn a_compressed_body_that_does_not_decode_is_reported_and_left_alone() {
    use base64::Engine as _;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".flatpeak-release"), "anode\n").unwrap();
    let mut cassette = anode_device();
    let response = &mut cassette["http_interactions"][0]["response"];
    response["headers"]["Content-Encoding"] = serde_json::json!(["br"]);
    let opaque = base64::engine::general_purpose::STANDARD.encode([0x1b, 0x8c, 0xff, 0x00, 0x9a]);
    response["body"] = serde_json::json!({"encoding": "ASCII-8BIT", "base64_string": opaque});
    let path = dir.path().join("device.json");
    let written = cassette.to_string();
    std::fs::write(&path, &written).unwrap();
    let at = dir.path().to_str().unwrap();

    let out = gate_binary(&["--cassettes", at, "--no-waivers"]);
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(
            "error cassette: the response body was recorded with `Content-Encoding: br` and \
             could not be decoded to text"
        ),
        "{shown}"
    );

    let scrub = gate_binary(&["scrub", at]);
    assert_eq!(scrub.status.code(), Some(2), "{}", text(&scrub.stderr));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
}

/// A token used as a JSON field's name is a secret shown only by its fingerprint, in the
/// finding's pointer and in every other finding about that field; scrub replaces the name and
/// keeps the value, and the gate then finds only the undeclared field.
#[test]
fn a_token_used_as_a_field_s_name_is_found_and_renamed() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2lnbmF0dXJlX3hZeg";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".flatpeak-release"), "anode\n").unwrap();
    let mut cassette = anode_device();
    let response = &mut cassette["http_interactions"][0]["response"]["body"]["string"];
    let inner = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMiJ9.aW5uZXJfc2lnbmF0dXJl";
    let body =
        response
            .as_str()
            .unwrap()
            .replacen('{', &format!("{{\"{jwt}\": {{\"{inner}\": 1}},"), 1);
    *response = body.into();
    let (path, before) = failing(dir.path(), "device.json", &cassette);
    let at = dir.path().to_str().unwrap();
    let gate = ["--cassettes", at, "--no-waivers"];
    let shown = text(&before.stdout);
    assert!(
        shown.contains("credential-shaped (a field's name)"),
        "{shown}"
    );
    let listed = gate_binary(&["scrub", at, "--check"]);
    for out in [&shown, &text(&listed.stdout)] {
        assert!(!out.contains("c2lnbmF0dXJl"), "{out}");
    }

    let written = scrubbed(at, &path);
    let body = written["http_interactions"][0]["response"]["body"]["string"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!body.contains(jwt) && !body.contains(inner), "{body}");
    assert!(body.contains("\"live_mode\": true"), "{body}");
    // Both names went in one run: a second has nothing to do.
    let again = gate_binary(&["scrub", at, "--check"]);
    assert!(
        text(&again.stdout).contains("nothing to scrub"),
        "{}",
        text(&again.stdout)
    );

    let after = gate_binary(&gate);
    let shown = text(&after.stdout);
    assert_eq!(after.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("warning undeclared-field at /redacted-"),
        "{shown}"
    );
}

/// Writes `cassette` as `name` in `dir` and runs the gate on `dir`, which must fail (exit 1);
/// the file's path and the run's output.
fn failing(
    dir: &std::path::Path,
    name: &str,
    cassette: &serde_json::Value,
) -> (std::path::PathBuf, std::process::Output) {
    let path = dir.join(name);
    std::fs::write(&path, cassette.to_string()).unwrap();
    let out = gate_binary(&["--cassettes", dir.to_str().unwrap(), "--no-waivers"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    (path, out)
}
