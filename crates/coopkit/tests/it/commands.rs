use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{free_port, run, Running, COOPKIT};

#[tokio::test]
async fn demo_serves_the_demo_coops_and_stops_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let server = Running::start(&["demo", "--data", data_dir]);
    assert!(
        server.banner.contains("ana@sitters.example"),
        "{}",
        server.banner
    );
    assert!(
        server.banner.contains("cooperate-2026"),
        "the demo password is printed"
    );
    assert!(data.path().join("coopkit.sqlite").is_file());

    assert_eq!(server.get("/healthz").await.0, 200);
    let (status, doc) = server.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));

    let (status, coops) = server.get("/api/v1/coops").await;
    assert_eq!(status, 200);
    let coops: Value = serde_json::from_str(&coops).unwrap();
    let slugs: Vec<_> = coops
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        slugs,
        [
            "bright-homes",
            "capitol-hill-sitters",
            "harbour-sound",
            "lens-commons"
        ]
    );
    // The demo's photos and tracks were kept beside the database.
    assert!(
        std::fs::read_dir(data.path().join("files"))
            .unwrap()
            .count()
            > 0
    );
    for coop in coops.as_array().unwrap() {
        assert!(!coop["name"].as_str().unwrap().is_empty());
    }
    let sitters = &coops[1];
    let families = sitters["active_members"].as_i64().unwrap();
    assert!(
        (140..=160).contains(&families),
        "about 150 families, got {families}"
    );

    // A demo login works.
    let token = reqwest::Client::new()
        .post(format!("{}/api/v1/tokens", server.base_url))
        .json(&serde_json::json!({"email": "ben@sitters.example", "password": "cooperate-2026", "name": "test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status().as_u16(), 201);

    // The demo's token ledger exports and verifies offline; tampering fails.
    let journal = data.path().join("journal.jsonl");
    let (code, _, stderr) = run(&[
        "ledger",
        "export",
        "--coop",
        "capitol-hill-sitters",
        "--data",
        data_dir,
        "--out",
        journal.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(&["ledger", "verify", "--file", journal.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("HALFHOUR sums to 0"), "{stdout}");
    let (code, stdout, _) = run(&["ledger", "verify", "--data", data_dir]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("capitol-hill-sitters: verified 1 journal batch(es)"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(&journal, text.replacen("\"amount\":20", "\"amount\":21", 1)).unwrap();
    let (code, _, stderr) = run(&["ledger", "verify", "--file", journal.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("line 1: batch 0 was altered"), "{stderr}");

    crate::ledger_commands::signed_checkpoints_catch_a_rewritten_history(data.path());
    admin_grants_and_revokes_roles_by_address(data_dir);

    assert_eq!(server.terminate(), Some(0), "graceful shutdown exits 0");

    // A damaged index is named by verify, and rebuilt from the journal
    // with --repair, the servers stopped.
    {
        use sqlx::Connection;
        let file = data.path().join("coopkit.sqlite");
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        sqlx::query("UPDATE ledger_line SET entries = '[]'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let (code, _, stderr) = run(&["ledger", "verify", "--data", data_dir]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--repair` rebuilds it"), "{stderr}");
    let (code, stdout, stderr) = run(&["ledger", "verify", "--data", data_dir, "--repair"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("the index was rebuilt from the journal"),
        "{stdout}"
    );

    // Running the demo again on the same directory loads nothing twice.
    let again = Running::start(&["demo", "--data", data_dir]);
    let (_, coops) = again.get("/api/v1/coops").await;
    let coops: Value = serde_json::from_str(&coops).unwrap();
    assert_eq!(coops.as_array().unwrap().len(), 4);
    assert_eq!(coops[1]["active_members"].as_i64().unwrap(), families);
    assert_eq!(again.terminate(), Some(0));
}

#[tokio::test]
async fn serve_and_migrate_on_postgresql() {
    let Some(db) = crate::support::postgres_db().await else {
        return;
    };
    let coopkit_store::DatabaseLocation::Postgres(url) = &db.location else {
        unreachable!()
    };
    let (code, stdout, stderr) = run(&["migrate", "--database-url", url]);
    assert_eq!(code, 0, "{stderr}");
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../coopkit-store/migrations/postgres"
    ))
    .unwrap()
    .count();
    assert!(
        stdout
            .trim_end()
            .ends_with(&format!("schema version {migrations}")),
        "{stdout}"
    );
    let server = Running::start(&["serve", "--database-url", url]);
    assert_eq!(server.get("/healthz").await.0, 200);
    assert_eq!(server.get("/api/v1/coops").await, (200, "[]".to_owned()));
    assert_eq!(server.terminate(), Some(0));
}

#[test]
fn an_unusable_data_directory_is_one_clear_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let data = file.join("data");
    let (code, stdout, stderr) = run(&["migrate", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    let sentence = stderr.trim();
    assert!(!sentence.contains('\n'), "one line: {sentence}");
    assert!(
        sentence.starts_with(&format!(
            "coopkit: cannot create the data directory {}",
            data.display()
        )),
        "{sentence}"
    );
}

#[test]
fn an_unreachable_database_is_one_clear_sentence_without_the_password() {
    let port = free_port(); // nothing listens there
    let url = format!("postgres://coop:s3cret-password@127.0.0.1:{port}/coopkit");
    let (code, _, stderr) = run(&["migrate", "--database-url", &url]);
    assert_eq!(code, 1);
    let sentence = stderr.trim();
    assert!(!sentence.contains('\n'), "one line: {sentence}");
    assert!(
        sentence.contains(&format!(
            "cannot open the database at postgres://coop:***@127.0.0.1:{port}/coopkit"
        )),
        "{sentence}"
    );
    assert!(!sentence.contains("s3cret"), "{sentence}");
}

#[tokio::test]
async fn a_database_from_a_newer_coopkit_is_refused() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    assert_eq!(run(&["migrate", "--data", data]).0, 0);
    let file = dir.path().join("coopkit.sqlite");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (999, 'future', TRUE, x'00', 0)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let (code, _, stderr) = run(&["migrate", "--data", data]);
    assert_eq!(code, 1);
    let sentence = stderr.trim();
    assert!(!sentence.contains('\n'), "one line: {sentence}");
    assert!(
        sentence.contains("was written by a newer coopkit (schema version 999"),
        "{sentence}"
    );
}

#[test]
fn configuration_comes_from_a_file_and_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let from_env = dir.path().join("from-env");
    let output = Command::new(COOPKIT)
        .arg("migrate")
        .env("COOPKIT__DATABASE__DATA_DIR", &from_env)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(from_env.join("coopkit.sqlite").is_file());

    let config = dir.path().join("coopkit.toml");
    std::fs::write(
        &config,
        "[database]\ndata_dir = \"elsewhere\"\ncolour = \"green\"\n",
    )
    .unwrap();
    let (code, _, stderr) = run(&["--config", config.to_str().unwrap(), "migrate"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("colour"),
        "unknown keys are named: {stderr}"
    );
    assert!(!Path::new("elsewhere").exists());
}

#[test]
fn the_ledger_benchmark_reports_every_field_and_balances() {
    // Tiny sizes: this checks the command works, not how fast it is
    // (BENCHMARKS.md holds the measurements).
    let (code, stdout, stderr) = run(&[
        "bench",
        "ledger",
        "--accounts",
        "50",
        "--transfers",
        "500",
        "--naive-transfers",
        "40",
        "--coops",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    for field in [
        "backend",
        "coops",
        "accounts",
        "transfers",
        "seconds",
        "transfers_per_s",
        "naive_transfers_per_s",
    ] {
        assert!(!report[field].is_null(), "{field} missing: {report}");
    }
    assert_eq!(report["backend"], "sqlite");
    assert_eq!(report["accounts"], 50);
    let (created, refused) = (
        report["created"].as_u64().unwrap(),
        report["refused"].as_u64().unwrap(),
    );
    assert_eq!(created + refused, 500);
    assert!(report["transfers_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(report["coops"], 3);
    assert_eq!(report["replayed_exists"], true);

    let (code, _, stderr) = run(&["bench", "ledger", "--accounts", "50", "--coops", "30"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("at least 2 for each co-op"), "{stderr}");
}

#[test]
fn the_matching_benchmark_reports_every_field_and_a_bad_size_is_refused() {
    let args = [
        "bench",
        "match",
        "--providers",
        "2000",
        "--requests",
        "800",
        "--json",
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    for field in ["seconds", "served", "greedy_served"] {
        assert!(!report[field].is_null(), "{field} missing: {report}");
    }
    let (served, greedy) = (
        report["served"].as_u64().unwrap(),
        report["greedy_served"].as_u64().unwrap(),
    );
    assert!(served <= 800 && greedy <= 800 && served > 0, "{report}");
    let (_, again, _) = run(&args);
    let again: Value = serde_json::from_str(again.trim()).unwrap();
    assert_eq!(
        again["served"], report["served"],
        "the same seed, the same city"
    );
    let (code, _, stderr) = run(&["bench", "match", "--providers", "0"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--providers must be at least 1"),
        "{stderr}"
    );
}

/// Signs the demo sitters' journal, then checks that a copy whose history
/// was rewritten (and re-chained, so the chain alone still verifies) is
/// caught by the checkpoint, and that only the co-op's key is trusted.
/// `coopkit admin grant|revoke`, beside a running server on the same
/// database: each says what it did, and a second time that nothing
/// changed (so the first was kept).
fn admin_grants_and_revokes_roles_by_address(data_dir: &str) {
    let admin = |verb: &str, email: &str, role: &str| {
        run(&[
            "admin", verb, "--email", email, "--role", role, "--data", data_dir,
        ])
    };
    let (code, stdout, stderr) = admin("grant", "ben@sitters.example", "operator");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Ben Okafor <ben@sitters.example> is now operator\n");
    let (_, stdout, _) = admin("grant", "ben@sitters.example", "operator");
    assert!(
        stdout.contains("was operator already; nothing changed"),
        "{stdout}"
    );
    let (code, stdout, _) = admin("revoke", "ben@sitters.example", "operator");
    assert_eq!(code, 0);
    assert!(stdout.contains("is no longer operator"), "{stdout}");
    let (_, stdout, _) = admin("revoke", "ben@sitters.example", "operator");
    assert!(
        stdout.contains("was not operator; nothing changed"),
        "{stdout}"
    );

    // An address nobody has, and a role that does not exist: one
    // sentence each, and a failure.
    let (code, _, stderr) = admin("grant", "nobody@example.org", "moderator");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cannot make nobody@example.org moderator"),
        "{stderr}"
    );
    assert!(stderr.contains("no-such-account"), "{stderr}");
    let (code, _, stderr) = admin("grant", "ben@sitters.example", "root");
    assert_eq!(code, 2, "a usage error");
    assert!(stderr.contains("say operator or moderator"), "{stderr}");
}

#[test]
fn count_reads_a_blt_file_and_names_the_line_of_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tennessee.blt");
    std::fs::write(
        &file,
        "4 1\n42 1 2 3 4 0\n26 2 3 4 1 0\n15 3 4 2 1 0\n17 4 3 2 1 0\n0\n\
         \"Memphis\"\n\"Nashville\"\n\"Chattanooga\"\n\"Knoxville\"\n\"Capital of Tennessee\"\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (code, stdout, stderr) = run(&["count", "--method", "irv", path, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let outcome: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(outcome["elected"], serde_json::json!(["Knoxville"]));
    assert_eq!(outcome["rounds"].as_array().unwrap().len(), 3);
    assert_eq!(outcome["quota"], "50.00001", "exact decimals, not floats");
    assert_eq!(
        outcome["rounds"][1]["transfers"],
        serde_json::json!([["Chattanooga", -1_500_000], ["Knoxville", 1_500_000]]),
        "Chattanooga's 15 votes went to Knoxville"
    );
    let (_, stdout, _) = run(&["count", "--method", "plurality", path]);
    assert!(
        stdout.starts_with("Capital of Tennessee: elected Memphis"),
        "{stdout}"
    );

    std::fs::write(&file, "4 1\n42 1 2 9 0\n0\n").unwrap();
    let (code, _, stderr) = run(&["count", "--method", "irv", path]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("line 2: the ballot names candidate 9"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["count", "--method", "borda", path]);
    assert_eq!(code, 2, "clap refuses an unknown method: {stderr}");
}

#[test]
fn directory_link_writes_the_pairs_and_names_the_row_of_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        "[columns]\nid = \"ID\"\nname = \"Name\"\npostcode = \"Postcode\"\n",
    )
    .unwrap();
    let left = dir.path().join("left.csv");
    let right = dir.path().join("right.csv");
    std::fs::write(
        &left,
        "ID,Name,Postcode\na1,Suma Wholefoods Ltd,HX5 9DA\na2,Unicorn Grocery Limited,M21 0BN\n",
    )
    .unwrap();
    std::fs::write(
        &right,
        "ID,Name,Postcode\nb1,Unicorn Grocery Ltd.,M21 0BN\nb2,SUMA WHOLEFOODS,HX5 9DA\nb3,Leeds Bread,LS6 1AA\n",
    )
    .unwrap();
    let out = dir.path().join("pairs.csv");
    let args = |out: &std::path::Path| {
        vec![
            "directory".to_owned(),
            "link".to_owned(),
            "--left".to_owned(),
            left.display().to_string(),
            "--right".to_owned(),
            right.display().to_string(),
            "--map".to_owned(),
            map.display().to_string(),
            "--out".to_owned(),
            out.display().to_string(),
        ]
    };
    let owned = args(&out);
    let (code, stdout, stderr) = run(&owned.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("2 pairs linked"), "{stdout}");
    let pairs = std::fs::read_to_string(&out).unwrap();
    let mut lines: Vec<&str> = pairs.lines().collect();
    assert_eq!(lines.remove(0), "left_id,right_id,score");
    let mut ids: Vec<String> = lines
        .iter()
        .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
        .collect();
    ids.sort();
    assert_eq!(ids, ["a1,b2", "a2,b1"]);

    // A ragged row: the error names the file and the row; nothing is written.
    std::fs::write(&right, "ID,Name,Postcode\nb1,Unicorn\n").unwrap();
    let fresh = dir.path().join("fresh.csv");
    let owned = args(&fresh);
    let (code, _, stderr) = run(&owned.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1);
    assert!(
        stderr.contains("right.csv: row 1: 2 fields where the header has 3"),
        "{stderr}"
    );
    assert!(!fresh.exists());

    // Duplicates within one list.
    std::fs::write(
        &left,
        "ID,Name,Postcode\na1,Suma Wholefoods Ltd,HX5 9DA\na2,SUMA WHOLEFOODS,HX5 9DA\na3,Unicorn Grocery,M21 0BN\n",
    )
    .unwrap();
    let clusters = dir.path().join("clusters.csv");
    let (code, stdout, stderr) = run(&[
        "directory",
        "dedupe",
        left.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
        "--out",
        clusters.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("3 rows, 1 of them"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&clusters).unwrap(),
        "id,cluster\na1,a1\na2,a1\na3,a3\n"
    );
}

#[test]
fn simulate_prints_the_weeks_and_a_summary_and_compare_writes_tables_and_charts() {
    let (code, out, err) = run(&[
        "simulate",
        "babysitting",
        "--policy",
        "mutual-credit",
        "--families",
        "40",
        "--weeks",
        "12",
        "--seed",
        "7",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let one: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(one["policy"], "mutual-credit");
    assert_eq!(one["weeks"].as_array().unwrap().len(), 12);
    let served: u64 = one["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["served"].as_u64().unwrap())
        .sum();
    let wanted: u64 = one["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["wanted"].as_u64().unwrap())
        .sum();
    let share = one["summary"]["served_share"].as_f64().unwrap();
    assert!(
        (share - served as f64 / wanted as f64).abs() < 1e-9,
        "{share} vs {served}/{wanted}"
    );
    assert!(one["summary"]["gini"].as_f64().unwrap() > 0.0);
    assert!(one.get("intervals").is_none());

    let (code, out, err) = run(&[
        "simulate",
        "babysitting",
        "--policy",
        "fixed-scrip",
        "--matching",
        "first-come",
        "--families",
        "40",
        "--weeks",
        "12",
        "--runs",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let three: serde_json::Value = serde_json::from_str(&out).unwrap();
    let interval = &three["intervals"]["served_share"];
    assert!(interval["low"].as_f64().unwrap() <= interval["mean"].as_f64().unwrap());
    assert!(interval["mean"].as_f64().unwrap() <= interval["high"].as_f64().unwrap());

    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("compare");
    let (code, out, err) = run(&[
        "simulate",
        "babysitting",
        "--compare",
        "--families",
        "30",
        "--weeks",
        "16",
        "--runs",
        "2",
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("| mutual-credit |"), "{out}");
    let csv = std::fs::read_to_string(folder.join("comparison.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 7, "a header and six policies: {csv}");
    assert!(rows[0].starts_with("rules,runs,served_share,served_share_low,served_share_high"));
    for chart in ["served-share.svg", "balances.svg"] {
        let svg = std::fs::read_to_string(folder.join(chart)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.matches("<polyline").count() == 6,
            "{chart}"
        );
    }
}

#[test]
fn impossible_simulation_parameters_name_the_flag_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("never");
    for (args, flag) in [
        (vec!["--families", "0"], "--families"),
        (vec!["--outing-rate", "-0.2"], "--outing-rate"),
        (
            vec!["--policy", "mutual-credit", "--balance-cap", "30"],
            "--balance-cap",
        ),
        (vec!["--policy", "printing-money"], "--policy"),
        (vec!["--compare", "--weeks", "0"], "--weeks"),
        (vec!["--compare", "--debit-limit", "10"], "--compare"),
    ] {
        let mut all = vec!["simulate", "babysitting", "--out", folder.to_str().unwrap()];
        all.extend(args.iter());
        let (code, out, err) = run(&all);
        assert_ne!(code, 0, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(
            err.starts_with("coopkit: ") && err.contains(flag),
            "{args:?}: {err}"
        );
    }
    assert!(
        !folder.exists(),
        "nothing is written when the parameters are refused"
    );
}
