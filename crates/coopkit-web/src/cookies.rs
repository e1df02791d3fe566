//! Reading and writing the few cookies coopkit sets. Values are hex or
//! language codes, so no escaping is needed.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};

/// How cookies are marked. `secure` is on by default; turning it off is for
/// a server reached over plain HTTP on a private network, where browsers
/// would otherwise drop the cookies.
#[derive(Clone, Copy, Debug)]
pub struct CookiePolicy {
    pub secure: bool,
}

/// The cookies coopkit sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cookie {
    /// The session secret. HttpOnly, SameSite=Lax.
    Session,
    /// The CSRF token that forms must echo. HttpOnly, SameSite=Strict.
    Csrf,
    /// The chosen language, for people who are not logged in.
    Lang,
    /// A browser that logged in before (OWASP's device cookie): failures
    /// for its account from elsewhere do not slow it. HttpOnly, Strict.
    Device,
}

impl Cookie {
    /// With `secure`, the `__Host-` prefix makes the browser refuse the
    /// cookie unless it is Secure, host-only and for the whole site, which
    /// stops a sibling subdomain from planting one.
    pub fn name(self, policy: CookiePolicy) -> &'static str {
        match (self, policy.secure) {
            (Cookie::Session, true) => "__Host-coopkit_session",
            (Cookie::Session, false) => "coopkit_session",
            (Cookie::Csrf, true) => "__Host-coopkit_csrf",
            (Cookie::Csrf, false) => "coopkit_csrf",
            (Cookie::Lang, true) => "__Host-coopkit_lang",
            (Cookie::Lang, false) => "coopkit_lang",
            (Cookie::Device, true) => "__Host-coopkit_device",
            (Cookie::Device, false) => "coopkit_device",
        }
    }

    fn same_site(self) -> &'static str {
        match self {
            // Lax: following a link to coopkit from elsewhere keeps you
            // logged in; cross-site POSTs still carry no session.
            Cookie::Session | Cookie::Lang => "Lax",
            Cookie::Csrf | Cookie::Device => "Strict",
        }
    }

    /// This cookie's value in the request, if any.
    pub fn read(self, headers: &HeaderMap, policy: CookiePolicy) -> Option<String> {
        let wanted = self.name(policy);
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == wanted)
            .map(|(_, value)| value.to_owned())
    }

    /// A `Set-Cookie` value that sets this cookie for `max_age_s` seconds
    /// (`None`: until the browser closes; `Some(0)`: delete it).
    pub fn set(self, value: &str, max_age_s: Option<i64>, policy: CookiePolicy) -> HeaderValue {
        let mut cookie = format!(
            "{}={value}; Path=/; HttpOnly; SameSite={}",
            self.name(policy),
            self.same_site()
        );
        if policy.secure {
            cookie.push_str("; Secure");
        }
        if let Some(seconds) = max_age_s {
            cookie.push_str(&format!("; Max-Age={seconds}"));
        }
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    pub fn clear(self, policy: CookiePolicy) -> HeaderValue {
        self.set("", Some(0), policy)
    }
}

/// Adds `Set-Cookie` headers to a response's headers.
pub fn append(headers: &mut HeaderMap, cookies: impl IntoIterator<Item = HeaderValue>) {
    for cookie in cookies {
        headers.append(SET_COOKIE, cookie);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookies_are_secure_httponly_lax_and_host_only() {
        let policy = CookiePolicy { secure: true };
        let set = Cookie::Session.set("abc", Some(60), policy);
        assert_eq!(
            set.to_str().unwrap(),
            "__Host-coopkit_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60"
        );
    }

    #[test]
    fn reads_the_named_cookie_among_many() {
        let policy = CookiePolicy { secure: false };
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; coopkit_csrf=ff00; b=2"),
        );
        assert_eq!(Cookie::Csrf.read(&headers, policy).as_deref(), Some("ff00"));
        assert_eq!(Cookie::Session.read(&headers, policy), None);
    }
}
