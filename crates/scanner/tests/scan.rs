//! Scans of real temporary directory trees.

use amanmcp_scanner::{scan, Language, PathFilter, ScanOptions, SkipReason};
use std::fs;
use std::path::Path;

fn write(root: &Path, rel: &str, content: &[u8]) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn paths(root: &Path, opts: &ScanOptions) -> Vec<String> {
    scan(root, opts)
        .unwrap()
        .files
        .into_iter()
        .map(|f| f.path)
        .collect()
}

fn reason(report: &amanmcp_scanner::ScanReport, path: &str) -> Option<SkipReason> {
    report
        .skipped
        .iter()
        .find(|s| s.path == path)
        .map(|s| s.reason.clone())
}

#[test]
fn nested_gitignore_with_negation_and_amanmcpignore() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", b"*.log\ngenerated/\n");
    write(root, "src/main.rs", b"fn main() {}\n");
    write(root, "src/debug.log", b"x\n");
    write(root, "src/keep/.gitignore", b"!important.log\nsecret.rs\n");
    write(root, "src/keep/important.log", b"kept\n");
    write(root, "src/keep/secret.rs", b"fn s() {}\n");
    write(root, "src/keep/open.rs", b"fn o() {}\n");
    write(root, "generated/g.rs", b"fn g() {}\n");
    write(root, ".amanmcpignore", b"docs/drafts/\n");
    write(root, "docs/drafts/d.md", b"# d\n");
    write(root, "docs/guide.md", b"# guide\n");
    write(root, ".git/config", b"[core]\n");
    write(root, ".amanmcp/index.json", b"{}\n");

    let files = paths(root, &ScanOptions::default());
    // `.amanmcpignore` has no known type, so it is not indexed itself.
    let expected = [
        ".gitignore",
        "docs/guide.md",
        "src/keep/.gitignore",
        "src/keep/open.rs",
        "src/main.rs",
    ];
    assert_eq!(files, expected);
    // `important.log` is re-included by negation but `.log` is no known language.
    let report = scan(root, &ScanOptions::default()).unwrap();
    assert_eq!(
        reason(&report, "src/keep/important.log"),
        Some(SkipReason::UnknownLanguage)
    );
    assert_eq!(
        reason(&report, "src/debug.log"),
        None,
        "ignored files are not even reported"
    );
}

#[test]
fn defaults_exclude_vendored_dirs_unless_unignored() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/app.js", b"export const a = 1;\n");
    write(
        root,
        "node_modules/left-pad/index.js",
        b"module.exports = 1;\n",
    );
    write(root, "target/debug/build.rs", b"fn b() {}\n");
    write(root, "web/dist/out.js", b"var x;\n");
    write(root, "Cargo.lock", b"# lock\n");
    write(root, "pkg/package-lock.json", b"{}\n");

    let report = scan(root, &ScanOptions::default()).unwrap();
    let files: Vec<_> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, vec!["src/app.js"]);
    assert_eq!(
        report.excluded_dirs,
        vec!["node_modules/", "target/", "web/dist/"]
    );
    assert_eq!(reason(&report, "Cargo.lock"), Some(SkipReason::Generated));
    assert_eq!(
        reason(&report, "pkg/package-lock.json"),
        Some(SkipReason::Generated)
    );

    // Un-ignore through .amanmcpignore negation.
    write(root, ".amanmcpignore", b"!node_modules/\n");
    let files = paths(root, &ScanOptions::default());
    assert!(
        files.contains(&"node_modules/left-pad/index.js".to_string()),
        "{files:?}"
    );
    assert!(!files.iter().any(|f| f.starts_with("target/")));
    fs::remove_file(root.join(".amanmcpignore")).unwrap();

    // ... through a .gitignore negation.
    write(root, ".gitignore", b"!target/\n");
    let files = paths(root, &ScanOptions::default());
    assert!(
        files.contains(&"target/debug/build.rs".to_string()),
        "{files:?}"
    );
    fs::remove_file(root.join(".gitignore")).unwrap();

    // ... and through config patterns, which can also add exclusions.
    let opts = ScanOptions {
        ignore_patterns: vec!["!dist/".into(), "src/".into()],
        ..ScanOptions::default()
    };
    assert_eq!(paths(root, &opts), vec!["web/dist/out.js"]);
}

#[test]
fn content_rules_binary_size_utf8_minified() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "ok.py", b"print('hi')\n");
    write(root, "bin.c", b"int x;\0\0\0binary");
    write(root, "big.rs", &vec![b'a'; 2000]);
    write(
        root,
        "utf16.txt",
        &"hello world"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .map(|b| if b == 0 { 0xff } else { b })
            .collect::<Vec<_>>(),
    );
    write(root, "app.js", "var a=1;".repeat(1000).as_bytes());
    write(root, "image.png", b"\x89PNG\r\n");
    write(root, "bin/tool", b"#!/usr/bin/env python3\nprint(1)\n");
    write(root, "bin/data", b"no shebang here\n");

    let opts = ScanOptions {
        max_file_size: 1000,
        ..ScanOptions::default()
    };
    let report = scan(root, &opts).unwrap();
    let files: Vec<_> = report
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.language))
        .collect();
    assert_eq!(
        files,
        vec![("bin/tool", Language::Python), ("ok.py", Language::Python)]
    );
    assert_eq!(reason(&report, "bin.c"), Some(SkipReason::Binary));
    assert_eq!(
        reason(&report, "big.rs"),
        Some(SkipReason::TooLarge {
            size: 2000,
            limit: 1000
        })
    );
    assert_eq!(reason(&report, "utf16.txt"), Some(SkipReason::InvalidUtf8));
    assert_eq!(
        reason(&report, "image.png"),
        Some(SkipReason::UnknownLanguage)
    );
    assert_eq!(
        reason(&report, "bin/data"),
        Some(SkipReason::UnknownLanguage)
    );
    let report = scan(root, &ScanOptions::default()).unwrap();
    assert_eq!(reason(&report, "app.js"), Some(SkipReason::Generated));

    let ok = report.files.iter().find(|f| f.path == "ok.py").unwrap();
    assert_eq!(ok.size, 12);
    assert_eq!(ok.hash, blake3::hash(b"print('hi')\n").to_hex().to_string());
    assert!(ok.mtime_ns > 0);
    assert!(ok.abs_path.ends_with("ok.py"));
    assert_eq!(
        amanmcp_scanner::read_text(&ok.abs_path).unwrap(),
        "print('hi')\n"
    );
    assert_eq!(
        amanmcp_scanner::read_text(&root.join("bin.c")),
        Err(SkipReason::Binary)
    );
}

#[cfg(unix)]
#[test]
fn symlinks_broken_loop_outside_and_unreadable() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/a.rs", b"fn a() {}\n");
    write(outside.path(), "x.rs", b"fn x() {}\n");
    symlink(root.join("missing.rs"), root.join("broken.rs")).unwrap();
    symlink(root.join("src"), root.join("src/again")).unwrap();
    symlink(root.join("self.rs"), root.join("self.rs")).unwrap();
    symlink(outside.path(), root.join("external")).unwrap();
    symlink(root.join("src/a.rs"), root.join("alias.rs")).unwrap();
    write(root, "locked.rs", b"fn l() {}\n");
    fs::set_permissions(root.join("locked.rs"), fs::Permissions::from_mode(0o000)).unwrap();

    let report = scan(root, &ScanOptions::default()).unwrap();
    let files: Vec<_> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert!(
        files.contains(&"src/a.rs") && files.contains(&"alias.rs"),
        "{report:?}"
    );
    assert!(!files.iter().any(|f| f.starts_with("external")));
    assert_eq!(
        reason(&report, "broken.rs"),
        Some(SkipReason::BrokenSymlink)
    );
    assert_eq!(reason(&report, "src/again"), Some(SkipReason::SymlinkLoop));
    assert_eq!(reason(&report, "self.rs"), Some(SkipReason::SymlinkLoop));
    assert_eq!(
        reason(&report, "external"),
        Some(SkipReason::SymlinkOutsideRoot)
    );
    // Root ignores permission bits, so the file is readable there.
    let running_as_root = fs::read(root.join("locked.rs")).is_ok();
    if !running_as_root {
        assert!(
            matches!(
                reason(&report, "locked.rs"),
                Some(SkipReason::Unreadable(_))
            ),
            "{report:?}"
        );
    }
    fs::set_permissions(root.join("locked.rs"), fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn path_filter_agrees_with_scan() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", b"*.tmp.rs\n/out/\n");
    write(root, "a/.gitignore", b"!keep.tmp.rs\n");
    write(root, ".amanmcpignore", b"secret/\n");
    write(root, "a/keep.tmp.rs", b"fn k() {}\n");
    write(root, "a/drop.tmp.rs", b"fn d() {}\n");
    write(root, "a/b/c.rs", b"fn c() {}\n");
    write(root, "out/o.rs", b"fn o() {}\n");
    write(root, "secret/s.rs", b"fn s() {}\n");
    write(root, "node_modules/m.js", b"var m;\n");
    write(root, "README.md", b"# r\n");
    write(root, "notes.xyz", b"?\n");
    let opts = ScanOptions::default();
    let scanned = paths(root, &opts);
    let filter = PathFilter::new(root, &opts).unwrap();
    let candidates = [
        "a/keep.tmp.rs",
        "a/drop.tmp.rs",
        "a/b/c.rs",
        "out/o.rs",
        "secret/s.rs",
        "node_modules/m.js",
        "README.md",
        "notes.xyz",
        ".git/HEAD",
        ".amanmcp/x.rs",
        "a/new_file_not_yet_created.rs",
    ];
    for rel in candidates {
        let expected = if root.join(rel).exists() {
            scanned.contains(&rel.to_string())
        } else {
            // Deleted/new paths are judged by name: only the new .rs file qualifies.
            rel.starts_with("a/new_file")
        };
        assert_eq!(filter.is_indexable(&root.join(rel)), expected, "{rel}");
    }
    assert!(filter.is_indexable(&root.join("a/b")));
    assert!(!filter.is_indexable(&root.join("out")));
    assert!(!filter.is_indexable(Path::new("/etc/passwd")));
    // Canonical and relative-with-dots spellings are accepted.
    let canonical = fs::canonicalize(root).unwrap();
    assert!(filter.is_indexable(&canonical.join("a/b/../b/c.rs")));
    assert!(PathFilter::is_rule_file(&root.join("a/.gitignore")));
}

#[test]
fn unusable_root_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(scan(&dir.path().join("nope"), &ScanOptions::default()).is_err());
    write(dir.path(), "f.rs", b"");
    assert!(scan(&dir.path().join("f.rs"), &ScanOptions::default()).is_err());
}

#[test]
fn git_info_exclude_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".git/info/exclude", b"scratch/\n");
    write(root, "scratch/s.rs", b"fn s() {}\n");
    write(root, "src/lib.rs", b"fn l() {}\n");
    assert_eq!(paths(root, &ScanOptions::default()), vec!["src/lib.rs"]);
    // A scan rooted in a subdirectory still sees the repository's rules.
    write(root, ".gitignore", b"*.gen.rs\n");
    write(root, "src/x.gen.rs", b"fn g() {}\n");
    assert_eq!(
        paths(&root.join("src"), &ScanOptions::default()),
        vec!["lib.rs"]
    );
    let filter = PathFilter::new(&root.join("src"), &ScanOptions::default()).unwrap();
    assert!(!filter.is_indexable(&root.join("src/x.gen.rs")));
}

#[test]
fn path_filter_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PathFilter>();
}

#[test]
fn index_dir_name_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".idx/state.json", b"{}\n");
    write(root, "a.json", b"{}\n");
    let opts = ScanOptions {
        index_dir_name: ".idx".into(),
        ..ScanOptions::default()
    };
    assert_eq!(paths(root, &opts), vec!["a.json"]);
}
