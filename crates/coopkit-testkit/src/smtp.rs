//! A real SMTP server for tests: Debian's `python3-aiosmtpd`, keeping each
//! message it accepts as a file in a Maildir, started on a port of its own
//! and stopped and started again to play a server that is down.
//!
//! With `COOPKIT_REQUIRE_SMTP=1` (as `scripts/test` sets) a missing
//! aiosmtpd fails the test; otherwise the test is skipped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python that has Debian's aiosmtpd (a `python3` earlier on the PATH,
/// such as pyenv's, may not).
const PYTHON: &str = "/usr/bin/python3";

/// A running (or stopped) SMTP server and the messages it accepted.
#[derive(Debug)]
pub struct SmtpServer {
    port: u16,
    maildir: tempfile::TempDir,
    child: Option<Child>,
}

/// A message as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// `List-Unsubscribe`, if it has one.
    pub list_unsubscribe: Option<String>,
    pub text: String,
    pub html: String,
}

impl Received {
    /// The first address in the plain text that starts with `base` and
    /// goes on with `path` (`/verify-email/`), whole.
    pub fn link(&self, path: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(path))
            .map(str::to_owned)
    }
}

fn aiosmtpd_installed() -> bool {
    Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

impl SmtpServer {
    /// Starts a server, or `None` (skip the test) when aiosmtpd is missing
    /// and not required.
    pub fn start() -> Option<SmtpServer> {
        if !aiosmtpd_installed() {
            assert!(
                std::env::var("COOPKIT_REQUIRE_SMTP").as_deref() != Ok("1"),
                "COOPKIT_REQUIRE_SMTP=1 but {PYTHON} has no aiosmtpd (apt-get install python3-aiosmtpd)"
            );
            eprintln!("skipping: {PYTHON} has no aiosmtpd");
            return None;
        }
        // A port nobody holds now; the server binds it a moment later.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = SmtpServer {
            port,
            maildir: tempfile::tempdir().expect("a maildir"),
            child: None,
        };
        server.resume();
        Some(server)
    }

    /// `smtp://127.0.0.1:PORT`: where to send.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops answering, as a server that is down: connections are refused.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts answering again on the same port, with the same mailbox.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "the server is running already");
        let handler_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp");
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "coopkit_smtp.TestMailbox"])
            .arg(self.maildir.path().join("box"))
            .env("PYTHONPATH", handler_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn files(&self) -> Vec<PathBuf> {
        let new = self.maildir.path().join("box").join("new");
        let mut files: Vec<PathBuf> = std::fs::read_dir(new)
            .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort_by_key(|path| {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .unwrap_or(std::time::SystemTime::UNIX_EPOCH)
        });
        files
    }

    /// Every message accepted so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.files()
            .iter()
            .map(|path| parse(&std::fs::read(path).expect("read a message")))
            .collect()
    }

    /// The messages accepted so far to `address`.
    pub fn received_by(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.contains(address))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn parse(raw: &[u8]) -> Received {
    use mailparse::MailHeaderMap;
    let mail = mailparse::parse_mail(raw).expect("a message that parses");
    let header = |name: &str| mail.headers.get_first_value(name);
    let mut text = String::new();
    let mut html = String::new();
    for part in mail.parts() {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body().expect("a text body"),
            "text/html" => html = part.get_body().expect("an HTML body"),
            _ => {}
        }
    }
    Received {
        to: header("To").unwrap_or_default(),
        subject: header("Subject").unwrap_or_default(),
        message_id: header("Message-ID").unwrap_or_default(),
        list_unsubscribe: header("List-Unsubscribe"),
        text,
        html,
    }
}
