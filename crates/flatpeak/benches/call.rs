//! One `retrieve_device` call against a local server on loopback, against a hand-written
//! `reqwest` GET plus `serde_json::from_slice` on the same server.
//!
//! The comparison is kept fair: both sides send the same request (method, path, `Accept`,
//! `Authorization`, `User-Agent`, `Flatpeak-Version`: checked at start-up against a recording
//! server), build the URL from the base URL and the id on every call, use a `reqwest::Client`
//! configured alike (timeouts, no redirects), read the same body and decode it into the same
//! type, `flatpeak::zero::types::Device`. What remains is what the client adds: the id check,
//! the hooks (auth, retry policy, body limit, tracing span) and progenitor's builder.
//! The server does not record requests, so it does the same small work for both. The client
//! runs on a current-thread runtime, the server on a thread of its own: one core each, the
//! steadiest set-up on a small machine.
//!
//! Besides criterion's two measurements, which run one after the other and so see a shared
//! machine's drift between them, a paired measurement alternates blocks of calls of each kind
//! and prints the median of the per-round ratios. Which kind goes first alternates from one
//! round to the next, and on this machine the order alone moves a round's ratio by several
//! percent, so the number to quote is the order-balanced one: the median, over each two
//! consecutive rounds (one of each order), of the geometric mean of their two ratios. The
//! medians of each order are printed beside it.
//!
//! `cargo bench -p flatpeak --bench call` (`-- paired` for the paired measurement alone)
//!
//! A wall-clock ratio on a shared machine moves by several percent from run to run; the count
//! of instructions does not. For it, the paired measurement can run one kind of call alone
//! (`FLATPEAK_BENCH_ONLY=generated` or `hand_written`) and fewer rounds
//! (`FLATPEAK_BENCH_ROUNDS`), under `valgrind --tool=callgrind`: both runs make the same
//! server, clients and number of calls, so the difference of their totals, divided by the
//! calls, is what the generated client adds to one (BENCHMARKS.md, row 2).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that fails should stop loudly

use std::time::{Duration, Instant};

mod common;

use criterion::{Criterion, criterion_group};
use std::hint::black_box;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEVICE: &[u8] = include_bytes!("../tests/fixtures/device.json");
const ID: &str = "dev_63a6087272941ef077a8fd3e";
const TOKEN: &str = "bench-token";
/// What `ClientBuilder` sends by default.
const USER_AGENT: &str = concat!("flatpeak-rust/", env!("CARGO_PKG_VERSION"));

async fn device_server(record: bool) -> MockServer {
    let builder = MockServer::builder();
    let builder = if record {
        builder
    } else {
        builder.disable_request_recording()
    };
    let server = builder.start().await;
    Mock::given(method("GET"))
        .and(path(format!("/devices/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(DEVICE, "application/json"))
        .mount(&server)
        .await;
    server
}

fn generated(base_url: &str) -> flatpeak::zero::Client {
    flatpeak::zero::Client::builder()
        .bearer_token(TOKEN)
        .base_url(base_url)
        .build()
        .unwrap()
}

/// A `reqwest::Client` set up as `ClientBuilder::build` sets up its own.
fn hand_written_http() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET {base_url}/devices/{id}` as a hand-written client would make it: the URL is built for
/// each call from the id it is given, as the generated client builds it.
async fn hand_written(
    http: &reqwest::Client,
    base_url: &str,
    id: &str,
) -> flatpeak::zero::types::Device {
    let response = http
        .get(format!("{base_url}/devices/{id}"))
        .bearer_auth(TOKEN)
        .header("accept", "application/json")
        // The release the client is pinned to, which it sends on every request.
        .header("flatpeak-version", "2024-08-24.zero")
        .send()
        .await
        .unwrap();
    let bytes = response.bytes().await.unwrap();
    serde_json::from_slice::<flatpeak::zero::types::Device>(&bytes).unwrap()
}

/// Both sides must send the same request, header for header.
async fn assert_same_requests() {
    let server = device_server(true).await;
    generated(&server.uri())
        .retrieve_device()
        .id(ID)
        .send()
        .await
        .unwrap();
    hand_written(&hand_written_http(), &server.uri(), ID).await;
    let requests = server.received_requests().await.unwrap();
    let shown = |r: &wiremock::Request| {
        let mut headers: Vec<String> = r
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("?")))
            .collect();
        headers.sort();
        format!("{} {} {headers:?}", r.method, r.url.path())
    };
    assert_eq!(requests.len(), 2);
    assert_eq!(shown(&requests[0]), shown(&requests[1]), "requests differ");
}

fn call(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(assert_same_requests());
    let server = rt.block_on(device_server(false));
    let client = generated(&server.uri());
    let http = hand_written_http();
    let base_url = server.uri();

    let mut group = c.benchmark_group("retrieve_device");
    group.bench_function("generated_client", |b| {
        b.to_async(&rt).iter(|| async {
            let device = client.retrieve_device().id(ID).send().await.unwrap();
            black_box(device.into_inner())
        })
    });
    group.bench_function("hand_written_reqwest", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(hand_written(&http, &base_url, ID).await) })
    });
    group.finish();
    drop(server);
}

/// Rounds of the paired measurement, and calls of each kind per round.
const ROUNDS: usize = 60;
const CALLS: usize = 200;

/// Alternates blocks of `CALLS` calls of each kind (which goes first alternates too) and
/// prints the mean time per call of each, the median of the per-round ratios, the median of
/// each order's ratios, and the order-balanced median (see the module's doc).
fn paired() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = device_server(false).await;
        let client = generated(&server.uri());
        let http = hand_written_http();
        let base_url = server.uri();
        // Each kept round's ratio, in round order (so that rounds 2k and 2k+1 differ in order).
        let (mut ratios, mut total) = (Vec::new(), [Duration::ZERO; 2]);
        let rounds = env_rounds().unwrap_or(ROUNDS);
        let only = env_only();
        for round in 0..rounds + 5 {
            let mut took = [Duration::ZERO; 2];
            for turn in 0..2 {
                let which = only.unwrap_or((turn + round) % 2);
                let started = Instant::now();
                for _ in 0..CALLS {
                    if which == 0 {
                        let device = client.retrieve_device().id(ID).send().await.unwrap();
                        black_box(device.into_inner());
                    } else {
                        black_box(hand_written(&http, &base_url, ID).await);
                    }
                }
                took[which] = started.elapsed();
            }
            // The first rounds warm up connections and caches.
            if round >= 5 {
                ratios.push(took[0].as_secs_f64() / took[1].as_secs_f64());
                total[0] += took[0];
                total[1] += took[1];
            }
        }
        // Round 5 (the first kept) has the generated client second: `round % 2 == 1`.
        let second: Vec<f64> = ratios.iter().copied().step_by(2).collect();
        let first: Vec<f64> = ratios.iter().copied().skip(1).step_by(2).collect();
        let balanced: Vec<f64> = ratios
            .chunks_exact(2)
            .map(|pair| (pair[0] * pair[1]).sqrt())
            .collect();
        let per_call = |d: Duration| d.as_secs_f64() * 1e6 / (rounds * CALLS) as f64;
        println!(
            "retrieve_device/paired: generated_client {:.2} us, hand_written_reqwest {:.2} us, \
             median ratio {:.3}, order-balanced median ratio {:.3} (generated first {:.3}, \
             second {:.3}) ({rounds} rounds of {CALLS} calls each)",
            per_call(total[0]),
            per_call(total[1]),
            median(ratios),
            median(balanced),
            median(first),
            median(second),
        );
    });
}

/// `FLATPEAK_BENCH_ROUNDS`: how many rounds to keep, in place of [`ROUNDS`].
fn env_rounds() -> Option<usize> {
    let rounds = std::env::var("FLATPEAK_BENCH_ROUNDS").ok()?;
    Some(rounds.parse().expect("FLATPEAK_BENCH_ROUNDS is a number"))
}

/// `FLATPEAK_BENCH_ONLY`: the one kind of call to make in every turn (0 generated, 1
/// hand-written), for counting instructions; the ratios it prints then mean nothing.
fn env_only() -> Option<usize> {
    match std::env::var("FLATPEAK_BENCH_ONLY").ok()?.as_str() {
        "generated" => Some(0),
        "hand_written" => Some(1),
        other => panic!("FLATPEAK_BENCH_ONLY is `generated` or `hand_written`, not `{other}`"),
    }
}

/// The median of `values` (the upper one of an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

criterion_group!(benches, call);

fn main() {
    common::main(benches, paired);
}
