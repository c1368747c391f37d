//! A webhook endpoint with axum: verifies each delivery, answers at once, and handles the
//! event in a background task, once per event id.
//!
//! ```sh
//! # Flatpeak's keys, fetched from its JWKS URL; listens on 127.0.0.1:3000/webhooks/flatpeak
//! cargo run -p flatpeak --example webhook_receiver --features webhook
//! # keys from a file (a test signer's JWKS), a two-minute tolerance, another address
//! FLATPEAK_JWKS_FILE=jwks.json FLATPEAK_WEBHOOK_TOLERANCE=120 \
//!   FLATPEAK_WEBHOOK_ADDR=0.0.0.0:8080 cargo run -p flatpeak --example webhook_receiver --features webhook
//! ```
//!
//! Settings (environment): `FLATPEAK_JWKS_URL` (default Flatpeak's), or `FLATPEAK_JWKS_FILE`
//! for a fixed key set; `FLATPEAK_WEBHOOK_TOLERANCE` in seconds (default 300);
//! `FLATPEAK_WEBHOOK_ADDR` (default `127.0.0.1:3000`).
//!
//! How Flatpeak delivers, and why the handler is shaped this way: Flatpeak waits 10 seconds
//! for an answer; without a `2xx` it tries again at once, then after 30 seconds, 1 hour, 6, 12
//! and 24 hours. So the handler does only what must happen before answering (verify, remember
//! the id, enqueue) and answers `200`; the work happens in a task. A retry repeats the event
//! id, so a delivery whose id was already taken is answered `200` and not handled again.

use std::collections::{HashSet, VecDeque};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use flatpeak::webhook::{
    DEFAULT_MAX_DELIVERY_BYTES, Error, Event, EventType, KeySet, KeySource, RemoteKeys, Verifier,
};
use tokio::sync::mpsc;

/// How many event ids are remembered for deduplication.
const REMEMBERED_IDS: usize = 10_000;
/// How many verified events may wait for the worker before deliveries are turned away.
const QUEUE: usize = 1_000;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let tolerance = match std::env::var("FLATPEAK_WEBHOOK_TOLERANCE") {
        Ok(seconds) => Duration::from_secs(seconds.parse()?),
        Err(_) => flatpeak::webhook::DEFAULT_TOLERANCE,
    };
    let verifier = Verifier::builder(keys().await?)
        .tolerance(tolerance)
        .build();
    let (queue, events) = mpsc::channel(QUEUE);
    tokio::spawn(work(events));
    let state = Arc::new(Receiver {
        verifier,
        seen: Mutex::new(RecentIds::default()),
        queue,
    });
    let app = Router::new()
        .route("/webhooks/flatpeak", post(receive))
        // axum stops reading a body over the limit (answering 413) before it is all in memory.
        .layer(DefaultBodyLimit::max(DEFAULT_MAX_DELIVERY_BYTES))
        .with_state(state);
    let addr = std::env::var("FLATPEAK_WEBHOOK_ADDR").unwrap_or("127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!("listening on http://{addr}/webhooks/flatpeak");
    axum::serve(listener, app).await?;
    Ok(())
}

/// The keys: a JWKS file when `FLATPEAK_JWKS_FILE` is set, else Flatpeak's (or
/// `FLATPEAK_JWKS_URL`'s), fetched now so that a problem shows at start-up.
async fn keys() -> Result<KeySource, Box<dyn std::error::Error>> {
    if let Ok(file) = std::env::var("FLATPEAK_JWKS_FILE") {
        let keys = KeySet::from_jwks_json(std::fs::read(&file)?)?;
        return Ok(keys.into());
    }
    let mut remote = RemoteKeys::builder();
    if let Ok(url) = std::env::var("FLATPEAK_JWKS_URL") {
        remote = remote.url(url);
    }
    let remote = remote.build()?;
    // Not fatal: deliveries fetch the keys again (at most once per refetch interval), and get
    // a 503 meanwhile, which Flatpeak retries.
    if let Err(e) = remote.refresh().await {
        tracing::warn!("cannot fetch the keys yet: {e}");
    }
    Ok(remote.into())
}

/// What every request shares.
struct Receiver {
    verifier: Verifier,
    seen: Mutex<RecentIds>,
    queue: mpsc::Sender<Event>,
}

/// One delivery: verify, deduplicate, enqueue, answer.
async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let event = match receiver.verifier.verify(&headers, &body).await {
        Ok(event) => event,
        Err(refused) => return refusal(&refused),
    };
    let id = event.id().to_string();
    if !lock(&receiver.seen).insert(&id) {
        // A retry of an event already taken (our earlier answer was lost or late).
        return StatusCode::OK;
    }
    match receiver.queue.try_send(event) {
        Ok(()) => StatusCode::OK,
        Err(_) => {
            // The worker is behind: forget the id so that Flatpeak's retry is taken.
            lock(&receiver.seen).forget(&id);
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// The answer to a refused delivery. Error messages name the header or key at fault and never
/// quote the body, so they can be logged.
fn refusal(refused: &Error) -> StatusCode {
    tracing::warn!("refused a webhook delivery: {refused}");
    match refused {
        // Keys not fetched yet, or a key id not seen yet: a retry may succeed.
        e if e.is_retryable() => StatusCode::SERVICE_UNAVAILABLE,
        Error::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        // Forged, altered or replayed. (If Flatpeak's retries of a delivery arrive with their
        // first attempt's timestamp, a late retry is refused here as stale: widen the
        // tolerance if the log shows that.)
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The work, one event at a time, after the answer was sent. Here it only logs; a real
/// handler re-fetches prices, prompts the customer, and so on.
async fn work(mut events: mpsc::Receiver<Event>) {
    while let Some(event) = events.recv().await {
        let action = match event.event_type() {
            EventType::LocationUpdate => "re-fetch the location's prices",
            EventType::TariffExpiring | EventType::TariffExpired | EventType::TariffFetchFailed => {
                "ask the customer to update their tariff"
            }
            EventType::TariffConnectionUpgrade => "offer the customer a better connection",
            EventType::Unknown(_) => "nothing: a type this code does not know",
            _ => "nothing",
        };
        // `data` has the shape of the release in `flatpeak_version()`: decode it with that
        // release's types (`event.data_as::<T>()`).
        tracing::info!(
            id = event.id(),
            kind = %event.object_kind(),
            version = event.flatpeak_version(),
            "{}: {action}",
            event.event_type()
        );
    }
}

/// The ids of the latest events, bounded: the oldest is forgotten when a new one comes.
///
/// In memory, so it forgets on restart and is not shared between instances. In production,
/// deduplicate in the store the work writes to: a unique constraint on the event id, or a
/// key with an expiry longer than Flatpeak's retry schedule (a little over 43 hours from the
/// first attempt to the last), set only if absent.
#[derive(Default)]
struct RecentIds {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl RecentIds {
    /// Remembers `id`; false when it was already remembered.
    fn insert(&mut self, id: &str) -> bool {
        if !self.ids.insert(id.to_string()) {
            return false;
        }
        self.order.push_back(id.to_string());
        if self.order.len() > REMEMBERED_IDS
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        true
    }

    /// Forgets `id`.
    fn forget(&mut self, id: &str) {
        self.ids.remove(id);
        self.order.retain(|kept| kept != id);
    }
}

/// The lock, also after a panic elsewhere while it was held (the set stays consistent: each
/// change is one call).
fn lock(seen: &Mutex<RecentIds>) -> std::sync::MutexGuard<'_, RecentIds> {
    seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
