//! One `retrieve_device` call against a local server on loopback, against a hand-written
//! `reqwest` GET plus `serde_json::from_slice` on the same server.
//!
//! `cargo bench -p flatpeak --bench call`
#![allow(clippy::unwrap_used)] // a benchmark that fails should stop loudly

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEVICE: &[u8] = include_bytes!("../tests/fixtures/device.json");
const ID: &str = "dev_63a6087272941ef077a8fd3e";

fn call(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(format!("/devices/{ID}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(DEVICE, "application/json"))
            .mount(&server)
            .await;
        server
    });
    let client = flatpeak::Client::builder()
        .bearer_token("bench-token")
        .base_url(server.uri())
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/devices/{ID}", server.uri());

    let mut group = c.benchmark_group("retrieve_device");
    group.bench_function("generated_client", |b| {
        b.to_async(&rt).iter(|| async {
            let device = client.retrieve_device().device_id(ID).send().await.unwrap();
            black_box(device.into_inner())
        })
    });
    group.bench_function("hand_written_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let response = http
                .get(&url)
                .bearer_auth("bench-token")
                .header("accept", "application/json")
                .send()
                .await
                .unwrap();
            let bytes = response.bytes().await.unwrap();
            black_box(serde_json::from_slice::<flatpeak::types::Device>(&bytes).unwrap())
        })
    });
    group.finish();
    drop(server);
}

criterion_group!(benches, call);
criterion_main!(benches);
