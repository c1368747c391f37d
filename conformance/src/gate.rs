//! One run of the gate: load, then examine every interaction (route, checks, replay) on a
//! pool of replayers, then waive and count.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use tokio::sync::oneshot;

use crate::RunError;
use crate::cassette;
use crate::checks::{self, BodyCheck};
use crate::model::{Finding, Interaction, Kind, Replayed, Report, Severity, Site, Summary};
use crate::replay::{Faults, Replayer, Replayers};
use crate::route;
use crate::schema::Schemas;
use crate::spec::Spec;
use crate::waivers::Waivers;

/// What to check against what.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directories searched recursively for cassettes.
    pub cassettes: Vec<PathBuf>,
    /// The OpenAPI 3.0 spec.
    pub spec: PathBuf,
    /// `waivers.toml`, if any.
    pub waivers: Option<PathBuf>,
    /// The day waiver expiry is judged against.
    pub today: NaiveDate,
    /// Interactions replayed at once: one replayer each, with a thread of its own and a
    /// wiremock server.
    pub concurrency: usize,
    /// Whether [`Report::interactions`] keeps the value the client made of each response,
    /// serialised back to JSON ([`Outcome::Value`](crate::Outcome::Value) and
    /// [`Outcome::ApiError`](crate::Outcome::ApiError)). No report format prints these
    /// values and no check needs them; they are for tests and tools that look at what the
    /// client read. The command line turns this off.
    pub keep_values: bool,
}

impl Config {
    /// Checks `cassettes` against `spec`, without waivers, as of today, with one replayer per
    /// core (1 to 32), keeping the client's values.
    ///
    /// Why so few: a replayer and its server are two threads, and a replay is CPU work on both
    /// sides of a loopback socket, not a wait. On 2 cores, 3 or 4 replayers checked 10,000
    /// responses no faster than 2 (`BENCHMARKS.md`, row 3).
    pub fn new(cassettes: Vec<PathBuf>, spec: PathBuf) -> Config {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Config {
            cassettes,
            spec,
            waivers: None,
            today: chrono::Utc::now().date_naive(),
            concurrency: cores.clamp(1, 32),
            keep_values: true,
        }
    }
}

/// What the replayers share, read-only.
struct Context {
    spec: Spec,
    schemas: Schemas,
    interactions: Vec<Interaction>,
}

/// One interaction, examined.
struct Examined {
    replayed: Replayed,
    findings: Vec<Finding>,
    checks: usize,
    /// Time in the checks (synchronous code, so time on a core).
    validating: Duration,
    /// Time from serving the response to the client's answer (waits included).
    replaying: Duration,
}

/// How long a run spent where: `conformance --timings` prints it. Kept out of [`Report`], which
/// stays the same from run to run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Reading the spec and compiling its schemas, reading the waivers, and building the
    /// replay client: at the same time as the cassettes are read.
    pub spec: Duration,
    /// Reading the cassettes.
    pub cassettes: Duration,
    /// Examining every interaction, wall time.
    pub examine: Duration,
    /// Summed over interactions: the checks (route, status, content type, JSON, schema, enum
    /// values, undeclared fields, client against schema). Synchronous work: core time.
    pub validating: Duration,
    /// Summed over interactions: serving the response and calling the client, wall time of
    /// each; replays run concurrently, so the sum exceeds the wall time they took.
    pub replaying: Duration,
    /// Sorting, waiving and counting the findings.
    pub finish: Duration,
    /// The whole run.
    pub total: Duration,
    /// Interactions examined.
    pub interactions: usize,
    /// Replayers (wiremock server and client pairs) run at once.
    pub replayers: usize,
}

/// Runs the gate. `Err` when it could not run; a report that ran zero checks is returned as
/// is, and [`Report::conforms`] is false for it.
///
/// Any tokio runtime will do, a single-threaded one included: the replayers run on threads of
/// their own, each with a runtime of its own, and this future waits for them. It blocks its
/// thread while it reads the spec and the cassettes.
pub async fn run(config: &Config) -> Result<Report, RunError> {
    run_timed(config).await.map(|(report, _)| report)
}

/// [`run`], and how long each stage took.
pub async fn run_timed(config: &Config) -> Result<(Report, Timings), RunError> {
    let started = Instant::now();
    // The spec and the cassettes do not depend on each other: both are read at once.
    let (prepared, (loaded, cassettes_took)) = std::thread::scope(|scope| {
        let cassettes = scope.spawn(|| {
            let at = Instant::now();
            (cassette::load(&config.cassettes), at.elapsed())
        });
        let prepared = Prepared::load(config);
        let read = cassettes
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (prepared, read)
    });
    let prepared = prepared?;
    let loaded = loaded?;
    let mut timings = Timings {
        spec: prepared.took,
        cassettes: cassettes_took,
        ..Timings::default()
    };
    let waivers = prepared.waivers;
    let context = Arc::new(Context {
        spec: prepared.spec,
        schemas: prepared.schemas,
        interactions: loaded.interactions,
    });
    let at = Instant::now();
    let lanes = replayers(config.concurrency, context.interactions.len());
    let examined = examine_all(Arc::clone(&context), prepared.replayers, lanes).await?;
    timings.examine = at.elapsed();
    timings.replayers = lanes;
    timings.interactions = examined.len();
    let at = Instant::now();
    let mut report = Report {
        summary: Summary {
            files: loaded.files,
            interactions: examined.len(),
            checks: examined.iter().map(|e| e.checks).sum(),
            ..Summary::default()
        },
        findings: loaded.findings,
        interactions: Vec::with_capacity(examined.len()),
    };
    for e in examined {
        timings.validating += e.validating;
        timings.replaying += e.replaying;
        report.findings.extend(e.findings);
        report.interactions.push(e.replayed);
    }
    // Stable: within an interaction, findings keep the order the checks produced them in.
    report
        .findings
        .sort_by(|a, b| (&a.file, a.interaction).cmp(&(&b.file, b.interaction)));
    if let Some(waivers) = waivers {
        let notes = waivers.apply(&mut report.findings, config.today);
        report.findings.extend(notes);
    }
    report.recount();
    timings.finish = at.elapsed();
    timings.total = started.elapsed();
    Ok((report, timings))
}

/// What a run needs besides the cassettes.
struct Prepared {
    spec: Spec,
    schemas: Schemas,
    waivers: Option<Waivers>,
    replayers: Replayers,
    /// How long it took to have all this.
    took: Duration,
}

impl Prepared {
    fn load(config: &Config) -> Result<Prepared, RunError> {
        let started = Instant::now();
        let spec = crate::spec::load(&config.spec)?;
        let schemas = Schemas::compile(&spec)?;
        let waivers = config.waivers.as_deref().map(Waivers::load).transpose()?;
        let replayers = Replayers::new(&spec.base_path, config.keep_values)?;
        Ok(Prepared {
            spec,
            schemas,
            waivers,
            replayers,
            took: started.elapsed(),
        })
    }
}

/// Replayers to start: `concurrency`, but at least one and no more than there is work for.
fn replayers(concurrency: usize, interactions: usize) -> usize {
    concurrency.clamp(1, interactions.max(1))
}

/// Examines every interaction on `lanes` replayers; results come back in input order.
///
/// Each replayer runs on a thread of its own, in a single-threaded runtime, beside its wiremock
/// server's thread. A replay is a ping-pong between those two threads; on a multi-threaded
/// runtime, whose workers steal each other's tasks, the same work took about a sixth longer
/// (`BENCHMARKS.md`, row 3).
async fn examine_all(
    context: Arc<Context>,
    replayers: Replayers,
    lanes: usize,
) -> Result<Vec<Examined>, RunError> {
    let queue = Arc::new(Queue::default());
    // However this function ends (an error, or its future dropped), the lanes stop taking work.
    let _close = CloseOnDrop(Arc::clone(&queue));
    let mut finishing = Vec::with_capacity(lanes);
    for number in 0..lanes {
        let lane = Lane {
            context: Arc::clone(&context),
            replayers: replayers.clone(),
            queue: Arc::clone(&queue),
        };
        let (done, finished) = oneshot::channel();
        std::thread::Builder::new()
            .name(format!("replay-{number}"))
            .spawn(move || {
                // The receiver is gone only when the run already failed.
                let _ = done.send(lane.run());
            })
            .map_err(|e| RunError::new(format!("cannot start a replay thread: {e}")))?;
        finishing.push(finished);
    }
    let mut all = Vec::with_capacity(context.interactions.len());
    for finished in finishing {
        let done = finished.await.map_err(|_| {
            RunError::new("a replay thread stopped before it finished (it panicked)")
        })??;
        all.extend(done);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, e)| e).collect())
}

/// The interactions no lane has taken yet, by index, shared by every lane.
#[derive(Debug, Default)]
struct Queue {
    next: AtomicUsize,
    closed: AtomicBool,
}

impl Queue {
    /// The next interaction of `all` no lane has taken, with its index; `None` when every one
    /// is taken or the queue is closed.
    fn take<'a>(&self, all: &'a [Interaction]) -> Option<(usize, &'a Interaction)> {
        if self.closed.load(Ordering::Relaxed) {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        all.get(i).map(|it| (i, it))
    }
}

/// Closes the queue when dropped.
struct CloseOnDrop(Arc<Queue>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.closed.store(true, Ordering::Relaxed);
    }
}

/// One replayer's share of the run: it takes the next interaction until none is left.
struct Lane {
    context: Arc<Context>,
    replayers: Replayers,
    queue: Arc<Queue>,
}

impl Lane {
    /// Runs on the calling thread, in a runtime of its own; returns what it examined, with
    /// each interaction's index. Its server starts with its first interaction: a lane left
    /// without work starts none.
    fn run(self) -> Result<Vec<(usize, Examined)>, RunError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RunError::new(format!("cannot start a replay runtime: {e}")))?;
        let all = &self.context.interactions;
        Ok(runtime.block_on(async {
            let mut taken = self.queue.take(all);
            if taken.is_none() {
                return Vec::new();
            }
            let replayer = self.replayers.start().await;
            let mut done = Vec::new();
            while let Some((i, interaction)) = taken {
                done.push((i, examine(&self.context, &replayer, interaction).await));
                taken = self.queue.take(all);
            }
            done
        }))
    }
}

/// What the `request` check found wrong, by place, for the replay not to report again.
fn faults(findings: &[Finding]) -> Faults {
    let mut faults = Faults::default();
    for f in findings
        .iter()
        .filter(|f| f.kind == Kind::Request && f.severity == Severity::Error)
    {
        match f.pointer.split_once(':') {
            Some(_) => {
                faults.parameters.insert(f.pointer.clone());
            }
            None => faults.body = true,
        }
    }
    faults
}

/// Every check on one interaction, in order: route, request, status, content type, body
/// (JSON, schema, enum values), undeclared fields, replay, client.
async fn examine(context: &Context, replayer: &Replayer, it: &Interaction) -> Examined {
    let started = Instant::now();
    let mut replayed = Replayed {
        file: it.file.clone(),
        interaction: it.index,
        method: it.request.method.clone(),
        path: it.request.url.clone(),
        status: it.response.status,
        operation: None,
        outcome: None,
    };
    let unrouted = Site {
        interaction: it,
        operation: None,
    };
    let route = match route::route(&context.spec, &it.request.method, &it.request.url) {
        Ok(route) => route,
        Err(why) => {
            let finding = Finding::at(unrouted, Kind::Route, "")
                .expected(
                    "a method and path of the spec",
                    format!("{} {}", it.request.method, it.request.url),
                )
                .message(why);
            return Examined {
                replayed,
                findings: vec![finding],
                checks: 1,
                validating: started.elapsed(),
                replaying: Duration::ZERO,
            };
        }
    };
    replayed.path = route.path.clone();
    replayed.operation = Some(route.operation.id.clone());
    let site = Site {
        interaction: it,
        operation: Some(&route.operation.id),
    };
    let mut findings = checks::request(
        site,
        route.operation,
        &route,
        &it.request,
        &context.schemas,
        &context.spec.document,
    );
    let faults = faults(&findings);
    let (documented, found) = checks::status(site, route.operation, it.response.status);
    findings.extend(found);
    let mut checks = 3;
    let mut body = BodyCheck::default();
    if let Some(documented) = documented {
        let (media, found) = checks::content_type(site, documented, &it.response);
        findings.extend(found);
        body = checks::body(site, media, &it.response, &context.schemas);
        findings.append(&mut body.findings);
        if let Some(json) = &body.json {
            findings.extend(checks::undeclared(site, &context.schemas, media, json));
        }
        checks += 3;
    }
    let mut validating = started.elapsed();
    let replay_started = Instant::now();
    let (outcome, found) = replayer
        .replay(site, it, &route, &faults, &context.schemas)
        .await;
    let replaying = replay_started.elapsed();
    let compare_started = Instant::now();
    findings.extend(found);
    checks += 1;
    if let Some(outcome) = &outcome {
        let request_faulty = faults != Faults::default();
        findings.extend(checks::client(
            site,
            outcome,
            &body,
            documented.is_some(),
            request_faulty,
        ));
        checks += 1;
    }
    replayed.outcome = outcome;
    validating += compare_started.elapsed();
    Examined {
        replayed,
        findings,
        checks,
        validating,
        replaying,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_hands_each_interaction_out_once_until_the_run_stops_waiting() {
        let all: Vec<Interaction> = (0..3).map(Interaction::sample).collect();
        let queue = Arc::new(Queue::default());
        let took = |queue: &Queue| queue.take(&all).map(|(i, it)| (i, it.index));
        assert_eq!(took(&queue), Some((0, 0)));
        assert_eq!(took(&queue), Some((1, 1)));
        drop(CloseOnDrop(Arc::clone(&queue)));
        assert_eq!(took(&queue), None, "closed with one left");

        let drained = Queue::default();
        assert_eq!(took(&drained).map(|(i, _)| i), Some(0));
        drained.next.store(3, Ordering::Relaxed);
        assert_eq!(took(&drained), None, "all taken");
    }
}
