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
use crate::coverage::{Requirement, Tally};
use crate::model::{
    Finding, Interaction, Kind, Outcome, Replayed, Report, Severity, Site, Summary, bounded,
};
use crate::releases::{Checked, Chosen, Release, Releases};
use crate::replay::{Faults, Replayer, Replayers};
use crate::route;
use crate::schema::EnumHit;
use crate::secrets::{self, View};
use crate::waivers::Waivers;

/// What to check against what.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directories searched recursively for cassettes.
    pub cassettes: Vec<PathBuf>,
    /// The releases and their specs: each recording is checked against the release that
    /// served it (see [`Release`]).
    pub releases: Vec<Release>,
    /// The release a recording is checked against when it names none (no `flatpeak-version`
    /// on its response, no `Flatpeak-Version` on its request).
    pub default_release: String,
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
    /// Hosts whose traffic is the API's besides those of the spec's `servers` (an
    /// interaction with another host is still the API's when its method and path match an
    /// operation; the rest is skipped and counted, but for the `secret` check).
    pub hosts: Vec<String>,
    /// What the recordings must exercise: a gap is a `coverage` error.
    pub require_coverage: Option<Requirement>,
}

impl Config {
    /// Checks `cassettes` against `releases` (`default_release` for recordings that name none),
    /// without waivers, as of today, with one replayer per core (1 to 32), keeping the
    /// client's values.
    ///
    /// Why so few: a replayer and its server are two threads, and a replay is CPU work on both
    /// sides of a loopback socket, not a wait. On 2 cores, 3 or 4 replayers checked 10,000
    /// responses no faster than 2 (`BENCHMARKS.md`, row 3).
    pub fn new(
        cassettes: Vec<PathBuf>,
        releases: Vec<Release>,
        default_release: impl Into<String>,
    ) -> Config {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Config {
            cassettes,
            releases,
            default_release: default_release.into(),
            waivers: None,
            today: chrono::Utc::now().date_naive(),
            concurrency: cores.clamp(1, 32),
            keep_values: true,
            hosts: Vec::new(),
            require_coverage: None,
        }
    }
}

impl Config {
    /// [`Config::new`] with every release of the workspace at `root` (its
    /// `openapi/releases.toml`) and its default release.
    pub fn for_workspace(
        cassettes: Vec<PathBuf>,
        root: &std::path::Path,
    ) -> Result<Config, RunError> {
        let (releases, default) = Release::of_workspace(root)?;
        Ok(Config::new(cassettes, releases, default))
    }
}

/// What the replayers share, read-only.
struct Context {
    releases: Releases,
    /// The cassette files, in path order, each with the release its directory names.
    files: Vec<cassette::CassetteFile>,
    /// The hosts whose traffic is the API's (lower case).
    hosts: Vec<String>,
}

/// One interaction, examined.
struct Examined {
    /// The release it was checked against, when it was.
    release: Option<usize>,
    /// Documented enum values its response held.
    enums: Vec<EnumHit>,
    /// The interaction as the run saw it; `None` when it was skipped (another host's, holding
    /// no secret).
    replayed: Option<Replayed>,
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
    /// Reading every release's spec, reading the waivers, and building the replay clients.
    /// (A release's schemas are compiled when its first recording is examined, so that time
    /// is in [`Timings::examine`].)
    pub spec: Duration,
    /// Summed over files: reading the cassettes (on the replayers' threads, while others
    /// examine).
    pub cassettes: Duration,
    /// Reading and examining every cassette, wall time.
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
    let files = cassette::files(&config.cassettes)?;
    let prepared = Prepared::load(config)?;
    let mut timings = Timings {
        spec: prepared.took,
        ..Timings::default()
    };
    let waivers = prepared.waivers;
    let context = Arc::new(Context {
        hosts: api_hosts(&prepared.releases, &config.hosts),
        releases: prepared.releases,
        files,
    });
    let at = Instant::now();
    let lanes = replayers(config.concurrency, context.files.len());
    let read = examine_all(Arc::clone(&context), prepared.replayers, lanes).await?;
    timings.examine = at.elapsed();
    timings.replayers = lanes;
    let at = Instant::now();
    let mut report = Report {
        summary: Summary {
            files: context.files.len(),
            ..Summary::default()
        },
        findings: Vec::new(),
        interactions: Vec::new(),
        coverage: Vec::new(),
    };
    let releases = &context.releases.all;
    // A tally for each release a recording exercised, made when the first one is read.
    let mut tallies: Vec<Option<Tally>> = releases.iter().map(|_| None).collect();
    for file in read {
        timings.cassettes += file.took;
        report.findings.extend(file.findings);
        for e in file.examined {
            timings.validating += e.validating;
            timings.replaying += e.replaying;
            report.summary.checks += e.checks;
            report.findings.extend(e.findings);
            match (e.replayed, e.release) {
                (Some(replayed), Some(i)) => {
                    let release = &releases[i];
                    let tally = match &mut tallies[i] {
                        Some(tally) => tally,
                        empty => {
                            empty.insert(Tally::new(&release.spec, release.schemas()?.enums()))
                        }
                    };
                    tally.add(&release.spec, &replayed, &e.enums);
                    report.interactions.push(replayed);
                }
                (Some(replayed), None) => report.interactions.push(replayed),
                (None, _) => report.summary.skipped += 1,
            }
        }
    }
    report.summary.interactions = report.interactions.len();
    // Coverage of each release the recordings exercised; `--require-coverage` applies to each.
    for (release, tally) in releases.iter().zip(tallies) {
        let Some(tally) = tally else {
            continue;
        };
        let coverage = tally.finish(
            &release.name,
            &release.spec,
            &release.file,
            release.schemas()?.enums(),
        );
        if let Some(requirement) = config.require_coverage {
            report
                .findings
                .extend(coverage.gaps(requirement, &release.spec));
        }
        report.coverage.push(coverage);
    }
    timings.interactions = report.interactions.len();
    // Stable: within an interaction, findings keep the order the checks produced them in.
    report
        .findings
        .sort_by(|a, b| (&a.file, a.interaction).cmp(&(&b.file, b.interaction)));
    if let Some(waivers) = waivers {
        let checked: Vec<String> = (context.files.iter())
            .map(|f| f.path.display().to_string())
            .collect();
        let notes = waivers.apply(&mut report.findings, &checked, config.today);
        report.findings.extend(notes);
    }
    report.recount();
    timings.finish = at.elapsed();
    timings.total = started.elapsed();
    Ok((report, timings))
}

/// The hosts whose traffic is the API's: those of every release's servers and those given.
fn api_hosts(releases: &Releases, given: &[String]) -> Vec<String> {
    let servers = releases
        .all
        .iter()
        .flat_map(|r| r.spec.servers.iter())
        .filter_map(|s| url::Url::parse(s).ok())
        .filter_map(|u| u.host_str().map(str::to_ascii_lowercase));
    let mut hosts: Vec<String> = servers
        .chain(given.iter().map(|h| h.to_ascii_lowercase()))
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// What a run needs besides the cassettes.
struct Prepared {
    releases: Releases,
    waivers: Option<Waivers>,
    replayers: Replayers,
    /// How long it took to have all this.
    took: Duration,
}

impl Prepared {
    fn load(config: &Config) -> Result<Prepared, RunError> {
        let started = Instant::now();
        let releases = Releases::load(&config.releases, &config.default_release)?;
        let waivers = config.waivers.as_deref().map(Waivers::load).transpose()?;
        let base_path = &releases.all[releases.default].spec.base_path;
        let replayers = Replayers::new(base_path, config.keep_values)?;
        Ok(Prepared {
            releases,
            waivers,
            replayers,
            took: started.elapsed(),
        })
    }
}

/// Replayers to start: `concurrency`, but at least one and no more than there is work for.
fn replayers(concurrency: usize, files: usize) -> usize {
    concurrency.clamp(1, files.max(1))
}

/// One cassette, read and examined by a lane.
struct Read {
    /// Its position among the run's files.
    index: usize,
    /// Findings about the file itself (it is not a cassette).
    findings: Vec<Finding>,
    /// Its interactions, examined, in order.
    examined: Vec<Examined>,
    /// Time spent reading it.
    took: Duration,
}

/// Reads and examines every cassette on `lanes` replayers; results come back in file order.
///
/// Each lane takes the next file, reads it, examines its interactions and drops them before
/// taking the next: the run holds one cassette per lane at a time, not the whole input, so
/// its memory follows the largest cassette.
///
/// Each replayer runs on a thread of its own, in a single-threaded runtime, beside its wiremock
/// server's thread. A replay is a ping-pong between those two threads; on a multi-threaded
/// runtime, whose workers steal each other's tasks, the same work took about a sixth longer
/// (`BENCHMARKS.md`, row 3).
async fn examine_all(
    context: Arc<Context>,
    replayers: Replayers,
    lanes: usize,
) -> Result<Vec<Read>, RunError> {
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
            .map_err(RunError::ReplayStart)?;
        finishing.push(finished);
    }
    let mut all = Vec::with_capacity(context.files.len());
    for finished in finishing {
        let done = finished.await.map_err(|_| RunError::ReplayStopped)??;
        all.extend(done);
    }
    all.sort_by_key(|read| read.index);
    Ok(all)
}

/// The files no lane has taken yet, by index, shared by every lane.
#[derive(Debug, Default)]
struct Queue {
    next: AtomicUsize,
    closed: AtomicBool,
}

impl Queue {
    /// The next file of `all` no lane has taken, with its index; `None` when every one is
    /// taken or the queue is closed.
    fn take<'a, T>(&self, all: &'a [T]) -> Option<(usize, &'a T)> {
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

/// One replayer's share of the run: it takes the next file until none is left.
struct Lane {
    context: Arc<Context>,
    replayers: Replayers,
    queue: Arc<Queue>,
}

impl Lane {
    /// Runs on the calling thread, in a runtime of its own; returns what it read and examined.
    /// Its server starts with its first interaction: a lane left without work starts none.
    fn run(self) -> Result<Vec<Read>, RunError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(RunError::ReplayStart)?;
        let files = &self.context.files;
        runtime.block_on(async {
            let mut replayer = None;
            let mut done = Vec::new();
            while let Some((index, file)) = self.queue.take(files) {
                let at = Instant::now();
                let interactions = cassette::read(&file.path);
                let took = at.elapsed();
                let mut read = Read {
                    index,
                    findings: Vec::new(),
                    examined: Vec::new(),
                    took,
                };
                match interactions {
                    Ok(cassette) => {
                        read.findings = file_secrets(&file.path, &cassette.extras);
                        if cassette.interactions.is_empty() {
                            read.findings.push(no_interactions(&file.path));
                        }
                        for interaction in &cassette.interactions {
                            if replayer.is_none() {
                                replayer = Some(self.replayers.start().await);
                            }
                            if let Some(replayer) = &replayer {
                                let examined = examine(
                                    &self.context,
                                    replayer,
                                    interaction,
                                    file.release.as_deref(),
                                )
                                .await?;
                                read.examined.push(examined);
                            }
                        }
                    }
                    Err(finding) => read.findings.push(*finding),
                }
                done.push(read);
            }
            Ok(done)
        })
    }
}

/// The `cassette` warning of a cassette that holds no interaction: nothing in it was checked,
/// which a recorder that failed (or a filter that dropped everything) would leave unnoticed.
fn no_interactions(path: &std::path::Path) -> Finding {
    Finding::about_file(&path.display().to_string(), Kind::Cassette)
        .severity(Severity::Warning)
        .expected("at least one interaction", "none")
        .message("the cassette holds no interactions: nothing in it was checked")
}

/// `secret` findings about the values a cassette file keeps outside its interactions (a HAR
/// page's title, its log's comment), named as [`cassette::read`] names the file.
fn file_secrets(path: &std::path::Path, extras: &[crate::model::Extra]) -> Vec<Finding> {
    let mut leaks = Vec::new();
    secrets::extra_leaks(extras, &[], &mut leaks);
    secrets::file_findings(&path.display().to_string(), &leaks)
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

/// Every check on one interaction, in order: its release (`marker`: the one its directory
/// names), route, request, status, content type, body (JSON, schema, enum values), undeclared
/// fields, replay, client. An interaction with another host whose method and path match no
/// operation is not the API's: it is skipped, unless it holds a secret (reported without a
/// `route` finding).
async fn examine(
    context: &Context,
    replayer: &Replayer,
    it: &Interaction,
    marker: Option<&str>,
) -> Result<Examined, RunError> {
    let started = Instant::now();
    let request = &it.request;
    if context
        .releases
        .is_delivery(&request.method, &request.url, &request.headers)
    {
        return Examined::delivery(&context.releases, it, marker, started);
    }
    let (index, notes) = match context.releases.of(it, marker) {
        Chosen::Release(index, notes) => (index, notes),
        Chosen::Unknown(finding) => {
            return Ok(Examined::unknown_release(context, it, finding, started));
        }
    };
    let release = &context.releases.all[index];
    let mut examined = examine_in(context, release, replayer, it, started).await?;
    // Another host's interaction reported for its secrets alone is no release's traffic: it
    // counts toward no coverage.
    let api = |r: &Replayed| r.operation.is_some() || is_api_host(&context.hosts, &request.url);
    if let Some(replayed) = examined.replayed.as_ref().filter(|r| api(r)) {
        examined.release = Some(index);
        // The release was chosen before the operation was known: the notes name it now.
        let operation = &replayed.operation;
        let notes = notes.into_iter().map(|mut note| {
            note.operation = note.operation.or_else(|| operation.clone());
            note
        });
        examined.findings.splice(0..0, notes);
    }
    Ok(examined)
}

/// [`examine`] against `release`.
async fn examine_in(
    context: &Context,
    release: &Checked,
    replayer: &Replayer,
    it: &Interaction,
    started: Instant,
) -> Result<Examined, RunError> {
    let mut replayed = Replayed {
        file: it.file.clone(),
        interaction: it.index,
        method: bounded(it.request.method.clone()),
        path: bounded(it.request.url.clone()),
        status: it.response.status,
        operation: None,
        outcome: None,
    };
    let route = match route::route(&release.spec, &it.request.method, &it.request.url) {
        Ok(route) => route,
        Err(why) => {
            // Another host's interaction is not the API's: it is skipped, unless it holds a
            // secret, which the cassette must not hold whoever it was sent to.
            let api = is_api_host(&context.hosts, &it.request.url);
            let leaks = release.sensitivity().leaks(None, &View::of(it));
            let unrouted = Site {
                interaction: it,
                operation: None,
            };
            // A body that could not be decoded may hold a secret too.
            let unreadable = checks::unreadable_bodies(unrouted);
            if !api && leaks.is_empty() && unreadable.is_empty() {
                return Ok(Examined::skipped(started.elapsed()));
            }
            // The query and the fragment are left out, and a segment shaped like a credential
            // or an e-mail address is shown by its fingerprint: they may hold what the secret
            // check reports.
            let path = secrets::shown_path(without_query(&it.request.url));
            replayed.path = bounded(path.clone());
            let mut findings = Vec::new();
            if api {
                let finding = Finding::at(unrouted, Kind::Route, "")
                    .expected(
                        "a method and path of the spec",
                        format!("{} {path}", it.request.method),
                    )
                    .message(why.to_string());
                findings.push(finding);
            }
            findings.extend(secrets::findings(unrouted, &leaks));
            findings.extend(unreadable);
            secrets::mask(&leaks, &mut findings, [&mut replayed.path]);
            return Ok(Examined {
                release: None,
                enums: Vec::new(),
                replayed: Some(replayed),
                findings,
                checks: 1 + usize::from(api),
                validating: started.elapsed(),
                replaying: Duration::ZERO,
            });
        }
    };
    let schemas = release.schemas()?;
    replayed.path = bounded(route.path.clone());
    replayed.operation = Some(route.operation.id.clone());
    let site = Site {
        interaction: it,
        operation: Some(&route.operation.id),
    };
    let view = View::of(it);
    let leaks = release.sensitivity().leaks(Some(route.operation), &view);
    // The bodies as the secret check read them: each is parsed once.
    let View {
        request_body,
        response_body,
        ..
    } = view;
    let mut findings = secrets::findings(site, &leaks);
    findings.extend(checks::unreadable_bodies(site));
    findings.extend(checks::request(
        site,
        route.operation,
        &route,
        &it.request,
        &request_body,
        schemas,
        &release.spec.document,
    ));
    let faults = faults(&findings);
    let (documented, found) = checks::status(site, route.operation, it.response.status);
    findings.extend(found);
    let mut checks = 4;
    if let Some(size) = it.response.unrecorded_body {
        // Nothing is known about a body the recorder left out: its checks and the replay,
        // which would serve an empty body in its place, are skipped.
        findings.push(checks::unrecorded_body(site, size));
        secrets::mask(&leaks, &mut findings, [&mut replayed.path]);
        return Ok(Examined {
            release: None,
            enums: Vec::new(),
            replayed: Some(replayed),
            findings,
            checks,
            validating: started.elapsed(),
            replaying: Duration::ZERO,
        });
    }
    let mut body = BodyCheck::default();
    let mut enums = Vec::new();
    if let Some(documented) = documented {
        let (media, found) = checks::content_type(site, documented, &it.response);
        findings.extend(found);
        body = checks::body(site, media, response_body, schemas);
        findings.append(&mut body.findings);
        if let Some(json) = &body.json {
            let (found, hits) = checks::undeclared(site, schemas, media, json);
            findings.extend(found);
            enums = hits;
        }
        checks += 3;
    }
    let mut validating = started.elapsed();
    let replay_started = Instant::now();
    let (outcome, found) = replayer
        .replay(site, it, &route, &faults, &release.name, schemas)
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
    // What the report prints of the interaction: its path (a JUnit test's name) and the
    // client's message.
    let Replayed { path, outcome, .. } = &mut replayed;
    let client_message = match outcome {
        Some(Outcome::ClientError { message, .. }) => Some(message),
        _ => None,
    };
    secrets::mask(
        &leaks,
        &mut findings,
        client_message.into_iter().chain([path]),
    );
    validating += compare_started.elapsed();
    Ok(Examined {
        release: None,
        enums,
        replayed: Some(replayed),
        findings,
        checks,
        validating,
        replaying,
    })
}

/// `url` without its query and its fragment.
fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

impl Examined {
    /// An interaction that is not the API's: no checks, no findings.
    fn skipped(took: Duration) -> Examined {
        Examined {
            release: None,
            enums: Vec::new(),
            replayed: None,
            findings: Vec::new(),
            checks: 0,
            validating: took,
            replaying: Duration::ZERO,
        }
    }
}

impl Examined {
    /// A recorded webhook delivery (see [`crate::delivery`]): its event checked, nothing
    /// replayed, no operation's coverage counted.
    fn delivery(
        releases: &Releases,
        it: &Interaction,
        marker: Option<&str>,
        started: Instant,
    ) -> Result<Examined, RunError> {
        let done = crate::delivery::examine(releases, it, marker)?;
        let path = url::Url::parse(&it.request.url)
            .map(|u| u.path().to_string())
            .unwrap_or_else(|_| it.request.url.split('?').next().unwrap_or_default().into());
        Ok(Examined {
            release: None,
            enums: Vec::new(),
            replayed: Some(Replayed {
                file: it.file.clone(),
                interaction: it.index,
                method: bounded(it.request.method.clone()),
                path: bounded(path),
                status: it.response.status,
                operation: Some(done.operation),
                outcome: None,
            }),
            findings: done.findings,
            checks: done.checks,
            validating: started.elapsed(),
            replaying: Duration::ZERO,
        })
    }

    /// An interaction served by a release the workspace does not know: its `version` error.
    /// An interaction whose release is not known (`finding` says why): nothing of a release
    /// can be checked, but its secrets are, by the default release's spec, and what the report
    /// shows of its URL is its path, credential-shaped segments by fingerprint.
    fn unknown_release(
        context: &Context,
        it: &Interaction,
        finding: Finding,
        started: Instant,
    ) -> Examined {
        let site = Site {
            interaction: it,
            operation: None,
        };
        let default = &context.releases.all[context.releases.default];
        let leaks = default.sensitivity().leaks(None, &View::of(it));
        let mut findings = vec![finding];
        findings.extend(secrets::findings(site, &leaks));
        let mut path = secrets::shown_path(without_query(&it.request.url));
        secrets::mask(&leaks, &mut findings, [&mut path]);
        Examined {
            release: None,
            enums: Vec::new(),
            replayed: Some(Replayed {
                file: it.file.clone(),
                interaction: it.index,
                method: bounded(it.request.method.clone()),
                path: bounded(path),
                status: it.response.status,
                operation: None,
                outcome: None,
            }),
            findings,
            checks: 1,
            validating: started.elapsed(),
            replaying: Duration::ZERO,
        }
    }
}

/// Whether the recorded URL's host is one of the API's. A URL without a host (a bare path, as
/// some tools record) is the API's.
fn is_api_host(hosts: &[String], url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(u) => u
            .host_str()
            .is_none_or(|h| hosts.iter().any(|api| api.eq_ignore_ascii_case(h))),
        Err(_) => true,
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

    /// A run compiles the schemas of the releases its recordings name, and only those: a
    /// release whose schema does not compile stops a run over its own recordings, naming the
    /// schema, and leaves a run over another release's recordings alone.
    #[test]
    fn a_release_is_compiled_when_a_recording_of_it_is_checked_and_not_before() {
        let dir = tempfile::tempdir().unwrap();
        let yotta = std::fs::read_to_string("../openapi/yotta.yaml").unwrap();
        let id = "pattern: \"^[a-z]{2,4}_[A-Za-z0-9]+$\"";
        assert!(yotta.contains(id), "the Id pattern moved");
        let broken = dir.path().join("yotta.yaml");
        std::fs::write(&broken, yotta.replace(id, "pattern: \"^[a-z\"")).unwrap();
        let releases = vec![
            Release {
                name: "anode".into(),
                spec: "../openapi/anode.yaml".into(),
            },
            Release {
                name: "yotta".into(),
                spec: broken,
            },
        ];
        let run = |cassettes: &str| {
            let config = Config::new(vec![cassettes.into()], releases.clone(), "anode");
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(run(&config))
        };

        let report = run("cassettes/anode").unwrap();
        assert!(report.summary.interactions > 10, "{:?}", report.summary);
        assert!(
            report.coverage.iter().all(|c| c.release == "anode"),
            "{:?}",
            report
                .coverage
                .iter()
                .map(|c| &c.release)
                .collect::<Vec<_>>()
        );

        let err = run("cassettes/yotta").unwrap_err();
        let RunError::Schema { pointer, message } = &err else {
            panic!("{err}");
        };
        assert!(pointer.starts_with("/paths/"), "{pointer}: {message}");
    }
}
