//! Every page a browser test visits is checked twice, at a phone's width
//! and a desktop's, by axe-core (vendored from npm by scripts/vendor-assets)
//! in the page itself, and at the phone's width it must not scroll
//! sideways; a page in Spanish must show no English word (spanish.rs). A
//! violation of impact serious or critical, a page wider than the phone or
//! an English word fails the test when it stops, listed with the page, the
//! width and the elements or words, so one run shows all of them.

use std::collections::HashSet;
use std::sync::Mutex;

use super::Browser;

/// axe-core's own script, injected into each page once.
const AXE: &str = include_str!("vendor/axe.min.js");

/// A phone's width and a desktop's, in CSS pixels; the window returns to the
/// phone's after each audit, so the tests themselves run on a phone.
pub(super) const WIDTHS: [u32; 2] = [390, 1280];
const HEIGHT: u32 = 900;

/// Runs axe and answers the serious and critical violations, one line each.
const RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ["violations"] }).then(
  (results) => done(results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} (${v.help}): `
      + v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", "))),
  (error) => done([`axe failed: ${error}`]));
"#;

/// Null when the page fits its window; otherwise its width and the
/// innermost elements reaching past the window, outside any region that
/// scrolls by itself.
const TOO_WIDE: &str = r##"
const root = document.documentElement;
if (root.scrollWidth <= root.clientWidth) return null;
const past = (e) => e.getBoundingClientRect().right > root.clientWidth + 1;
const scrolls = (e) => {
  for (let a = e.parentElement; a; a = a.parentElement)
    if (["auto", "scroll", "hidden"].includes(getComputedStyle(a).overflowX) && a !== root && a !== document.body) return true;
  return false;
};
const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
  + [...e.classList].map((c) => "." + c).join("");
const culprits = [...document.body.querySelectorAll("*")]
  .filter((e) => past(e) && ![...e.children].some(past) && !scrolls(e))
  .slice(0, 4).map(name);
return `the page is ${root.scrollWidth} px wide: ${culprits.join(", ")}`;
"##;

/// The pages audited so far and what was found on them.
#[derive(Default)]
pub(super) struct Audits {
    seen: Mutex<HashSet<String>>,
    found: Mutex<Vec<String>>,
}

impl Browser {
    /// Audits the page shown now, unless this address was audited already
    /// (a page shown again after a click is not audited twice).
    pub(super) async fn audit(&self) {
        let Ok(mut url) = self.client.current_url().await else {
            return;
        };
        url.set_fragment(None);
        if url.scheme() == "data" || url.scheme() == "about" {
            return;
        }
        if !self.audits.seen.lock().unwrap().insert(url.to_string()) {
            return;
        }
        // A download shown by the browser (GeoJSON, CSV) is not a page.
        let kind = self
            .client
            .execute("return document.contentType;", vec![])
            .await
            .expect("read the document's type");
        if kind.as_str() != Some("text/html") {
            return;
        }
        self.client
            .execute(&format!("{AXE}\nreturn true;"), vec![])
            .await
            .expect("inject axe-core");
        let text = self
            .client
            .execute(super::spanish::TEXT, vec![])
            .await
            .expect("read the page's text");
        if let Some([text, typed]) = text.as_array().map(Vec::as_slice) {
            let (text, typed) = (text.as_str().unwrap_or(""), typed.as_str().unwrap_or(""));
            let english = super::spanish::english_words(text, typed);
            if !english.is_empty() {
                self.audits.found.lock().unwrap().push(format!(
                    "{url}: English words on a Spanish page: {}",
                    english.join(", ")
                ));
            }
        }
        // The desktop's width first, so the window ends at the phone's.
        for width in WIDTHS.iter().rev() {
            self.client
                .set_window_size(*width, HEIGHT)
                .await
                .expect("resize the window");
            let found = self
                .client
                .execute_async(RUN, vec![])
                .await
                .expect("run axe-core");
            let mut found: Vec<String> = serde_json::from_value(found).unwrap_or_default();
            if *width == WIDTHS[0] {
                found.extend(self.too_wide().await);
            }
            self.audits.found.lock().unwrap().extend(
                found
                    .into_iter()
                    .map(|v| format!("{url} at {width} px: {v}")),
            );
        }
    }

    /// Says how wide the page is, and which elements reach past the
    /// window, when something in it scrolls the whole page sideways.
    async fn too_wide(&self) -> Option<String> {
        let found = self
            .client
            .execute(TOO_WIDE, vec![])
            .await
            .expect("measure the page");
        found.as_str().map(str::to_owned)
    }
}

impl Audits {
    /// Fails with every violation found on any page this browser visited.
    pub(super) fn assert_none_found(&self) {
        let found = self.found.lock().unwrap();
        assert!(
            found.is_empty(),
            "{} problems on the pages visited (axe-core's serious or critical violations, or \
             wider than a phone):\n{}",
            found.len(),
            found.join("\n")
        );
    }
}

/// The audits see only the pages the tests visit; this sees every table in
/// every template. Each scrolls inside a region the keyboard reaches and
/// that is named by a heading on the same page: otherwise a table wider
/// than a phone widens the whole page, or scrolls only for a mouse.
#[test]
fn every_table_scrolls_inside_a_named_region_the_keyboard_reaches() {
    const REGION: &str = r#"<div class="table-wrap" role="region" tabindex="0" aria-labelledby=""#;
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")];
    let mut tables = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let page = std::fs::read_to_string(&path).unwrap();
            for (at, _) in page.match_indices("<table") {
                tables += 1;
                let before = page[..at].trim_end();
                let open = before.rfind('<').unwrap();
                let wrapper = &before[open..];
                assert!(
                    wrapper.starts_with(REGION),
                    "{}: a table outside a focusable region: {wrapper}",
                    path.display()
                );
                let label = wrapper[REGION.len()..].split('"').next().unwrap();
                assert!(
                    page.matches(&format!(r#"id="{label}""#)).count() == 1,
                    "{}: the region's label {label:?} is not one element's id",
                    path.display()
                );
            }
        }
    }
    assert!(tables > 20, "only {tables} tables found");
}
