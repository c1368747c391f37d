//! Which release served a recording, and that release's spec as the checks use it.
//!
//! Flatpeak answers in the release a request asks for (`Flatpeak-Version`) or, without one, the
//! account's default release, and echoes it in the response's `flatpeak-version`. A recording
//! is only meaningful against the spec of the release that served it, so the gate reads the
//! release from the recorded response's header, else the request's, else the run's default
//! ([`Config::default_release`](crate::Config::default_release)), and checks, replays and
//! counts coverage per release.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::RunError;
use crate::delivery::Events;
use crate::model::{Finding, Interaction, Kind, Site};
use crate::schema::Schemas;
use crate::secrets::Sensitivity;
use crate::spec::Spec;

/// The header that names a release, on requests and (echoed) on responses.
const HEADER: &str = "flatpeak-version";

/// One release the gate checks recordings against: its name (`zero`) and its spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Its name, as in `openapi/releases.toml`.
    pub name: String,
    /// Its OpenAPI 3.0 spec.
    pub spec: PathBuf,
}

impl Release {
    /// Every release of the workspace at `root` (`openapi/releases.toml`), and the default.
    pub fn of_workspace(root: &Path) -> Result<(Vec<Release>, String), RunError> {
        let catalogue = spec_model::releases::Catalogue::load(root)?;
        let releases = catalogue
            .releases()
            .iter()
            .map(|r| Release {
                name: r.name.clone(),
                spec: r.spec.clone(),
            })
            .collect();
        Ok((releases, catalogue.default().name.clone()))
    }
}

/// One release's spec, read for the checks. Its JSON Schemas are compiled, and its sensitive
/// places worked out, when a recording of the release first needs them ([`Checked::schemas`],
/// [`Checked::sensitivity`]).
///
/// Those two take more than half the time of making a release ready to check, and a run over
/// the recordings of one release needs them for that release only. Every spec is still read:
/// choosing a recording's release and telling the API's hosts apart need them all. A schema
/// that does not compile stops the run when a recording of its release is checked; a release
/// that no recording of the run names is not compiled, so that run does not report it.
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) name: String,
    /// The spec file, as the run named it.
    pub(crate) file: String,
    pub(crate) spec: Spec,
    /// What the spec says of webhook events, when it describes them.
    pub(crate) events: Option<Events>,
    /// The compiled schemas (or where and why they do not compile), once a recording of this
    /// release needed them.
    schemas: OnceLock<Result<Schemas, (String, String)>>,
    /// The places the spec marks sensitive, once the secret check or scrub needed them.
    sensitivity: OnceLock<Sensitivity>,
}

impl Checked {
    /// Reads `release`'s spec.
    pub(crate) fn load(release: &Release) -> Result<Checked, RunError> {
        let spec = crate::spec::load(&release.spec)?;
        Ok(Checked {
            events: Events::of(&spec),
            name: release.name.clone(),
            file: release.spec.display().to_string(),
            schemas: OnceLock::new(),
            sensitivity: OnceLock::new(),
            spec,
        })
    }

    /// The spec's schemas, compiled on the first call. Replayers that ask while it compiles
    /// wait for it rather than compile it again: on two cores, several replayers compiling the
    /// same spec at once made a debug run of the bundled set twice as slow.
    pub(crate) fn schemas(&self) -> Result<&Schemas, RunError> {
        let compiled = self.schemas.get_or_init(|| {
            let data_schemas = self.events.iter().flat_map(|e| e.data.values().cloned());
            Schemas::compile_with(&self.spec, data_schemas.collect()).map_err(|e| match e {
                RunError::Schema { pointer, message } => (pointer, message),
                other => (String::new(), other.to_string()),
            })
        });
        compiled
            .as_ref()
            .map_err(|(pointer, message)| RunError::Schema {
                pointer: pointer.clone(),
                message: message.clone(),
            })
    }

    /// The places the spec marks sensitive, worked out on the first call.
    pub(crate) fn sensitivity(&self) -> &Sensitivity {
        self.sensitivity.get_or_init(|| Sensitivity::of(&self.spec))
    }
}

/// The releases of a run, and which one a recording that names none is checked against.
#[derive(Debug)]
pub(crate) struct Releases {
    pub(crate) all: Vec<Checked>,
    pub(crate) default: usize,
}

/// The release an interaction is checked against: its index, and a `version` finding when the
/// recording names a version other than the release's own.
pub(crate) enum Chosen {
    /// This release, with the `version` warnings about how it was chosen.
    Release(usize, Vec<Finding>),
    /// A release the workspace does not know: the `version` error.
    Unknown(Finding),
}

impl Releases {
    /// Reads every release's spec (see [`Checked`] for what waits until it is needed).
    /// `default` must be one of them.
    pub(crate) fn load(releases: &[Release], default: &str) -> Result<Releases, RunError> {
        let all = releases
            .iter()
            .map(Checked::load)
            .collect::<Result<Vec<_>, _>>()?;
        let default =
            all.iter()
                .position(|r| r.name == default)
                .ok_or_else(|| RunError::UnknownRelease {
                    release: default.to_string(),
                    known: all.iter().map(|r| r.name.clone()).collect(),
                })?;
        Ok(Releases { all, default })
    }

    /// The release `it` was served by: the response's `flatpeak-version`, else the request's
    /// `Flatpeak-Version`, else the release its directory names (`marker`), else the default.
    /// A version string is matched whole against each spec's `info.x-flatpeak-version`, else
    /// by the release name it ends with (`.yotta`).
    pub(crate) fn of(&self, it: &Interaction, marker: Option<&str>) -> Chosen {
        let site = Site {
            interaction: it,
            operation: None,
        };
        for (side, headers) in [
            ("request", &it.request.headers),
            ("response", &it.response.headers),
        ] {
            let all = crate::model::distinct_values(headers, HEADER);
            if all.len() > 1 {
                let listed = all.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>();
                return Chosen::Unknown(
                    Finding::at(site, Kind::Version, "")
                        .expected("one Flatpeak-Version", listed.join(", "))
                        .message(format!(
                            "the {side} was recorded with {} Flatpeak-Version values ({}): \
                             which release it is, is not known",
                            all.len(),
                            listed.join(", ")
                        )),
                );
            }
        }
        let Some(version) = version(&it.request.headers, &it.response.headers) else {
            return match marker {
                None => Chosen::Release(self.default, Vec::new()),
                Some(name) => match self.all.iter().position(|r| r.name == name) {
                    Some(i) => Chosen::Release(i, Vec::new()),
                    None => Chosen::Unknown(
                        Finding::at(site, Kind::Version, "")
                            .expected(self.names().join(", "), name)
                            .message(format!(
                                "the directory's `{}` names release `{name}`, which this \
                                 workspace has no spec for",
                                crate::cassette::RELEASE_MARKER
                            )),
                    ),
                },
            };
        };
        let mut notes: Vec<Finding> = self.other_than_asked(site).into_iter().collect();
        if let Some(i) = self.exactly(version) {
            return Chosen::Release(i, notes);
        }
        let Some(i) = self.by_name(version) else {
            let known: Vec<String> = self.all.iter().map(described).collect();
            // A release's bare name is not a version: Flatpeak's are `<date>.<name>`.
            let why = match self.all.iter().any(|r| r.name == version) {
                true => "is a release's name, not a version (`<date>.<name>`)",
                false => "names a release this workspace has no spec for",
            };
            let finding = Finding::at(site, Kind::Version, "")
                .expected(known.join(", "), version)
                .message(format!(
                    "the recording's Flatpeak-Version `{version}` {why}: it cannot be checked \
                     (known: {})",
                    known.join(", ")
                ));
            return Chosen::Unknown(finding);
        };
        let release = &self.all[i];
        let note = release.spec.flatpeak_version().map(|own| {
            Finding::at(site, Kind::Version, "")
                .severity(crate::model::Severity::Warning)
                .expected(own, version)
                .message(format!(
                    "the recording names `{version}`, and the `{}` spec describes `{own}`: \
                     checked against it, though the shapes of another revision may differ",
                    release.name
                ))
        });
        notes.extend(note);
        Chosen::Release(i, notes)
    }

    /// The `version` warning for a response that names another release than its request asked
    /// for: Flatpeak answers in the release asked for, so one of the two is not what the
    /// recording's caller meant (a proxy's cache, an account's override); the recording is
    /// checked against the release that answered.
    fn other_than_asked(&self, site: Site<'_>) -> Option<Finding> {
        let it = site.interaction;
        let asked = header(&it.request.headers).filter(|v| !v.is_empty())?;
        let answered = header(&it.response.headers).filter(|v| !v.is_empty())?;
        let release = |v: &str| self.exactly(v).or_else(|| self.by_name(v));
        if asked == answered || release(asked) == release(answered) {
            return None;
        }
        Some(
            Finding::at(site, Kind::Version, "header:flatpeak-version")
                .severity(crate::model::Severity::Warning)
                .expected(asked, answered)
                .message(format!(
                    "the request asked for release `{asked}` and the response says `{answered}` \
                     answered: checked against the release that answered"
                )),
        )
    }
}

impl Releases {
    /// The release whose spec describes `version` exactly.
    pub(crate) fn exactly(&self, version: &str) -> Option<usize> {
        self.all
            .iter()
            .position(|r| r.spec.flatpeak_version() == Some(version))
    }

    /// The release `version` names by its suffix.
    pub(crate) fn by_name(&self, version: &str) -> Option<usize> {
        let named = spec_model::releases::name_in_version(version)?;
        self.all.iter().position(|r| r.name == named)
    }

    /// The release whose spec says what to scrub in an interaction with these headers, found
    /// in a directory whose marker names `marker`: as [`Releases::of`] chooses, and the default
    /// for a release the workspace does not know.
    pub(crate) fn for_headers(
        &self,
        request: &[(String, String)],
        response: &[(String, String)],
        marker: Option<&str>,
    ) -> &Checked {
        let index = match version(request, response) {
            Some(v) => self.exactly(v).or_else(|| self.by_name(v)),
            None => marker.and_then(|name| self.all.iter().position(|r| r.name == name)),
        };
        &self.all[index.unwrap_or(self.default)]
    }

    /// The release an interaction names (its `Flatpeak-Version`, else its directory's marker)
    /// when no release has that name: [`Releases::for_headers`] then gives the default.
    pub(crate) fn unknown<'a>(
        &self,
        request: &'a [(String, String)],
        response: &'a [(String, String)],
        marker: Option<&'a str>,
    ) -> Option<&'a str> {
        match version(request, response) {
            Some(v) => self
                .exactly(v)
                .or_else(|| self.by_name(v))
                .is_none()
                .then_some(v),
            None => marker.filter(|name| self.all.iter().all(|r| r.name != *name)),
        }
    }

    /// The releases, as `zero (2024-08-24.zero)`.
    pub(crate) fn described(&self) -> Vec<String> {
        self.all.iter().map(described).collect()
    }

    /// The releases' names.
    fn names(&self) -> Vec<String> {
        self.all.iter().map(|r| r.name.clone()).collect()
    }
}

/// The version a recording names: its response's, else its request's.
fn version<'h>(
    request: &'h [(String, String)],
    response: &'h [(String, String)],
) -> Option<&'h str> {
    header(response).or_else(|| header(request))
}

/// `zero (2024-08-24.zero)`.
fn described(release: &Checked) -> String {
    match release.spec.flatpeak_version() {
        Some(version) => format!("{} ({version})", release.name),
        None => release.name.clone(),
    }
}

/// The value of the `flatpeak-version` header among `headers`, trimmed, if any.
fn header(headers: &[(String, String)]) -> Option<&str> {
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(HEADER))
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}
