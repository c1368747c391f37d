//! `.paginate()` against a wiremock server: the pages are fetched lazily, one after another;
//! every request keeps the caller's filters and `limit` and moves only the cursor; the stream
//! ends after the last page, after an empty page, and after the first error.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use common::*;
use flatpeak::{Error, Paginate as _};
use futures_util::StreamExt as _;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROUTE: &str = "/locations";

/// A page of locations with these ids.
fn locations(ids: &[&str], has_more: bool) -> ResponseTemplate {
    let data = ids.iter().map(|id| location(id)).collect();
    json(200, &page(ROUTE, data, has_more))
}

/// Any request no page was mounted for: there must be none.
async fn no_other_request(server: &MockServer) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404))
        .with_priority(10)
        .expect(0)
        .mount(server)
        .await;
}

/// The query of every request the server received, decoded, in order.
async fn queries(server: &MockServer) -> Vec<Vec<(String, String)>> {
    received(server).await.iter().map(query).collect()
}

/// The ids of the items, or the error, in the order the stream yielded them.
fn ids(results: &[Result<flatpeak::zero::types::Location, Error>]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(location) => location.id.to_string(),
            Err(e) => format!("error: {e}"),
        })
        .collect()
}

#[tokio::test]
async fn three_pages_keep_the_filters_and_limit_and_move_starting_after() {
    let server = MockServer::start().await;
    serve_page(&server, ROUTE, None, locations(&["loc_a1", "loc_a2"], true)).await;
    let second = Some(("starting_after", "loc_a2"));
    serve_page(
        &server,
        ROUTE,
        second,
        locations(&["loc_b1", "loc_b2"], true),
    )
    .await;
    let third = Some(("starting_after", "loc_b2"));
    serve_page(&server, ROUTE, third, locations(&["loc_c1"], false)).await;
    no_other_request(&server).await;
    let client = bearer(&server.uri()).build().unwrap();

    let mut stream = client
        .list_locations()
        .customer_id("cus_1")
        .reference_id("REF 1")
        .limit(2u32)
        .paginate();
    assert!(
        received(&server).await.is_empty(),
        "requested before polled"
    );
    let first_two: Vec<_> = stream.by_ref().take(2).collect().await;
    assert_eq!(ids(&first_two), ["loc_a1", "loc_a2"]);
    assert_eq!(received(&server).await.len(), 1, "a page fetched early");
    let rest: Vec<_> = stream.collect().await;

    assert_eq!(ids(&rest), ["loc_b1", "loc_b2", "loc_c1"]);
    let filters = [
        ("customer_id", "cus_1"),
        ("limit", "2"),
        ("reference_id", "REF 1"),
    ];
    let after = |id| {
        let mut query = pairs(&filters);
        query.push(("starting_after".into(), id));
        query
    };
    assert_eq!(
        queries(&server).await,
        [
            pairs(&filters),
            after("loc_a2".into()),
            after("loc_b2".into())
        ]
    );
}

#[tokio::test]
async fn a_failed_page_is_yielded_after_the_items_before_it_and_ends_the_stream() {
    let server = MockServer::start().await;
    serve_page(&server, ROUTE, None, locations(&["loc_a1", "loc_a2"], true)).await;
    let failing = json(500, &envelope("api_error", "internal", "Oops"));
    serve_page(&server, ROUTE, Some(("starting_after", "loc_a2")), failing).await;
    no_other_request(&server).await;
    let client = bearer(&server.uri()).build().unwrap();

    let mut stream = client.list_locations().limit(2u32).paginate();
    let mut results = Vec::new();
    while let Some(result) = stream.next().await {
        results.push(result);
    }

    assert_eq!(results.len(), 3, "{:?}", ids(&results));
    assert_eq!(ids(&results[..2]), ["loc_a1", "loc_a2"]);
    let err = results.pop().unwrap().unwrap_err();
    assert_eq!(err.api().unwrap().status().as_u16(), 500, "{err:?}");
    // Polled again after its end, it stays ended and asks for nothing.
    assert!(stream.next().await.is_none());
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn an_empty_page_ends_the_stream_even_when_it_says_more_follow() {
    let server = MockServer::start().await;
    serve_page(&server, ROUTE, None, locations(&["loc_a1"], true)).await;
    serve_page(
        &server,
        ROUTE,
        Some(("starting_after", "loc_a1")),
        locations(&[], true),
    )
    .await;
    no_other_request(&server).await;
    let client = bearer(&server.uri()).build().unwrap();

    let results: Vec<_> = client.list_locations().paginate().collect().await;

    assert_eq!(ids(&results), ["loc_a1"]);
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn a_last_page_ends_the_stream_without_another_request() {
    let server = MockServer::start().await;
    serve_page(
        &server,
        ROUTE,
        None,
        locations(&["loc_a1", "loc_a2"], false),
    )
    .await;
    no_other_request(&server).await;
    let client = bearer(&server.uri()).build().unwrap();

    let results: Vec<_> = client.list_locations().paginate().collect().await;

    assert_eq!(ids(&results), ["loc_a1", "loc_a2"]);
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn paging_backwards_moves_ending_before_to_each_pages_first_item() {
    let server = MockServer::start().await;
    let first = Some(("ending_before", "loc_z"));
    serve_page(
        &server,
        ROUTE,
        first,
        locations(&["loc_c1", "loc_c2"], true),
    )
    .await;
    let second = Some(("ending_before", "loc_c1"));
    serve_page(
        &server,
        ROUTE,
        second,
        locations(&["loc_b1", "loc_b2"], false),
    )
    .await;
    no_other_request(&server).await;
    let client = bearer(&server.uri()).build().unwrap();

    let results: Vec<_> = client
        .list_locations()
        .ending_before("loc_z")
        .limit(2u32)
        .paginate()
        .collect()
        .await;

    assert_eq!(ids(&results), ["loc_c1", "loc_c2", "loc_b1", "loc_b2"]);
    assert_eq!(
        queries(&server).await,
        [
            pairs(&[("ending_before", "loc_z"), ("limit", "2")]),
            pairs(&[("ending_before", "loc_c1"), ("limit", "2")]),
        ]
    );
}

#[tokio::test]
async fn a_server_that_repeats_a_page_ends_the_stream_with_an_error_not_a_loop() {
    let server = MockServer::start().await;
    serve_page(&server, ROUTE, None, locations(&["loc_a1", "loc_a2"], true)).await;
    // Ignoring the cursor: the same page again, still saying more follow.
    serve_page(
        &server,
        ROUTE,
        Some(("starting_after", "loc_a2")),
        locations(&["loc_a1", "loc_a2"], true),
    )
    .await;
    no_other_request(&server).await;
    let client = bearer(&server.uri()).build().unwrap();

    let results: Vec<_> = client.list_locations().paginate().collect().await;

    assert_eq!(ids(&results[..2]), ["loc_a1", "loc_a2"]);
    assert_eq!(results.len(), 3);
    assert!(
        matches!(results.last(), Some(Err(Error::RepeatedPage { cursor })) if cursor == "loc_a2"),
        "{:?}",
        results.last()
    );
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn pages_in_a_cycle_end_the_stream_with_an_error_not_a_loop() {
    let server = MockServer::start().await;
    serve_page(&server, ROUTE, None, locations(&["loc_a1", "loc_a2"], true)).await;
    serve_page(
        &server,
        ROUTE,
        Some(("starting_after", "loc_a2")),
        locations(&["loc_b1", "loc_b2"], true),
    )
    .await;
    // After the second page, the first again: each page differs from the one before it.
    serve_page(
        &server,
        ROUTE,
        Some(("starting_after", "loc_b2")),
        locations(&["loc_a1", "loc_a2"], true),
    )
    .await;
    no_other_request(&server).await;
    let client = bearer(&server.uri()).build().unwrap();

    let results: Vec<_> = client.list_locations().paginate().collect().await;

    assert_eq!(ids(&results[..4]), ["loc_a1", "loc_a2", "loc_b1", "loc_b2"]);
    assert_eq!(results.len(), 5);
    assert!(
        matches!(results.last(), Some(Err(Error::RepeatedPage { cursor })) if cursor == "loc_a2"),
        "{:?}",
        results.last()
    );
    assert_eq!(received(&server).await.len(), 3);
}
