//! An HTTP client for tests that keeps cookies like a browser, does not
//! follow redirects (so tests see them), and fills in a form's CSRF token
//! from the last page it read, the way a browser submits a page's form.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::header::{HeaderMap, AUTHORIZATION, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;

#[derive(Clone, Debug)]
pub struct Client {
    base_url: String,
    http: reqwest::Client,
    cookies: Arc<Mutex<HashMap<String, String>>>,
    /// The CSRF field of the last page read since the session last changed.
    form_token: Arc<Mutex<Option<String>>>,
    bearer: Option<String>,
    accept_language: Option<String>,
    extra_headers: Vec<(&'static str, String)>,
}

/// A part of a `multipart/form-data` body.
#[derive(Clone, Copy, Debug)]
pub struct Part<'a> {
    pub name: &'a str,
    /// For a file, the name it is sent under.
    pub file_name: Option<&'a str>,
    pub bytes: &'a [u8],
}

impl<'a> Part<'a> {
    pub fn field(name: &'a str, value: &'a str) -> Part<'a> {
        Part {
            name,
            file_name: None,
            bytes: value.as_bytes(),
        }
    }

    pub fn file(name: &'a str, file_name: &'a str, bytes: &'a [u8]) -> Part<'a> {
        Part {
            name,
            file_name: Some(file_name),
            bytes,
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The raw `Set-Cookie` values, to check their attributes.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body: {}",
            self.body
        );
        self
    }
}

impl Client {
    pub fn new(base_url: &str) -> Client {
        Client {
            base_url: base_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            cookies: Arc::default(),
            form_token: Arc::default(),
            bearer: None,
            accept_language: None,
            extra_headers: Vec::new(),
        }
    }

    /// A client whose connections leave from `local`.
    pub fn from_address(base_url: &str, local: std::net::IpAddr) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(local)
                .build()
                .expect("HTTP client"),
            ..Client::new(base_url)
        }
    }

    /// The same client, sending `header: value` with every request.
    pub fn with_header(&self, header: &'static str, value: &str) -> Client {
        let mut headers = self.extra_headers.clone();
        headers.push((header, value.to_owned()));
        Client {
            extra_headers: headers,
            ..self.clone()
        }
    }

    /// The same client, sending `Authorization: Bearer <token>`.
    pub fn with_bearer(&self, token: &str) -> Client {
        Client {
            bearer: Some(token.to_owned()),
            ..self.clone()
        }
    }

    /// The bearer token this client sends, if any.
    pub fn bearer(&self) -> Option<String> {
        self.bearer.clone()
    }

    pub fn with_accept_language(&self, value: &str) -> Client {
        Client {
            accept_language: Some(value.to_owned()),
            ..self.clone()
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// Puts a cookie in the jar, as a sibling host or a script could.
    pub fn plant_cookie(&self, name: &str, value: &str) {
        let mut jar = self.cookies.lock().unwrap();
        jar.insert(name.to_owned(), value.to_owned());
    }

    pub fn forget_cookies(&self) {
        self.cookies.lock().unwrap().clear();
        *self.form_token.lock().unwrap() = None;
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        let cookies = self.cookies.lock().unwrap();
        if !cookies.is_empty() {
            let header: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header(COOKIE, header.join("; "));
        }
        if let Some(token) = &self.bearer {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(lang) = &self.accept_language {
            request = request.header("accept-language", lang);
        }
        for (header, value) in &self.extra_headers {
            request = request.header(*header, value);
        }
        request
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        {
            let mut jar = self.cookies.lock().unwrap();
            for set in headers.get_all(SET_COOKIE) {
                let set = set.to_str().unwrap_or_default();
                let pair = set.split(';').next().unwrap_or_default();
                if let Some((name, value)) = pair.split_once('=') {
                    if value.is_empty() || set.contains("Max-Age=0") {
                        jar.remove(name);
                    } else {
                        jar.insert(name.to_owned(), value.to_owned());
                    }
                }
            }
        }
        let body = response.text().await.unwrap_or_default();
        let session_changed = headers.get_all(SET_COOKIE).iter().any(|set| {
            set.to_str()
                .unwrap_or_default()
                .contains("coopkit_session=")
        });
        let mut form_token = self.form_token.lock().unwrap();
        if let Some(token) = form_token_in(&body) {
            *form_token = Some(token);
        } else if session_changed {
            *form_token = None;
        }
        drop(form_token);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    /// Posts a form as a page would: with the CSRF token of the last page
    /// read (fetching the home page first if there is none yet).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        if self.form_token().is_none() {
            self.get("/").await;
        }
        let csrf = self.form_token().unwrap_or_default();
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_form_raw(path, &form).await
    }

    /// Posts a form with a file (`multipart/form-data`) as a page would,
    /// with the CSRF token of the last page read, first.
    pub async fn post_upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Reply {
        if self.form_token().is_none() {
            self.get("/").await;
        }
        let csrf = self.form_token().unwrap_or_default();
        let mut parts = vec![Part::field("csrf", &csrf)];
        parts.extend(fields.iter().map(|(name, value)| Part::field(name, value)));
        let (name, file_name, bytes) = file;
        parts.push(Part::file(name, file_name, bytes));
        self.post_multipart_raw(path, &parts).await
    }

    /// Posts exactly these parts, in this order, with no CSRF token added.
    pub async fn post_multipart_raw(&self, path: &str, parts: &[Part<'_>]) -> Reply {
        let boundary = "coopkit-test-boundary-7d1f";
        let mut body = Vec::new();
        for Part {
            name,
            file_name,
            bytes,
        } in parts
        {
            let head = match file_name {
                Some(file_name) => format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                ),
                None => format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
            };
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            self.request(reqwest::Method::POST, path)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        )
        .await
    }

    /// Posts exactly these fields, with no CSRF token added.
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded_pairs(fields);
        self.send(
            self.request(reqwest::Method::POST, path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    /// The CSRF field of the last page read: what a form on it would send.
    pub fn form_token(&self) -> Option<String> {
        self.form_token.lock().unwrap().clone()
    }

    /// Like [`Client::post_json`], but `None` when the server cannot be
    /// reached, for tests that stop the server under the client.
    pub async fn try_post_json(&self, path: &str, body: &serde_json::Value) -> Option<Reply> {
        let response = self
            .request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .ok()?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.ok()?;
        Some(Reply {
            status,
            headers,
            body,
        })
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.send(self.request(reqwest::Method::POST, path).json(body))
            .await
    }

    pub async fn put_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.send(self.request(reqwest::Method::PUT, path).json(body))
            .await
    }

    /// Posts a body as-is with a content type, for malformed-input tests.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        self.send(
            self.request(reqwest::Method::POST, path)
                .header("content-type", content_type)
                .body(body.to_owned()),
        )
        .await
    }

    /// Posts arbitrary bytes, for robustness tests. PUT for the API paths
    /// that take PUT, POST otherwise.
    pub async fn post_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let method = if path.ends_with("/role") && path.starts_with("/api/")
            || path.ends_with("/settings")
            || path.starts_with("/api/") && path.contains("/limits/")
        {
            reqwest::Method::PUT
        } else {
            reqwest::Method::POST
        };
        self.send(
            self.request(method, path)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }

    /// Signs up through the page and stays logged in.
    pub async fn sign_up(&self, name: &str, email: &str, password: &str) -> Reply {
        let reply = self
            .post_form(
                "/signup",
                &[
                    ("display_name", name),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(reply.status.as_u16(), 303, "sign up failed: {}", reply.body);
        reply
    }

    pub async fn log_in(&self, email: &str, password: &str) -> Reply {
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }

    /// An API token for this account, through the API.
    pub async fn api_token(&self, email: &str, password: &str) -> String {
        let reply = self
            .post_json(
                "/api/v1/tokens",
                &serde_json::json!({"email": email, "password": password, "name": "tests"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "token: {}", reply.body);
        reply.json()["token"].as_str().expect("token").to_owned()
    }
}

fn serde_urlencoded_pairs(fields: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse("http://x/").expect("static URL");
    url.query_pairs_mut().extend_pairs(fields);
    url.query().unwrap_or_default().to_owned()
}

/// The value of the first `csrf` hidden field in a page.
fn form_token_in(body: &str) -> Option<String> {
    const FIELD: &str = r#"name="csrf" value=""#;
    let start = body.find(FIELD)? + FIELD.len();
    let length = body[start..].find('"')?;
    Some(body[start..start + length].to_owned())
}
