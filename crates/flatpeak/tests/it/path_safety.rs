//! Ids that could change the URL (`/`, `..`, `?`, `#`, `%`, whitespace, control characters,
//! non-ASCII) never reach the wire, for either operation that takes an id.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use common::*;
use flatpeak::Error;
use flatpeak::zero::types::Id;
use proptest::prelude::*;
use wiremock::MockServer;
use wiremock::matchers::any;

const HOSTILE_IDS: &[&str] = &[
    // path separators and traversal
    "dev_1/..",
    "dev_1/../../login",
    "..",
    "dev_..",
    "../dev_1",
    "dev_1\\..",
    // query, fragment, escapes
    "dev_1?expand=all",
    "dev_1#frag",
    "dev_1%2F..",
    "dev_%00",
    "dev_1%",
    // whitespace
    "dev_1 ",
    " dev_1",
    "dev_ 1",
    "dev_1\t",
    "dev_1\u{a0}",
    // control characters
    "dev_1\n",
    "dev_1\r\nX-Evil: 1",
    "dev_1\0",
    "dev_1\u{7f}",
    "dev_1\u{1b}[31m",
    // non-ASCII
    "dév_1",
    "dev_é",
    "dev_１",
    "dev_1\u{200b}",
    "dev_1\u{202e}",
    "dev_🔋",
    "ｄｅｖ_1",
    // off the pattern in other ways
    "",
    "dev_",
    "_1",
    "DEV_1",
    "devices_1",
];

#[tokio::test]
async fn hostile_ids_never_reach_the_wire() {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(json(200, DEVICE))
        .expect(0)
        .mount(&server)
        .await;
    let client = bearer(&server.uri()).build().unwrap();
    for &id in HOSTILE_IDS {
        let device = client.retrieve_device().id(id).send().await;
        let err = Error::from(device.unwrap_err());
        assert!(
            matches!(&err, Error::InvalidRequest(m) if m.contains("for id")),
            "{id:?}: {err:?}"
        );
        let status = client.retrieve_location_status().id(id).send().await;
        let err = Error::from(status.unwrap_err());
        assert!(
            matches!(&err, Error::InvalidRequest(m) if m.contains("id")),
            "{id:?}: {err:?}"
        );
    }
    let received = server.received_requests().await.unwrap();
    assert!(
        received.is_empty(),
        "requests reached the server: {received:?}"
    );
}

#[tokio::test]
async fn hostile_ids_do_not_trigger_a_login_either() {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(json(200, &login_body("tok_1", 3600)))
        .expect(0)
        .mount(&server)
        .await;
    let client = account(&server.uri()).build().unwrap();
    for &id in HOSTILE_IDS {
        assert!(client.retrieve_device().id(id).send().await.is_err());
    }
}

proptest! {
    /// Whatever string is offered, an id that is accepted has only the characters the pattern
    /// allows: nothing that could alter a URL.
    #[test]
    fn accepted_ids_hold_only_safe_characters(candidate in "\\PC{0,24}|[a-z]{2,4}_[A-Za-z0-9/.?#% ]{1,8}") {
        if let Ok(id) = Id::try_from(candidate.as_str()) {
            let (prefix, body) = id.split_once('_').unwrap();
            prop_assert!((2..=4).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_lowercase()));
            prop_assert!(!body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
    }

    /// Any id with one forbidden character inserted is refused.
    #[test]
    fn a_forbidden_character_anywhere_is_refused(
        at in 0usize..12,
        bad in prop::sample::select(vec!['/', '.', '?', '#', '%', ' ', '\t', '\n', '\r', '\0', '\u{7f}', 'é', '\u{200b}', '\\']),
    ) {
        let mut id: Vec<char> = "dev_63a6087272".chars().collect();
        id.insert(at.min(id.len()), bad);
        let id: String = id.into_iter().collect();
        prop_assert!(Id::try_from(id.as_str()).is_err(), "{:?} was accepted", id);
    }
}
