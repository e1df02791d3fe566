//! Who is asking: the socket's peer, or, when that peer is a proxy the
//! operator trusts (`server.trusted_proxies`), the address the proxy
//! forwarded; and whether the browser reached the proxy over HTTPS.
//! Nobody else's headers count, so nobody can choose the address their
//! failed logins are counted under, or make another's count.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::AppState;

/// The proxies whose forwarded headers are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Networks in CIDR notation (`10.0.0.0/8`), or single addresses.
    pub fn parse<S: AsRef<str>>(list: &[S]) -> Result<TrustedProxies, String> {
        list.iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is not an address or a CIDR network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }
}

/// The client as far as coopkit can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    pub addr: IpAddr,
    /// The browser's connection was HTTPS (a trusted proxy said so).
    pub https: bool,
}

/// The client behind `peer`: the peer itself unless it is trusted; then
/// the nearest forwarded address that is not a trusted proxy, read from
/// right to left (`Forwarded` before `X-Forwarded-For`).
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> Client {
    let direct = Client {
        addr: peer,
        https: false,
    };
    if !trusted.trusts(peer) {
        return direct;
    }
    let (hops, proto) = match forwarded(headers) {
        Some(found) => found,
        None => (x_forwarded_for(headers), x_forwarded_proto(headers)),
    };
    let mut addr = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(hop) => {
                addr = *hop;
                if !trusted.trusts(*hop) {
                    break;
                }
            }
            // A hop nobody can read: believe no further than the proxy
            // that wrote it.
            None => break,
        }
    }
    Client {
        addr,
        https: proto.is_some_and(|p| p.eq_ignore_ascii_case("https")),
    }
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`,
/// `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn address(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    text.strip_prefix('[')
        .and_then(|rest| rest.split(']').next())
        .and_then(|inner| inner.parse().ok())
}

/// RFC 7239's `Forwarded`: each element's `for`, and the last `proto`.
fn forwarded(headers: &HeaderMap) -> Option<(Vec<Option<IpAddr>>, Option<String>)> {
    let values: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return None;
    }
    let mut hops = Vec::new();
    let mut proto = None;
    for element in values.iter().flat_map(|v| v.split(',')) {
        let mut hop = None;
        for pair in element.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            match key.trim().to_ascii_lowercase().as_str() {
                "for" => hop = Some(address(value)),
                "proto" => proto = Some(value.trim().trim_matches('"').to_owned()),
                _ => {}
            }
        }
        hops.push(hop.flatten());
    }
    Some((hops, proto))
}

fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(address)
        .collect()
}

fn x_forwarded_proto(headers: &HeaderMap) -> Option<String> {
    let value = headers.get_all("x-forwarded-proto").iter().next_back()?;
    let last = value.to_str().ok()?.rsplit(',').next()?;
    Some(last.trim().to_owned())
}

/// Puts the [`Client`] in the request's extensions for handlers (the
/// login limits) and for the security headers (HSTS over HTTPS).
pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // Without connection info (a router driven in a test), an address
    // nobody else shares.
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let client = client_of(peer, request.headers(), &state.trusted_proxies);
    request.extensions_mut().insert(client);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8", "192.0.2.7"]).unwrap();
        let spoofed = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
        ]);
        let direct = client_of(ip("198.51.100.4"), &spoofed, &trusted);
        assert_eq!(
            direct,
            Client {
                addr: ip("198.51.100.4"),
                https: false
            }
        );

        let proxied = client_of(ip("10.1.2.3"), &spoofed, &trusted);
        assert_eq!(
            proxied,
            Client {
                addr: ip("203.0.113.9"),
                https: true
            }
        );

        // A client that writes its own header first is read past: the
        // proxies append, and the nearest untrusted hop is the client.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.9.9.9")]);
        assert_eq!(
            client_of(ip("192.0.2.7"), &chain, &trusted).addr,
            ip("203.0.113.9")
        );

        let rfc = headers(&[(
            "forwarded",
            "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.2",
        )]);
        assert_eq!(
            client_of(ip("10.0.0.1"), &rfc, &trusted),
            Client {
                addr: ip("2001:db8::1"),
                https: true
            }
        );
        let garbage = headers(&[("x-forwarded-for", "203.0.113.9, not-an-address")]);
        assert_eq!(
            client_of(ip("10.0.0.1"), &garbage, &trusted).addr,
            ip("10.0.0.1")
        );
        assert_eq!(
            client_of(ip("10.0.0.1"), &HeaderMap::new(), &trusted).addr,
            ip("10.0.0.1")
        );
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
    }
}
