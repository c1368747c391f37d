//! `--check`: compare freshly generated text with the file on disk.

use std::path::Path;

/// `None` when `path` holds exactly `expected`; otherwise a unified diff (or a note that the
/// file is missing) to show the user.
pub fn stale(path: &Path, expected: &str) -> Option<String> {
    let actual = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            return Some(format!(
                "{}: cannot read ({e}); it would be generated",
                path.display()
            ));
        }
    };
    if actual == expected {
        return None;
    }
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(&actual, expected);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("{name} (on disk)"), &format!("{name} (generated)"))
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_file_is_not_stale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.rs");
        std::fs::write(&path, "a\nb\n").unwrap();
        assert_eq!(stale(&path, "a\nb\n"), None);
    }

    #[test]
    fn changed_file_gives_a_unified_diff() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.rs");
        std::fs::write(&path, "a\nb\n").unwrap();
        let diff = stale(&path, "a\nc\n").unwrap();
        assert!(diff.contains("-b\n") && diff.contains("+c\n"), "{diff}");
        assert!(
            diff.contains("(on disk)") && diff.contains("(generated)"),
            "{diff}"
        );
    }

    #[test]
    fn missing_file_is_stale() {
        let diff = stale(Path::new("/nonexistent/g.rs"), "x").unwrap();
        assert!(diff.contains("cannot read"), "{diff}");
    }
}
