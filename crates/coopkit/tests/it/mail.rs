//! `coopkit mail test` and the demo's mail, against a real SMTP server.

use std::process::Command;
use std::time::{Duration, Instant};

use coopkit_testkit::SmtpServer;

use crate::support::{Running, COOPKIT};

/// Runs `coopkit mail test --to TO` with `smtp_url` set.
fn mail_test(smtp_url: &str, to: &str) -> (i32, String, String) {
    let output = Command::new(COOPKIT)
        .args(["mail", "test", "--to", to])
        .env("COOPKIT__MAIL__SMTP_URL", smtp_url)
        .env("COOPKIT__MAIL__FROM", "Ops <ops@coop.example>")
        .output()
        .expect("run coopkit");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn mail_test_says_what_the_server_answered() {
    let Some(mut smtp) = SmtpServer::start() else {
        return;
    };
    let (code, stdout, stderr) = mail_test(&smtp.url(), "ops@example.org");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("the server answered: 250"), "{stdout}");
    let received = smtp.received_by("ops@example.org");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].subject, "coopkit: a test message");

    // A mailbox the server refuses, a server that is down, a URL that is
    // not one, and no URL: one sentence each, and a failure.
    let (code, _, stderr) = mail_test(&smtp.url(), "bounce@example.org");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("did not take the message") && stderr.contains("550"),
        "{stderr}"
    );
    smtp.stop();
    let (code, _, stderr) = mail_test(&smtp.url(), "ops@example.org");
    assert_eq!(code, 1);
    assert!(stderr.contains("did not take the message"), "{stderr}");
    let (code, _, stderr) = mail_test("smtq//nowhere", "ops@example.org");
    assert_eq!(code, 1);
    assert!(stderr.contains("mail.smtp_url"), "{stderr}");
    let (code, _, stderr) = mail_test("", "ops@example.org");
    assert_eq!(code, 1);
    assert!(stderr.contains("mail is off"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[tokio::test]
async fn the_demo_mails_its_coordinators_about_waiting_applications() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start_with(
        &["demo", "--data", dir.path().to_str().unwrap()],
        &[
            ("COOPKIT__MAIL__SMTP_URL", &smtp.url()),
            ("COOPKIT__MAIL__EVERY_SECONDS", "1"),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let applications = loop {
        let found: Vec<_> = smtp
            .received_by("ana@sitters.example")
            .into_iter()
            .filter(|m| m.subject.contains("a new application to join"))
            .collect();
        if found.len() >= 4 || Instant::now() > deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(applications.len(), 4, "the demo's four waiting families");
    assert!(
        applications[0].text.contains(&server.base_url),
        "links lead to the demo: {}",
        applications[0].text
    );

    // A forgotten password's link reaches its owner.
    let asked = reqwest::Client::new()
        .post(format!("{}/api/v1/password-resets", server.base_url))
        .json(&serde_json::json!({"email": "rosa@brighthomes.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status().as_u16(), 202);
    let deadline = Instant::now() + Duration::from_secs(60);
    let reset = loop {
        let found = smtp
            .received_by("rosa@brighthomes.example")
            .into_iter()
            .find(|m| m.subject == "Elige una contraseña nueva");
        if found.is_some() || Instant::now() > deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let reset = reset.expect("Rosa's reset message, in her Spanish");
    assert!(reset.link("/password-reset/").is_some(), "{}", reset.text);
    assert_eq!(server.terminate(), Some(0));
}
