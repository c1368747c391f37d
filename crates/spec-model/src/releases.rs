//! Flatpeak's API releases as this workspace knows them: `openapi/releases.toml`.
//!
//! Flatpeak's API comes in dated releases chosen per request with the `Flatpeak-Version`
//! header, and each release has its own shapes. The release is the unit of the workspace: one
//! spec per release (`openapi/<name>.yaml`), one client module, one set of CLI commands, and
//! the gate checks each recording against the release that served it. This file is the one
//! list of them that the generator and the gate both read, so that adding a release is a
//! document (or reference pages), an overlay and an entry here, and nothing hand-written.
//!
//! ```
//! let catalogue = spec_model::releases::Catalogue::parse(
//!     r#"
//! default = "zero"
//!
//! [[release]]
//! name = "zero"
//! upstream = "upstream/zero.json"
//! overlay = "overlays/zero.yaml"
//!
//! [[release]]
//! name = "yotta"
//! "#,
//!     std::path::Path::new("openapi"),
//! )?;
//! assert_eq!(catalogue.default().name, "zero");
//! assert_eq!(catalogue.get("yotta").unwrap().spec, std::path::Path::new("openapi/yotta.yaml"));
//! assert!(catalogue.get("yotta").unwrap().upstream.is_none());
//! # Ok::<(), spec_model::releases::CatalogueError>(())
//! ```

use std::path::{Path, PathBuf};

/// The file, relative to the workspace root.
pub const PATH: &str = "openapi/releases.toml";

/// Why `releases.toml` cannot be used. Each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not TOML of the expected shape (the message has the line).
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What the TOML reader said.
        message: String,
    },
    /// The entries contradict each other or name something that is not there.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// One release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Its name, lower case: `zero`, `anode`. It names the spec file, the client module and
    /// cargo feature, and the CLI's `--release` value.
    pub name: String,
    /// The release's spec, `openapi/<name>.yaml`: generated from `upstream` and `overlay`
    /// when Flatpeak publishes a document, else written by hand from the reference pages.
    pub spec: PathBuf,
    /// Flatpeak's own OpenAPI document for the release, vendored unchanged.
    pub upstream: Option<PathBuf>,
    /// Our decisions against `upstream`, as an OpenAPI Overlay 1.0 document.
    pub overlay: Option<PathBuf>,
    /// The release a team upgrades from to this one: `docs/upgrading/<from>-to-<name>.md`
    /// is generated from the diff of the two specs.
    pub upgrade_from: Option<String>,
}

/// Every release, in the file's order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    releases: Vec<Release>,
    default: usize,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default: String,
    release: Vec<Entry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Entry {
    name: String,
    upstream: Option<PathBuf>,
    overlay: Option<PathBuf>,
    upgrade_from: Option<String>,
}

impl Catalogue {
    /// Reads `openapi/releases.toml` below the workspace `root`.
    pub fn load(root: &Path) -> Result<Catalogue, CatalogueError> {
        let path = root.join(PATH);
        let text = std::fs::read_to_string(&path).map_err(|source| CatalogueError::Read {
            path: path.clone(),
            source,
        })?;
        let openapi = path.parent().unwrap_or(root);
        Catalogue::parse(&text, openapi).map_err(|e| e.in_file(&path))
    }

    /// Reads the text of a `releases.toml` whose paths are relative to `openapi`.
    pub fn parse(text: &str, openapi: &Path) -> Result<Catalogue, CatalogueError> {
        let file: File = toml::from_str(text).map_err(|e| CatalogueError::Syntax {
            path: PathBuf::from(PATH),
            message: e.to_string(),
        })?;
        let invalid = |message: String| CatalogueError::Invalid {
            path: PathBuf::from(PATH),
            message,
        };
        let mut releases: Vec<Release> = Vec::new();
        for entry in file.release {
            check_name(&entry.name).map_err(invalid)?;
            if releases.iter().any(|r| r.name == entry.name) {
                return Err(invalid(format!("release `{}` is listed twice", entry.name)));
            }
            if entry.overlay.is_some() && entry.upstream.is_none() {
                return Err(invalid(format!(
                    "release `{}` has an overlay but no upstream document to apply it to",
                    entry.name
                )));
            }
            releases.push(Release {
                spec: openapi.join(format!("{}.yaml", entry.name)),
                upstream: entry.upstream.map(|p| openapi.join(p)),
                overlay: entry.overlay.map(|p| openapi.join(p)),
                upgrade_from: entry.upgrade_from,
                name: entry.name,
            });
        }
        for release in &releases {
            if let Some(from) = &release.upgrade_from
                && !releases.iter().any(|r| &r.name == from)
            {
                return Err(invalid(format!(
                    "release `{}` upgrades from `{from}`, which is not listed",
                    release.name
                )));
            }
        }
        let default = releases
            .iter()
            .position(|r| r.name == file.default)
            .ok_or_else(|| invalid(format!("the default `{}` is not listed", file.default)))?;
        Ok(Catalogue { releases, default })
    }

    /// Every release, in the file's order.
    pub fn releases(&self) -> &[Release] {
        &self.releases
    }

    /// The release named `name`.
    pub fn get(&self, name: &str) -> Option<&Release> {
        self.releases.iter().find(|r| r.name == name)
    }

    /// The default release: the client crate's default feature, the CLI's and the gate's
    /// default `--release`.
    pub fn default(&self) -> &Release {
        &self.releases[self.default]
    }
}

impl CatalogueError {
    fn in_file(self, path: &Path) -> CatalogueError {
        match self {
            CatalogueError::Syntax { message, .. } => CatalogueError::Syntax {
                path: path.to_path_buf(),
                message,
            },
            CatalogueError::Invalid { message, .. } => CatalogueError::Invalid {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        }
    }
}

/// A release name must be usable as a Rust module, a cargo feature and a file name.
fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let starts = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if starts && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "release name `{name}` must be lower-case letters and digits, starting with a letter"
        ))
    }
}

/// The release a `Flatpeak-Version` string names, by its suffix: Flatpeak's version strings are
/// a date and the release's name (`2025-09-14.anode`). `None` for a string without one.
pub fn name_in_version(version: &str) -> Option<&str> {
    let (_, name) = version.trim().rsplit_once('.')?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(text, Path::new("openapi"))
    }

    #[test]
    fn entries_are_read_with_their_paths_below_openapi() {
        let c = parse(
            "default = \"anode\"\n[[release]]\nname = \"zero\"\nupstream = \"upstream/zero.json\"\n\
             overlay = \"overlays/zero.yaml\"\n[[release]]\nname = \"anode\"\nupgrade-from = \"zero\"\n",
        )
        .unwrap();
        let names: Vec<&str> = c.releases().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["zero", "anode"]);
        let zero = c.get("zero").unwrap();
        assert_eq!(
            zero.upstream.as_deref(),
            Some(Path::new("openapi/upstream/zero.json"))
        );
        assert_eq!(
            zero.overlay.as_deref(),
            Some(Path::new("openapi/overlays/zero.yaml"))
        );
        assert_eq!(c.default().name, "anode");
        assert_eq!(c.default().upgrade_from.as_deref(), Some("zero"));
    }

    #[test]
    fn contradictions_are_refused_with_a_reason() {
        let cases = [
            (
                "default = \"x\"\n[[release]]\nname = \"zero\"\n",
                "default `x`",
            ),
            (
                "default = \"a\"\n[[release]]\nname = \"a\"\n[[release]]\nname = \"a\"\n",
                "twice",
            ),
            (
                "default = \"Zero\"\n[[release]]\nname = \"Zero\"\n",
                "lower-case",
            ),
            (
                "default = \"a\"\n[[release]]\nname = \"a\"\noverlay = \"o.yaml\"\n",
                "no upstream",
            ),
            (
                "default = \"a\"\n[[release]]\nname = \"a\"\nupgrade-from = \"b\"\n",
                "`b`",
            ),
            (
                "default = \"a\"\n[[release]]\nname = \"a\"\nsurprise = 1\n",
                "surprise",
            ),
        ];
        for (text, why) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with(PATH) && err.contains(why), "{why}: {err}");
        }
    }

    #[test]
    fn a_version_names_its_release_by_its_suffix() {
        assert_eq!(name_in_version("2025-09-14.anode"), Some("anode"));
        assert_eq!(name_in_version(" 2027-01-01.yotta "), Some("yotta"));
        assert_eq!(name_in_version("2025-09-14"), None);
        assert_eq!(name_in_version("2025."), None);
    }
}
