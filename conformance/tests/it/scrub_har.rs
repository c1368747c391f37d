//! What a HAR file keeps beside its exchanges: a URL's fragment, a redirect's URL, page
//! titles, comments, cookies, and form fields recorded without the body's text. The gate
//! reports a secret there by file and place, never by value, and `scrub` replaces it, writing
//! the file whenever it replaced anything. Also: a path the spec does not know is reported
//! with its e-mail and token segments as fingerprints.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::path::{Path, PathBuf};

use conformance::report::{Format, render};
use conformance::{Kind, Report};
use serde_json::{Value, json};

/// A JWT; its signature (`c2lnbmF0dXJl`) must never reach a report.
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2lnbmF0dXJl";

/// A directory holding the bundled `instant.har` (one clean Zero entry, a POST with a JSON
/// body) as `leak.har`, as `edit` leaves it, with its release's marker; and the file's path.
fn har_with(edit: impl FnOnce(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let zero = Path::new("cassettes/zero");
    std::fs::copy(
        zero.join(".flatpeak-release"),
        dir.path().join(".flatpeak-release"),
    )
    .unwrap();
    let text = std::fs::read_to_string(zero.join("costs/instant.har")).unwrap();
    let mut har: Value = serde_json::from_str(&text).unwrap();
    edit(&mut har);
    let path = dir.path().join("leak.har");
    std::fs::write(&path, serde_json::to_string_pretty(&har).unwrap()).unwrap();
    (dir, path)
}

fn gate(dir: &Path) -> Report {
    common::gate(&[dir.to_str().unwrap()], None)
}

/// The secret findings of `report`, as (interaction, pointer).
fn secrets(report: &Report) -> Vec<(Option<usize>, String)> {
    let mut found: Vec<(Option<usize>, String)> = report
        .findings
        .iter()
        .filter(|f| f.kind == Kind::Secret)
        .map(|f| (f.interaction, f.pointer.clone()))
        .collect();
    found.sort();
    found
}

/// Every report format of `report`, for a value that must not be in any.
fn every_format(report: &Report) -> String {
    [Format::Text, Format::Json, Format::Junit, Format::Sarif]
        .into_iter()
        .map(|f| render(report, f))
        .collect()
}

/// Scrubs `dir` (writing); the places it replaced (with their interaction, `None` for a place
/// of the file outside its entries), and whether it wrote `path`.
fn scrub(dir: &Path, path: &Path) -> (Vec<(Option<usize>, String)>, bool) {
    let (releases, default) = common::releases();
    let done = conformance::scrub(&releases, &default, &[dir.into()], false).unwrap();
    let mut places: Vec<(Option<usize>, String)> = done
        .changes
        .iter()
        .map(|c| (c.interaction, c.place.clone()))
        .collect();
    places.sort();
    (places, done.written.iter().any(|w| w == path))
}

fn assert_hidden(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} in: {text}");
    }
}

#[test]
fn secrets_in_a_fragment_redirect_page_title_and_comments_are_flagged_and_scrubbed() {
    let (dir, path) = har_with(|har| {
        let log = &mut har["log"];
        log["comment"] = "exported by jo, key sk_live_4eC39HqLyjWDarjtT1zdp7dc".into();
        log["pages"] = json!([{"startedDateTime": "2026-03-02T11:15:00.000Z", "id": "page_1",
            "title": format!("https://app.example/cb#access_token={JWT}"), "pageTimings": {}}]);
        let entry = &mut log["entries"][0];
        let url = entry["request"]["url"].as_str().unwrap().to_string();
        entry["request"]["url"] = format!("{url}#access_token=t0k3nv4lu3&state=xyz").into();
        entry["request"]["comment"] = "jo@sparks.example".into();
        entry["response"]["redirectURL"] =
            "https://app.example/cb?code=1&access_token=r3d1r3ct".into();
        entry["response"]["comment"] = format!("Bearer {JWT}").into();
        entry["comment"] = "xoxb-123456789-abcdefghij".into();
    });
    let report = gate(dir.path());
    let entry = |p: &str| (Some(0), p.to_string());
    let file = |p: &str| (None, p.to_string());
    assert_eq!(
        secrets(&report),
        [
            file("har:/log/comment"),
            file("har:/log/pages/0/title"),
            entry("fragment:access_token"),
            entry("har:/log/entries/0/comment"),
            entry("har:/log/entries/0/request/comment"),
            entry("har:/log/entries/0/response/comment"),
            entry("har:/log/entries/0/response/redirectURL"),
        ]
    );
    let hidden = [
        "c2lnbmF0dXJl",
        "t0k3nv4lu3",
        "r3d1r3ct",
        "sparks",
        "4eC39",
        "abcdefghij",
    ];
    assert_hidden(&every_format(&report), &hidden);
    let file_name = path.display().to_string();
    assert!(report.findings.iter().all(|f| f.file == file_name));

    let (places, written) = scrub(dir.path(), &path);
    assert!(written);
    assert_eq!(
        places,
        secrets(&report),
        "the same places, the file's without a number"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert_hidden(&text, &hidden);
    assert!(
        text.contains("state=xyz"),
        "the rest of the fragment is kept"
    );
    assert_eq!(secrets(&gate(dir.path())), []);
    assert_eq!(scrub(dir.path(), &path), (Vec::new(), false), "once");
}

#[test]
fn har_cookies_without_cookie_headers_are_flagged_and_scrub_writes_them() {
    let (dir, path) = har_with(|har| {
        let entry = &mut har["log"]["entries"][0];
        entry["request"]["cookies"] = json!([{"name": "session", "value": "s3ss10nv4lu3"}]);
        entry["response"]["cookies"] = json!([{"name": "sid", "value": "n3wc00k13",
            "httpOnly": true}, {"name": "kept", "value": "<redacted>"}]);
    });
    let report = gate(dir.path());
    assert_eq!(
        secrets(&report),
        [
            (
                Some(0),
                "har:/log/entries/0/request/cookies/0/value".to_string()
            ),
            (
                Some(0),
                "har:/log/entries/0/response/cookies/0/value".to_string()
            ),
        ]
    );
    assert_hidden(&every_format(&report), &["s3ss10nv4lu3", "n3wc00k13"]);

    // Nothing else in the file is scrubbed: the cookies alone make scrub write it.
    let (places, written) = scrub(dir.path(), &path);
    assert_eq!(places.len(), 2, "{places:?}");
    assert!(written, "scrub wrote the cookies it replaced");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_hidden(&text, &["s3ss10nv4lu3", "n3wc00k13"]);
    assert_eq!(secrets(&gate(dir.path())), []);
}

#[test]
fn form_fields_recorded_without_the_body_text_are_checked_like_the_body_s_fields() {
    let (dir, path) = har_with(|har| {
        let post = &mut har["log"]["entries"][0]["request"]["postData"];
        *post = json!({"mimeType": "application/x-www-form-urlencoded", "params": [
            {"name": "email", "value": "jo@sparks.example"},
            {"name": "note", "value": JWT},
            {"name": "units", "value": "WH"},
        ]});
    });
    let report = gate(dir.path());
    let at = |i: usize| {
        (
            Some(0),
            format!("har:/log/entries/0/request/postData/params/{i}/value"),
        )
    };
    assert_eq!(secrets(&report), [at(0), at(1)]);
    assert_hidden(&every_format(&report), &["sparks", "c2lnbmF0dXJl"]);
    let others = |r: &Report| -> Vec<(Kind, String)> {
        let kept = r.findings.iter().filter(|f| f.kind != Kind::Secret);
        kept.map(|f| (f.kind, f.pointer.clone())).collect()
    };
    let before = others(&report);

    let (places, written) = scrub(dir.path(), &path);
    assert_eq!(places.len(), 2, "{places:?}");
    assert!(written);
    let scrubbed: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let params = &scrubbed["log"]["entries"][0]["request"]["postData"]["params"];
    assert_hidden(&params.to_string(), &["sparks", "c2lnbmF0dXJl"]);
    assert_eq!(params[2]["value"], "WH");
    let after = gate(dir.path());
    assert_eq!(secrets(&after), []);
    assert_eq!(others(&after), before, "only secret findings go");
}

#[test]
fn an_unknown_path_is_reported_with_its_e_mail_and_token_segments_as_fingerprints() {
    let (dir, _) = har_with(|har| {
        har["log"]["entries"][0]["request"]["url"] =
            format!("https://api.flatpeak.com/users/jo@sparks.example/{JWT}/costs?x=1").into();
    });
    let report = gate(dir.path());
    let route = report.findings.iter().find(|f| f.kind == Kind::Route);
    let route = route.expect("a route finding");
    assert_eq!(
        route.found,
        "POST https://api.flatpeak.com/users/\"jo@s\"… (17 chars)/\"eyJh\"… (54 chars)/costs"
    );
    assert!(
        route.message.contains("/users/\"jo@s\"… (17 chars)/"),
        "{}",
        route.message
    );
    assert_hidden(&every_format(&report), &["sparks", "c2lnbmF0dXJl"]);
}
