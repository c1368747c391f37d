//! The command line: `conformance [--cassettes DIR]... [--release NAME] [--spec PATH]
//! [--waivers PATH] [--format text|json|junit|sarif] [--output FILE] [--report FORMAT=FILE]...
//! [--timings]`, which
//! `cargo conformance` (or `cargo xtask conformance`)
//! runs; `conformance scrub DIR...`; and, built with the `synth` feature, `conformance synth
//! --count N --out DIR`, which writes a synthetic set. The binary's own module: it uses the
//! library as any user of it would.
//!
//! Exit codes: 0 conforms (warnings and waived findings allowed); 1 at least one unwaived
//! error; 2 could not run, or ran zero checks.

use flatpeak_redact::terminal_safe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use conformance::report::{self, Format};
#[cfg(feature = "synth")]
use conformance::synth;
use conformance::{Config, Release, Report, RunError, Timings};

/// Replays recorded responses through the generated client and checks them against the spec.
#[derive(Debug, Parser)]
#[command(
    name = "cargo conformance",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Something else than checking.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The check's arguments.
    #[command(flatten)]
    pub check: Args,
}

/// The gate's other commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a synthetic set of recorded interactions (every operation of the spec, requests
    /// and responses), valid ones with defects mixed in, and a manifest of the findings each
    /// must give (for benchmarks and for checking other validators). Check it with
    /// `--cassettes DIR/cassettes --no-waivers`. (Built with `--features synth`.)
    #[cfg(feature = "synth")]
    Synth(SynthArgs),
    /// Replace credentials and every value the spec marks `x-sensitive` in cassettes (VCR
    /// JSON or YAML, HAR), in place, by placeholders that keep the verdict (valid where the value was, invalid the same way where it was not). Exit 0 when done;
    /// with --check, 1 when something would change, 0 when nothing would; 2 when the input
    /// cannot be read.
    Scrub(ScrubArgs),
}

/// Arguments of `scrub`.
#[derive(Debug, clap::Args)]
pub struct ScrubArgs {
    /// Directories searched recursively for cassettes, or cassette files.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Write nothing: list each value that would change (file, interaction, place, and a
    /// fingerprint, never the value).
    #[arg(long)]
    pub check: bool,
    /// Which specs' `x-sensitive` marks say what to replace: each interaction's release's.
    #[command(flatten)]
    pub releases: ReleaseArgs,
}

/// Which releases' specs a run reads.
#[derive(Debug, clap::Args)]
pub struct ReleaseArgs {
    /// The release a recording is checked against when it names none (no `flatpeak-version`
    /// response header, no `Flatpeak-Version` request header) [default: the default of
    /// openapi/releases.toml].
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// An OpenAPI 3.0 spec to read in place of that release's (`--release`, else the default)
    /// [default: the releases of openapi/releases.toml, each `openapi/<release>.yaml`].
    #[arg(long, value_name = "PATH")]
    pub spec: Option<PathBuf>,
}

impl ReleaseArgs {
    /// The releases and the default, from the workspace's `openapi/releases.toml`, with
    /// `--release` and `--spec` applied.
    pub fn releases(&self) -> Result<(Vec<Release>, String), RunError> {
        let (mut releases, default) = Release::of_workspace(&workspace())?;
        for release in &mut releases {
            release.spec = relative(&release.spec);
        }
        let chosen = self.release.clone().unwrap_or(default);
        let Some(release) = releases.iter_mut().find(|r| r.name == chosen) else {
            return Err(RunError::UnknownRelease {
                release: chosen,
                known: releases.iter().map(|r| r.name.clone()).collect(),
            });
        };
        if let Some(spec) = &self.spec {
            release.spec = spec.clone();
        }
        Ok((releases, chosen))
    }
}

/// Arguments of `synth`.
#[cfg(feature = "synth")]
#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// What to write.
    #[command(flatten)]
    pub options: synth::Options,
    /// Write `cassettes/` and `manifest.json` into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The OpenAPI 3.0 spec whose operations, parameters, statuses and schemas the set
    /// follows [default: the default release's, openapi/<release>.yaml].
    #[arg(long, value_name = "PATH")]
    pub spec: Option<PathBuf>,
}

/// Arguments of the check.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A directory searched recursively for cassettes (VCR JSON/YAML, HAR); repeatable
    /// [default: conformance/cassettes].
    #[arg(long = "cassettes", value_name = "DIR")]
    pub cassettes: Vec<PathBuf>,
    /// The releases' specs each recording is checked against.
    #[command(flatten)]
    pub releases: ReleaseArgs,
    /// The waivers file [default: conformance/waivers.toml].
    #[arg(long, value_name = "PATH", conflicts_with = "no_waivers")]
    pub waivers: Option<PathBuf>,
    /// Apply no waivers.
    #[arg(long)]
    pub no_waivers: bool,
    /// How to write the report.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the report to FILE instead of standard output (the summary line still goes to
    /// standard output).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE; repeatable, so that one run writes every
    /// report a CI job uploads (`--report sarif=gate.sarif --report junit=gate.xml`).
    #[arg(long = "report", value_name = "FORMAT=FILE", value_parser = parse_report)]
    pub reports: Vec<(Format, PathBuf)>,
    /// Print how long each stage took to standard error (the report is unchanged).
    #[arg(long)]
    pub timings: bool,
    /// A host whose traffic is the API's besides the spec's servers (a staging host, say);
    /// repeatable. Interactions with other hosts whose method and path match no operation
    /// (a browser export's pages, scripts, beacons) are skipped and counted; their secrets
    /// are still reported.
    #[arg(long = "host", value_name = "HOST")]
    pub hosts: Vec<String>,
    /// Fail when the recordings leave an operation (`operations`) or a documented status of
    /// an operation (`statuses`) unexercised: each gap is a `coverage` error.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub require_coverage: Option<conformance::Requirement>,
}

/// `FORMAT=FILE`, as `--report` takes it.
fn parse_report(value: &str) -> Result<(Format, PathBuf), String> {
    use clap::ValueEnum as _;
    let (format, file) = value
        .split_once('=')
        .ok_or_else(|| format!("`{value}` is not FORMAT=FILE (sarif=gate.sarif, say)"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        let known: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| Some(f.to_possible_value()?.get_name().to_string()))
            .collect();
        format!("`{format}` is not a report format ({})", known.join(", "))
    })?;
    match file {
        "" => Err(format!("`{value}` names no file after `=`")),
        file => Ok((format, PathBuf::from(file))),
    }
}

/// The workspace this crate was built in: defaults are found there wherever the command runs.
fn workspace() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// A default path, relative to the current directory when it lies below it, so that reports
/// name files the way a person at the workspace root would.
fn default_path(path: &str) -> PathBuf {
    relative(&workspace().join(path))
}

/// `absolute`, relative to the current directory when it lies below it.
fn relative(absolute: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| absolute.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| absolute.to_path_buf())
}

impl Args {
    /// The run these arguments ask for, defaults filled in.
    pub fn config(&self) -> Result<Config, RunError> {
        let cassettes = match self.cassettes.is_empty() {
            true => vec![default_path("conformance/cassettes")],
            false => self.cassettes.clone(),
        };
        let (releases, default) = self.releases.releases()?;
        let mut config = Config::new(cassettes, releases, default);
        // No report format prints them: computing them would only slow a large run.
        config.keep_values = false;
        config.hosts = self.hosts.clone();
        config.require_coverage = self.require_coverage;
        config.waivers = match (&self.waivers, self.no_waivers) {
            (_, true) => None,
            (Some(path), false) => Some(path.clone()),
            (None, false) => Some(default_path("conformance/waivers.toml")),
        };
        Ok(config)
    }
}

/// Runs the command and returns its exit code.
pub fn main(cli: Cli) -> ExitCode {
    match cli.command {
        #[cfg(feature = "synth")]
        Some(Command::Synth(args)) => synth(&args),
        Some(Command::Scrub(args)) => scrub(&args),
        None => check(&cli.check),
    }
}

/// Runs the gate.
fn check(args: &Args) -> ExitCode {
    let destinations = args.destinations().try_for_each(writable);
    if let Err(e) = destinations.and_then(|()| args.destinations_apart()) {
        return fail(e);
    }
    // The replayers run on threads of their own (see `gate`): this runtime only waits for them.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(RunError::ReplayStart(e)),
    };
    let config = match args.config() {
        Ok(config) => config,
        Err(e) => return fail(e),
    };
    let (report, timings) = match runtime.block_on(conformance::run_timed(&config)) {
        Ok(done) => done,
        Err(e) => return fail(e),
    };
    if let Err(e) = write(args, &report) {
        return fail(e);
    }
    if args.timings {
        eprintln!("{}", timings_line(&timings));
    }
    exit_code(&report)
}

/// `timings: interactions=.. replayers=.. total=..s ...`: one line of `name=value` pairs, for
/// people and for scripts. Sums over interactions are marked as such.
pub fn timings_line(t: &Timings) -> String {
    let s = |d: Duration| format!("{:.4}", d.as_secs_f64());
    let rate = t.interactions as f64 / t.total.as_secs_f64().max(f64::EPSILON);
    format!(
        "timings: interactions={} replayers={} total={}s spec={}s cassettes={}s examine={}s \
         finish={}s validating_sum={}s replaying_sum={}s interactions_per_s={rate:.0}",
        t.interactions,
        t.replayers,
        s(t.total),
        s(t.spec),
        s(t.cassettes),
        s(t.examine),
        s(t.finish),
        s(t.validating),
        s(t.replaying),
    )
}

/// Scrubs cassettes, or with `--check` says what it would scrub.
fn scrub(args: &ScrubArgs) -> ExitCode {
    let done = args.releases.releases().and_then(|(releases, default)| {
        conformance::scrub(&releases, &default, &args.dirs, args.check)
    });
    let done = match done {
        Ok(done) => done,
        Err(e) => return fail(e),
    };
    for c in &done.changes {
        // A place outside the file's interactions (a HAR page's title) has no number.
        let at = c.interaction.map(|i| format!(" #{i}")).unwrap_or_default();
        let line = format!("{}{at} {}: {}", c.file, c.place, c.fingerprint);
        println!("{}", terminal_safe(&line));
    }
    for note in &done.notes {
        let line = format!("{} #{} note: {}", note.file, note.interaction, note.message);
        println!("{}", terminal_safe(&line));
    }
    for why in &done.unreadable {
        eprintln!("error: {}: left as it is", terminal_safe(&why.to_string()));
    }
    if !done.unreadable.is_empty() {
        eprintln!(
            "error: {} of {} files could not be read as cassettes or scrubbed",
            done.unreadable.len(),
            done.files
        );
        return ExitCode::from(2);
    }
    let values = done.changes.len();
    match (args.check, values) {
        (true, 0) => {
            println!("{} files: nothing to scrub", done.files);
            ExitCode::SUCCESS
        }
        (true, n) => {
            println!(
                "{} files: {n} values to scrub (run without --check)",
                done.files
            );
            ExitCode::from(1)
        }
        (false, n) => {
            println!(
                "{} files: {n} values scrubbed in {} files",
                done.files,
                done.written.len()
            );
            ExitCode::SUCCESS
        }
    }
}

/// Writes a synthetic set.
#[cfg(feature = "synth")]
fn synth(args: &SynthArgs) -> ExitCode {
    let spec_path = match &args.spec {
        Some(path) => path.clone(),
        None => match (ReleaseArgs {
            release: None,
            spec: None,
        })
        .releases()
        {
            Ok((releases, default)) => releases
                .into_iter()
                .find(|r| r.name == default)
                .map(|r| r.spec)
                .unwrap_or_default(),
            Err(e) => return fail(e),
        },
    };
    let written = spec_model::Spec::load(&spec_path)
        .map_err(synth::SynthError::from)
        .and_then(|spec| synth::generate(&spec, &args.options))
        .and_then(|set| synth::write(&args.out, &set).map(|()| set));
    match written {
        Ok(set) => {
            let m = &set.manifest;
            let defective: usize = m.defects.values().sum();
            println!(
                "wrote {} interactions ({defective} with a defect) in {} files to {}, and {}",
                m.count,
                set.files.len(),
                args.out.join("cassettes").display(),
                args.out.join("manifest.json").display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

impl Args {
    /// Every file a report is to be written to: `--output`, then each `--report`.
    fn destinations(&self) -> impl Iterator<Item = &Path> {
        let reports = self.reports.iter().map(|(_, path)| path.as_path());
        self.output.as_deref().into_iter().chain(reports)
    }

    /// `Ok` when no two reports go to one file (the last would silently replace the others)
    /// and none goes among the cassettes the run reads (it would replace a recording, or be
    /// read as one by the next run).
    fn destinations_apart(&self) -> Result<(), RunError> {
        let refuse = |path: &Path, why: &str| RunError::Io {
            path: path.to_path_buf(),
            action: "write the report",
            source: std::io::Error::other(why.to_string()),
        };
        let cassettes: Vec<PathBuf> = match self.cassettes.is_empty() {
            true => vec![default_path("conformance/cassettes")],
            false => self.cassettes.clone(),
        };
        let cassettes: Vec<PathBuf> = cassettes.iter().map(|c| resolved(c)).collect();
        let mut seen = Vec::new();
        for path in self.destinations() {
            let at = resolved(path);
            if seen.contains(&at) {
                return Err(refuse(path, "another report is written to this file too"));
            }
            if cassettes.iter().any(|c| at.starts_with(c)) {
                return Err(refuse(path, "it is among the cassettes the gate reads"));
            }
            seen.push(at);
        }
        Ok(())
    }
}

/// `path` as the system finds it, its directory's links resolved: the file itself may not
/// exist yet. As given when its directory cannot be resolved (the write will say why).
fn resolved(path: &Path) -> PathBuf {
    if let Ok(whole) = std::fs::canonicalize(path) {
        return whole;
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    match (
        std::fs::canonicalize(parent.unwrap_or(Path::new("."))),
        path.file_name(),
    ) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// `Ok` when a report can be written to `path`, found out before the run rather than after
/// it (when the report has been printed and the run's time spent): a missing directory, a
/// directory, a file or directory without write permission is an error naming `path` and the
/// system's reason. The system is asked as the write will ask it, which also catches a
/// read-only place (checking that the directory exists would not), and nothing is left behind
/// whatever happens next: an existing file (or directory, which refuses) is opened for
/// writing without truncating it, and a new file is created and removed at once (creating it
/// is the only way to know that its directory takes files). A FIFO or a device is not opened
/// (its reader would see the probe): its write tells.
fn writable(path: &Path) -> Result<(), RunError> {
    use std::fs::OpenOptions;
    use std::io::ErrorKind;
    let fail = |source| RunError::Io {
        path: path.to_path_buf(),
        action: "write the report",
        source,
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() || meta.is_dir() => OpenOptions::new()
            .write(true)
            .open(path)
            .map(drop)
            .map_err(fail),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(_) => std::fs::remove_file(path).map_err(fail),
                // A link to nothing: the write creates its target.
                Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
                Err(e) => Err(fail(e)),
            }
        }
        Err(e) => Err(fail(e)),
    }
}

/// Writes the report as `--format` and `--output` ask, and each `--report`. The files are
/// written first: one that cannot take the report (a disk that filled during the run) stops
/// the run before anything is printed, so standard output never shows a report whose files
/// are missing. What is printed is as before: the report (without `--output`), then a line
/// per file written.
fn write(args: &Args, report: &Report) -> Result<(), RunError> {
    let mut written = Vec::new();
    for (format, path) in args
        .output
        .iter()
        .map(|p| (&args.format, p))
        .chain(args.reports.iter().map(|(format, path)| (format, path)))
    {
        write_file(report, *format, path)?;
        written.push(wrote(report, path));
    }
    if args.output.is_none() {
        report::write(report, args.format, std::io::stdout().lock()).map_err(|source| {
            RunError::Io {
                path: "standard output".into(),
                action: "write the report",
                source,
            }
        })?;
    }
    for line in written {
        println!("{line}");
    }
    Ok(())
}

/// Writes `report` in `format` to `path`.
fn write_file(report: &Report, format: Format, path: &Path) -> Result<(), RunError> {
    std::fs::File::create(path)
        .and_then(|file| report::write(report, format, file))
        .map_err(|source| RunError::Io {
            path: path.to_path_buf(),
            action: "write the report",
            source,
        })
}

/// The line that says `report` was written to `path`, with its counts.
fn wrote(report: &Report, path: &Path) -> String {
    let s = report.summary;
    format!(
        "wrote {}: {} errors, {} warnings, {} waived, {} checks",
        path.display(),
        s.errors,
        s.warnings,
        s.waived,
        s.checks
    )
}

/// 2 when nothing was checked (a gate that checked nothing must not pass), 1 on an error.
pub fn exit_code(report: &Report) -> ExitCode {
    if report.summary.checks == 0 {
        let why = match report.summary.skipped {
            0 => "no interactions found in the cassettes".to_string(),
            n => format!("all {n} interactions were to other hosts (give the API's with --host)"),
        };
        eprintln!("error: the gate ran zero checks: {why}");
        ExitCode::from(2)
    } else if report.summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn fail(error: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {}", terminal_safe(&error.to_string()));
    ExitCode::from(2)
}
