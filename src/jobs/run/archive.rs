//! Archives in a run directory, as the official SDK lays them out: `archive<suffix>` kept next to
//! `files/`, unpacked through a `files.tmp-*` directory renamed into place, the predicted
//! structure renamed `<id>_predicted.cif` (or `.pdb`), and the paths `index.jsonl` points to.

use std::fs::File;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::error::RunError;
use crate::error::Error;

/// The suffixes the SDK recognises, in the order it tries them.
const SUFFIXES: [&str; 4] = [".tar.gz", ".tgz", ".tar", ".zip"];

/// The archive's suffix, from the last segment of the link's path (never its query).
pub(crate) fn suffix(url: &str) -> Result<&'static str, Error> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let file_name = path.rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
    SUFFIXES
        .into_iter()
        .find(|suffix| file_name.ends_with(suffix))
        .ok_or_else(|| RunError::ArchiveType { file_name }.into())
}

/// `archive<suffix>` and `files/` in `dir`, as the SDK names them.
pub(crate) fn locations(dir: &Path, suffix: &str) -> (PathBuf, PathBuf) {
    (dir.join(format!("archive{suffix}")), dir.join("files"))
}

/// The SDK's test: the archive is kept and `files/` exists.
pub(crate) fn is_materialized(archive: &Path, files: &Path) -> bool {
    archive.is_file() && files.is_dir()
}

/// Unpack `archive` into `files` (unless it is already there) by way of a fresh
/// `files.tmp-XXXXXXXX` directory beside it (and removes those an earlier, killed unpack left);
/// an archive that does not unpack is removed.
/// Only regular files and directories are written: an entry whose path leaves the directory, or
/// a link, a device or another kind of entry, is an error.
pub(crate) async fn unpack(archive: PathBuf, files: PathBuf) -> Result<(), Error> {
    tokio::task::spawn_blocking(move || unpack_blocking(&archive, &files))
        .await
        .expect("unpacking does not panic")
}

/// [`unpack`], on the calling thread.
pub(crate) fn unpack_blocking(archive: &Path, files: &Path) -> Result<(), Error> {
    let parent = files.parent().expect("files/ has a parent");
    remove_leftovers(parent)?;
    if files.is_dir() {
        return Ok(());
    }
    let tmp = parent.join(format!("files.tmp-{}", fastrand_name()));
    let result = unpack_into(archive, &tmp).and_then(|()| {
        if files.exists() {
            std::fs::remove_file(files).map_err(|e| file_error(files, e))?;
        }
        std::fs::rename(&tmp, files).map_err(|e| file_error(files, e))
    });
    if result.is_err() {
        // The archive goes too, so that a later run fetches it again rather than refusing
        // the same bytes.
        let _ = std::fs::remove_dir_all(&tmp);
        let _ = std::fs::remove_file(archive);
    }
    result
}

/// The `files.tmp-*` directories an unpack killed half-way left in `dir`.
fn remove_leftovers(dir: &Path) -> Result<(), Error> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with("files.tmp-") {
            let path = entry.path();
            std::fs::remove_dir_all(&path).map_err(|e| file_error(&path, e))?;
        }
    }
    Ok(())
}

fn fastrand_name() -> String {
    std::iter::repeat_with(fastrand::alphanumeric).take(8).collect()
}

fn unpack_into(archive: &Path, dest: &Path) -> Result<(), Error> {
    std::fs::create_dir(dest).map_err(|e| file_error(dest, e))?;
    let name = archive.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let bad = |reason: String| Error::from(RunError::Archive { path: archive.to_owned(), reason });
    let file = File::open(archive).map_err(|e| file_error(archive, e))?;
    if name.ends_with(".zip") {
        let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(|e| bad(e.to_string()))?;
            let path =
                entry.enclosed_name().ok_or_else(|| bad(format!("{:?} leaves the archive", entry.name())))?;
            if entry.is_symlink() {
                return Err(bad(format!("{:?} is a link", entry.name())));
            } else if entry.is_dir() {
                create_dirs(&dest.join(path))?;
            } else if entry.is_file() {
                write_entry(&mut entry, &dest.join(path))?;
            }
        }
        return Ok(());
    }
    let reader: Box<dyn io::Read> =
        if name.ends_with(".tar") { Box::new(file) } else { Box::new(flate2::read::GzDecoder::new(file)) };
    let mut tar = tar::Archive::new(reader);
    for entry in tar.entries().map_err(|e| bad(e.to_string()))? {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let path = entry.path().map_err(|e| bad(e.to_string()))?.into_owned();
        if !path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err(bad(format!("{} leaves the archive", path.display())));
        }
        match entry.header().entry_type() {
            tar::EntryType::Directory => create_dirs(&dest.join(&path))?,
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                write_entry(&mut entry, &dest.join(&path))?
            }
            // Metadata entries of the tar formats describe the next entry; they write nothing.
            tar::EntryType::XHeader
            | tar::EntryType::XGlobalHeader
            | tar::EntryType::GNULongName
            | tar::EntryType::GNULongLink => {}
            // Links, devices and the rest could reach outside the directory: refused, as the
            // official CLI refuses them.
            other => return Err(bad(format!("{} is not a regular file ({other:?})", path.display()))),
        }
    }
    Ok(())
}

fn create_dirs(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(|e| file_error(path, e))
}

fn write_entry(entry: &mut impl io::Read, path: &Path) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        create_dirs(parent)?;
    }
    let mut out = File::create(path).map_err(|e| file_error(path, e))?;
    io::copy(entry, &mut out).map_err(|e| file_error(path, e))?;
    Ok(())
}

fn file_error(path: &Path, source: io::Error) -> Error {
    Error::File { path: path.to_owned(), source }
}

/// The predicted structure in `files`, found as the SDK finds it: a fixed list of names first,
/// then the first `.cif` or `.pdb` file in path order.
pub(crate) fn find_structure(files: &Path, id: &str) -> Option<PathBuf> {
    let known = [
        format!("result/{id}_predicted.cif"),
        format!("{id}_predicted.cif"),
        format!("result/{id}_predicted.pdb"),
        format!("{id}_predicted.pdb"),
        "result/predicted_structure.cif".to_owned(),
        "predicted_structure.cif".to_owned(),
    ];
    if let Some(found) = known.iter().map(|name| files.join(name)).find(|path| path.is_file()) {
        return Some(found);
    }
    first_file(files, |name| name.ends_with(".cif") || name.ends_with(".pdb"))
}

/// Rename the predicted structure `<id>_predicted.cif` (or `.pdb`) where it lies, unless that
/// name is taken.
pub(crate) async fn rename_structure(files: PathBuf, id: String) -> Result<(), Error> {
    tokio::task::spawn_blocking(move || rename_structure_blocking(&files, &id))
        .await
        .expect("renaming does not panic")
}

/// [`rename_structure`], on the calling thread.
pub(crate) fn rename_structure_blocking(files: &Path, id: &str) -> Result<(), Error> {
    let Some(found) = find_structure(files, id) else { return Ok(()) };
    let is_pdb = found.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdb"));
    let target = found.with_file_name(format!("{id}_predicted.{}", if is_pdb { "pdb" } else { "cif" }));
    if target == found || target.exists() {
        return Ok(());
    }
    std::fs::rename(&found, &target).map_err(|e| file_error(&target, e))
}

/// The paths an `index.jsonl` line gives for a result, relative to the run directory: its
/// archive, `files/`, metrics, structure and PAE, each when present, in that order.
pub(crate) fn result_paths(run_dir: &Path, id: &str) -> Vec<(&'static str, String)> {
    let dir = run_dir.join("results").join(id);
    let relative = |path: &Path| {
        let path = path.strip_prefix(run_dir).unwrap_or(path);
        path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
    };
    let mut paths = Vec::new();
    if let Some(archive) = SUFFIXES.iter().map(|s| dir.join(format!("archive{s}"))).find(|p| p.is_file()) {
        paths.push(("archive", relative(&archive)));
    }
    let files = dir.join("files");
    if !files.is_dir() {
        return paths;
    }
    paths.push(("files", relative(&files)));
    let named = |name: &str| {
        [files.join("result").join(name), files.join(name)]
            .into_iter()
            .find(|p| p.is_file())
            .or_else(|| first_file(&files, |n| n == name))
    };
    if let Some(metrics) = named("metrics.json") {
        paths.push(("metrics", relative(&metrics)));
    }
    if let Some(structure) = find_structure(&files, id) {
        paths.push(("structure", relative(&structure)));
    }
    if let Some(pae) = named("pae.npz") {
        paths.push(("pae", relative(&pae)));
    }
    paths
}

/// The first regular file under `dir`, in path order, whose lowercased name passes `wanted`.
fn first_file(dir: &Path, wanted: impl Fn(&str) -> bool + Copy) -> Option<PathBuf> {
    let mut found = Vec::new();
    collect_files(dir, &mut found);
    found.sort();
    found
        .into_iter()
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| wanted(&n.to_lowercase())))
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            collect_files(&entry.path(), out);
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_come_from_the_path_only() {
        assert_eq!(suffix("https://s/a/Archive.TAR.GZ?X-Amz-Signature=abc&x=.zip").unwrap(), ".tar.gz");
        assert_eq!(suffix("https://s/a/archive.zip.tar.gz").unwrap(), ".tar.gz");
        assert_eq!(suffix("https://s/out.zip").unwrap(), ".zip");
        assert_eq!(suffix("https://s/a.tgz#frag").unwrap(), ".tgz");
        let err = suffix("https://s/a/results.bin?sig=secret").unwrap_err();
        assert!(err.to_string().contains("results.bin") && !err.to_string().contains("secret"), "{err}");
    }

    #[tokio::test]
    async fn unpacks_renames_and_finds_paths_like_the_sdk() {
        let run = std::env::temp_dir().join(format!("boltz-api-archive-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&run);
        let dir = run.join("results").join("r1");
        std::fs::create_dir_all(&dir).unwrap();
        let (archive, files) = locations(&dir, ".tar.gz");
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            File::create(&archive).unwrap(),
            flate2::Compression::fast(),
        ));
        for (name, body) in [
            ("result/predicted_structure.cif", "data_x"),
            ("result/metrics.json", "{}"),
            ("result/sample_1/structure.cif", "data_y"),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, name, body.as_bytes()).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap();
        assert!(!is_materialized(&archive, &files));
        unpack(archive.clone(), files.clone()).await.unwrap();
        assert!(is_materialized(&archive, &files));
        rename_structure(files.clone(), "r1".into()).await.unwrap();
        assert!(files.join("result/r1_predicted.cif").is_file());
        assert!(files.join("result/sample_1/structure.cif").is_file(), "only one file is renamed");
        assert_eq!(
            result_paths(&run, "r1"),
            vec![
                ("archive", "results/r1/archive.tar.gz".to_owned()),
                ("files", "results/r1/files".to_owned()),
                ("metrics", "results/r1/files/result/metrics.json".to_owned()),
                ("structure", "results/r1/files/result/r1_predicted.cif".to_owned()),
            ]
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 2, "no files.tmp-* is left: {leftovers:?}");
        std::fs::remove_dir_all(&run).unwrap();
    }

    #[tokio::test]
    async fn an_entry_leaving_the_directory_is_refused_and_nothing_is_left() {
        let dir = std::env::temp_dir().join(format!("boltz-api-archive-evil-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (archive, files) = locations(&dir, ".tar");
        // tar::Builder refuses `..`, so the header is written by hand.
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..12].copy_from_slice(b"../escape.tx");
        header.set_size(1);
        header.set_mode(0o644);
        header.set_cksum();
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend_from_slice(&[b'x'; 512]);
        bytes.extend_from_slice(&[0; 1024]);
        std::fs::write(&archive, bytes).unwrap();
        let err = unpack(archive, files.clone()).await.unwrap_err();
        assert!(err.to_string().contains("leaves the archive"), "{err}");
        assert!(!files.exists() && !dir.parent().unwrap().join("escape.tx").exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "nothing remains, the archive neither");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
