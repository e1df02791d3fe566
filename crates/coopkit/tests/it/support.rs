//! Running the `coopkit` binary as people do: a subprocess, real flags,
//! real signals.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const COOPKIT: &str = env!("CARGO_BIN_EXE_coopkit");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A coopkit server process, stopped with SIGTERM when dropped.
pub struct Running {
    pub child: Child,
    pub base_url: String,
    pub banner: String,
}

impl Running {
    /// Starts `coopkit ARGS --addr 127.0.0.1:PORT` and waits for its banner.
    pub fn start(args: &[&str]) -> Running {
        Running::start_with(args, &[])
    }

    /// [`Running::start`], with these variables in its environment.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Running {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut child = Command::new(COOPKIT)
            .args(args)
            .args(["--addr", &addr])
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start coopkit");
        let stdout = child.stdout.take().unwrap();
        let mut banner = String::new();
        let mut lines = BufReader::new(stdout).lines();
        // The banner ends with the demo logins (demo) or the URL (serve).
        while let Some(Ok(line)) = lines.next() {
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("newcomer@example.org")
                || (line.contains("serving at") && !args.contains(&"demo"))
            {
                break;
            }
        }
        assert!(
            banner.contains(&format!("http://{addr}/")),
            "banner: {banner}"
        );
        Running {
            child,
            base_url: format!("http://{addr}"),
            banner,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = reqwest::get(format!("{}{path}", self.base_url))
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Kills the server at once (SIGKILL): no shutdown, no flushing.
    pub fn kill(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-KILL", &pid]).status().unwrap();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and returns the exit code once the server has stopped.
    pub fn terminate(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("coopkit did not stop within 20 s of SIGTERM");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

pub fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(COOPKIT)
        .args(args)
        .output()
        .expect("run coopkit");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A fresh PostgreSQL database for a test, or `None` (the test skips)
/// when none is configured and none is required.
pub async fn postgres_db() -> Option<coopkit_testkit::TestDb> {
    if std::env::var("COOPKIT_TEST_POSTGRES_URL").is_err() {
        assert!(
            std::env::var("COOPKIT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "PostgreSQL required"
        );
        eprintln!("skipping: COOPKIT_TEST_POSTGRES_URL is not set");
        return None;
    }
    Some(coopkit_testkit::TestDb::new(coopkit_store::Backend::Postgres).await)
}
