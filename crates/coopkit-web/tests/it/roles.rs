//! Roles first: whoever lacks the role a form or an API operation needs is
//! refused (403, or 404 where existence is private) whatever they send,
//! before anything they sent is read, and nothing changes.
//!
//! The walks find their own targets: every form an admin is shown on the
//! demo co-ops' pages, and every operation in the OpenAPI document with the
//! access it declares. A new form or operation is walked without this file
//! changing.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use coopkit_domain::EventSeq;
use coopkit_testkit::{backends, Client, TestServer};
use serde_json::{json, Value};

use crate::fixtures::{api_person, coop, member, PASSWORD};

/// A form on a page: where it posts and the names of its fields.
#[derive(Clone, Debug)]
struct Form {
    action: String,
    fields: BTreeSet<String>,
    found_on: String,
}

/// The value of `name="…"` in a tag, unescaped as far as our templates
/// escape.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let length = tag[start..].find('"')?;
    Some(
        tag[start..start + length]
            .replace("&amp;", "&")
            .replace("&#x2f;", "/")
            .replace("&#47;", "/"),
    )
}

/// The POST forms of a page.
fn forms_in(page: &str, found_on: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<form") {
        let after = &rest[start..];
        let tag_end = after.find('>').unwrap_or(after.len());
        let tag = &after[..tag_end];
        let body_end = after.find("</form>").unwrap_or(after.len());
        let body = &after[tag_end..body_end];
        let is_post = attribute(tag, "method").is_some_and(|m| m.eq_ignore_ascii_case("post"));
        if let (true, Some(action)) = (is_post, attribute(tag, "action")) {
            let fields = body
                .split('<')
                .filter_map(|element| attribute(element, "name"))
                .filter(|name| name != "csrf")
                .collect();
            forms.push(Form {
                action,
                fields,
                found_on: found_on.to_owned(),
            });
        }
        rest = &after[body_end.min(after.len())..];
        if rest.len() == after.len() {
            break;
        }
    }
    forms
}

/// The links of a page that stay inside `prefix` and lead to pages (not
/// files, not filtered views).
fn links_in(page: &str, prefix: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| attribute(&format!(" href=\"{rest}"), "href"))
        .filter(|href| href == prefix || href.starts_with(&format!("{prefix}/")))
        .filter(|href| !href.contains('?') && !href.contains('#'))
        .filter(|href| {
            ![
                ".csv",
                "/download",
                "/ballots",
                "/journal",
                "/checkpoints",
                "/preview",
            ]
            .iter()
            .any(|file| href.ends_with(file))
        })
        .collect()
}

/// Every POST form `client` is shown on the pages reachable from
/// `/c/{slug}`, by action.
async fn forms_seen(client: &Client, slug: &str) -> BTreeMap<String, Form> {
    const PAGES_AT_MOST: usize = 120;
    let prefix = format!("/c/{slug}");
    let mut queue = VecDeque::from([prefix.clone()]);
    let mut seen = BTreeSet::from([prefix.clone()]);
    let mut forms = BTreeMap::new();
    let mut visited = 0;
    while let Some(path) = queue.pop_front() {
        if visited == PAGES_AT_MOST {
            break;
        }
        visited += 1;
        let page = client.get(&path).await;
        if page.status != 200 {
            continue;
        }
        for form in forms_in(&page.body, &path) {
            forms.entry(form.action.clone()).or_insert(form);
        }
        for link in links_in(&page.body, &prefix) {
            if seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
    }
    forms
}

async fn event_count(server: &TestServer, slug: &str) -> usize {
    let store = &server.db.store;
    let coop = store.coop_by_slug(slug).await.unwrap().unwrap().id;
    store
        .events(coop, EventSeq(0), 1_000_000)
        .await
        .unwrap()
        .len()
}

/// Posts `form` as `client` twice, with nothing but the token and with
/// every field nonsense, and expects both refused as for someone without
/// the role.
async fn assert_refused(client: &Client, form: &Form, who: &str) {
    let nonsense: Vec<(&str, &str)> = form.fields.iter().map(|f| (f.as_str(), "x")).collect();
    for fields in [Vec::new(), nonsense] {
        let reply = client.post_form(&form.action, &fields).await;
        assert!(
            matches!(reply.status.as_u16(), 403 | 404),
            "{who} posted {} (from {}) with {fields:?} and got {}",
            form.action,
            form.found_on,
            reply.status
        );
    }
}

/// A demo person, logged in.
pub(crate) async fn logged_in(server: &TestServer, email: &str) -> Client {
    let client = server.client();
    let password = coopkit_app::demo::DEMO_PASSWORD;
    client.log_in(email, password).await.assert_status(303);
    client
}

/// Every form an admin of a demo co-op is shown but a plain member is not
/// is refused to the member; every form a member is shown is refused to
/// someone who is not a member. Nothing they sent changes anything.
#[tokio::test]
async fn every_form_is_refused_to_whoever_lacks_its_role() {
    let server = TestServer::spawn(backends()[0]).await;
    let logins = server.app.load_demo().await.unwrap();
    let family = logins[2].email.clone();

    let outsider = server.client();
    outsider
        .sign_up("Otto Outsider", "otto@example.coop", PASSWORD)
        .await;
    // Bright Homes' plain member: the newcomer, joining as a household.
    let newcomer = logins
        .iter()
        .find(|l| l.email.starts_with("newcomer"))
        .unwrap();
    let household = logged_in(&server, &newcomer.email).await;
    household
        .post_form("/c/bright-homes/join", &[("class", "customer")])
        .await
        .assert_status(303);

    let coops = [
        (
            "capitol-hill-sitters",
            "ana@sitters.example",
            family.as_str(),
        ),
        (
            "bright-homes",
            "rosa@brighthomes.example",
            newcomer.email.as_str(),
        ),
        (
            "lens-commons",
            "kwame@lenscommons.example",
            "rosa@brighthomes.example",
        ),
        (
            "harbour-sound",
            "mae@harboursound.example",
            "lena@harboursound.example",
        ),
    ];
    let mut refused_to_members = 0;
    let mut refused_to_outsiders = 0;
    for (slug, admin, plain) in coops {
        let admin = logged_in(&server, admin).await;
        let plain = logged_in(&server, plain).await;
        let admins_forms = forms_seen(&admin, slug).await;
        let members_forms = forms_seen(&plain, slug).await;
        let events_before = event_count(&server, slug).await;

        let in_coop = |action: &str| action.starts_with(&format!("/c/{slug}/"));
        for (action, form) in &admins_forms {
            if in_coop(action) && !members_forms.contains_key(action) {
                assert_refused(&plain, form, "a plain member").await;
                refused_to_members += 1;
            }
        }
        for (action, form) in &members_forms {
            if in_coop(action) && !action.ends_with("/join") {
                assert_refused(&outsider, form, "someone not a member").await;
                refused_to_outsiders += 1;
            }
        }
        assert_eq!(
            event_count(&server, slug).await,
            events_before,
            "{slug}: a refused form changed something"
        );
    }
    // The walk reached the coordinators' and the members' forms of every
    // feature, not a handful.
    assert!(
        refused_to_members >= 100,
        "{refused_to_members} admin forms walked"
    );
    assert!(
        refused_to_outsiders >= 40,
        "{refused_to_outsiders} member forms walked"
    );
}

/// The API's operations by the access their document declares.
fn operations(doc: &Value) -> Vec<(String, String, String)> {
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let access = operation["x-coopkit-access"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} declares no x-coopkit-access"));
            operations.push((method.clone(), path.clone(), access.to_owned()));
        }
    }
    operations
}

/// Every operation of the API declares who may call it; whoever lacks that
/// is refused before the body is read: an empty object, a body that is not
/// JSON, or no body at all all get the same 401, 403 or 404.
#[tokio::test]
async fn every_api_operation_refuses_whoever_lacks_its_access() {
    let server = TestServer::spawn(backends()[0]).await;
    let admin = coop(&server, "walk", "Ada Admin", false).await;
    let plain = member(&server, "walk", &admin, "Max Member").await;
    let outsider = api_person(&server, "Ola Outsider").await;
    let anonymous = server.client();
    let doc = server.client().get("/api/openapi.json").await.json();

    let operations = operations(&doc);
    let declared: BTreeSet<&str> = operations.iter().map(|(_, _, a)| a.as_str()).collect();
    assert_eq!(
        declared,
        BTreeSet::from(["account", "admin", "anyone", "coordinator", "member"])
    );
    let mut walked = 0;
    for (method, path, access) in &operations {
        let (caller, expected): (&Client, &[u16]) = match access.as_str() {
            "anyone" => continue,
            "account" => (&anonymous, &[401]),
            "member" => (&outsider, &[403, 404]),
            _ => (&plain, &[403, 404]),
        };
        let url = path
            .replace("{slug}", "walk")
            .split('/')
            .map(|part| if part.starts_with('{') { "1" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        let bodies = [json!({}), json!("nonsense")];
        let mut replies = Vec::new();
        match method.as_str() {
            "get" => replies.push(caller.get(&url).await),
            "delete" => replies.push(caller.delete(&url).await),
            "put" => {
                for body in &bodies {
                    replies.push(caller.put_json(&url, body).await);
                }
            }
            _ => {
                for body in &bodies {
                    replies.push(caller.post_json(&url, body).await);
                }
                replies.push(caller.post_raw(&url, "application/json", "{not json").await);
            }
        }
        for reply in replies {
            assert!(
                expected.contains(&reply.status.as_u16()),
                "{access} operation {method} {url} answered {}: {}",
                reply.status,
                reply.body
            );
        }
        walked += 1;
    }
    assert!(walked >= 20, "{walked} operations walked");
}
