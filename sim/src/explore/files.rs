//! Where a check's files go and how they are written: the failures folder, file names, and
//! atomic writes.

use crate::env::ASYNCLIFE_FAILURES_DIR;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file the tool could not write: the folder or the file, and the I/O error. Its text is
/// whole (the I/O error's own text included); [`source`](std::error::Error::source) gives the
/// I/O error itself.
#[derive(Debug)]
pub enum WriteError {
    /// The folder could not be created.
    CreateDir {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file (its temporary, its flush, or its rename into place) could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::CreateDir { dir, source } => {
                write!(
                    f,
                    "{}: cannot create the directory: {source}",
                    dir.display()
                )
            }
            WriteError::Write { path, source } => {
                write!(f, "{}: cannot write the file: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::CreateDir { source, .. } | WriteError::Write { source, .. } => Some(source),
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed to disk and
/// renamed into place: whoever reads `path`, or kills the writer, sees the old file or the
/// new one whole. Creates the folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let write = || -> io::Result<()> {
        let mut builder = tempfile::Builder::new();
        // As `std::fs::write` would make it (a temporary file is private by default).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let mut file = builder.tempfile_in(dir)?;
        file.write_all(bytes)?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// `name` as a file name: letters, digits, `-`, `_` and `.` kept, anything else `_` (a test
/// path's `::` among them).
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "check".to_string()
    } else {
        stem
    }
}

/// Where a check writes failure files: `ASYNCLIFE_FAILURES_DIR`, else `asynclife/failures`
/// in the target directory the running test binary was built in (`TARGET/debug/deps/x` ->
/// `TARGET/asynclife/failures`), else `target/asynclife/failures` here. Absolute when it can
/// be, so that the reproduce line works from any folder.
pub fn failures_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(ASYNCLIFE_FAILURES_DIR) {
        return absolute(PathBuf::from(dir));
    }
    let target = std::env::current_exe().ok().and_then(|exe| {
        // TARGET/<profile>/deps/<binary> (TARGET may be CARGO_TARGET_DIR, named anything).
        let deps = exe.parent()?;
        (deps.file_name()? == "deps").then_some(())?;
        Some(deps.parent()?.parent()?.to_path_buf())
    });
    absolute(target.unwrap_or_else(|| PathBuf::from("target"))).join("asynclife/failures")
}

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_keep_names_and_replace_separators() {
        assert_eq!(
            file_stem("tests::shutdown_drains"),
            "tests__shutdown_drains"
        );
        assert_eq!(file_stem("retry-storm.v2"), "retry-storm.v2");
        assert_eq!(file_stem("a/b c"), "a_b_c");
        assert_eq!(file_stem(""), "check");
    }

    #[test]
    fn an_atomic_write_replaces_the_file_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/f.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let entries = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(entries, 1, "only the file itself is left");
    }

    #[test]
    fn an_unwritable_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let err = write_atomically(&blocker.join("f.json"), b"x").unwrap_err();
        assert!(matches!(err, WriteError::CreateDir { ref dir, .. } if *dir == blocker));
        let err = err.to_string();
        assert!(err.contains("cannot create the directory"), "{err}");
    }
}
