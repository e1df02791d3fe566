//! The guide in docs/guide: every link leads somewhere, every picture is
//! one a browser test takes (so none goes stale), and mdBook builds it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn guide() -> PathBuf {
    root().join("docs/guide/src")
}

/// The targets of a Markdown text's links and images: `](target)`.
fn links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| target.split_whitespace().next().unwrap_or("").to_owned())
        .collect()
}

/// The anchors mdBook gives a page's headings: lower case, spaces as
/// hyphens, other punctuation dropped.
fn anchors(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|heading| {
            heading
                .trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

fn pages() -> Vec<PathBuf> {
    let mut pages = Vec::new();
    let mut dirs = vec![guide()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// The pictures the browser tests keep: `keep_screenshot("name.png")`.
fn pictures_taken() -> BTreeSet<String> {
    let browser = root().join("crates/coopkit-web/tests/it/browser");
    let mut taken = BTreeSet::new();
    for entry in std::fs::read_dir(browser).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue; // vendor/: axe-core
        }
        let text = std::fs::read_to_string(path).unwrap();
        for call in text.split("keep_screenshot(\"").skip(1) {
            taken.insert(call.split('"').next().unwrap().to_owned());
        }
    }
    taken
}

#[test]
fn every_link_leads_somewhere_and_every_picture_is_taken_by_a_test() {
    let taken = pictures_taken();
    assert!(taken.contains("found.png"), "{taken:?}");
    let pages = pages();
    let mut problems = Vec::new();
    let mut in_summary = BTreeSet::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let dir = page.parent().unwrap();
        for target in links(&text) {
            if target.starts_with("http://") || target.starts_with("https://") {
                continue;
            }
            let (file, anchor) = match target.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (target.as_str(), None),
            };
            let path = if file.is_empty() {
                page.clone()
            } else {
                dir.join(file)
            };
            let here = page.strip_prefix(guide()).unwrap().display().to_string();
            if !path.exists() {
                problems.push(format!("{here}: {target} is not there"));
                continue;
            }
            if page.ends_with("SUMMARY.md") {
                in_summary.insert(path.canonicalize().unwrap());
            }
            if let Some(anchor) = anchor {
                let linked = std::fs::read_to_string(&path).unwrap();
                if !anchors(&linked).contains(anchor) {
                    problems.push(format!("{here}: {target} names no heading there"));
                }
            }
            if let Some(picture) = file.strip_prefix("../images/") {
                if !taken.contains(picture) {
                    problems.push(format!(
                        "{here}: {picture} is no browser test's keep_screenshot, so it would go stale"
                    ));
                }
            }
        }
    }
    for page in &pages {
        if !page.ends_with("SUMMARY.md") && !in_summary.contains(&page.canonicalize().unwrap()) {
            problems.push(format!("{} is in no chapter of SUMMARY.md", page.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_link_checker_finds_what_is_broken() {
    let text = "[a](operator/install.md) ![b](../images/x.png \"t\") [c](https://x.org)";
    assert_eq!(
        links(text),
        ["operator/install.md", "../images/x.png", "https://x.org"]
    );
    let heads = anchors("# Install and start\n## Several servers, behind a proxy\n");
    assert!(heads.contains("install-and-start"));
    assert!(
        heads.contains("several-servers-behind-a-proxy"),
        "{heads:?}"
    );
}

#[test]
fn mdbook_builds_the_guide() {
    let found = Command::new("mdbook").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("COOPKIT_REQUIRE_MDBOOK").is_none(),
            "COOPKIT_REQUIRE_MDBOOK is set but mdbook is not installed (scripts/install-test-deps)"
        );
        eprintln!("skipped: mdbook is not installed");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let built = Command::new("mdbook")
        .arg("build")
        .arg(root().join("docs/guide"))
        .arg("--dest-dir")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let found = std::fs::read_to_string(out.path().join("coordinator/found.html")).unwrap();
    assert!(
        found.contains("images/found.png"),
        "the picture is in the page"
    );
}
