//! Server addresses: what a member types, made into the base URL of a
//! Nextcloud, and the transport rule every request follows.

use url::Url;

use crate::error::AccountError;

/// Makes the base URL of a Nextcloud from what a member typed:
/// `oficina.example.coop` becomes `https://oficina.example.coop/`; a pasted
/// page address (`…/index.php/apps/files/`, `…/remote.php/dav/…`) is cut
/// back to the server's base; the result always ends in `/`.
pub fn normalise_server_url(input: &str) -> Result<Url, AccountError> {
    let bad = |reason: &str| AccountError::BadServerUrl {
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(bad("the address is empty"));
    }
    if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("the address has spaces or control characters"));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("only https addresses are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("the address has no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "the address must not hold a user name or password; they are asked for separately",
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    let mut path = url.path().to_owned();
    for marker in [
        "/index.php",
        "/remote.php",
        "/ocs/",
        "/status.php",
        "/apps/",
    ] {
        if let Some(at) = path.find(marker) {
            path.truncate(at);
        }
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    url.set_path(&path);
    Ok(url)
}

/// The rule of every request: `https`, or plain `http` only to this
/// computer's loopback interface (tests, a server on the same machine).
/// The same rule as the DAV client's ([`cc_dav::client::is_loopback`]).
pub fn check_transport(url: &Url) -> Result<(), AccountError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if cc_dav::client::is_loopback(url) => Ok(()),
        "http" => Err(AccountError::Insecure(host_of(url))),
        other => Err(AccountError::BadServerUrl {
            input: url.to_string(),
            reason: format!("unsupported scheme {other:?}"),
        }),
    }
}

/// Host and port of a URL, for messages (never its credentials).
pub fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => url.as_str().to_owned(),
    }
}

/// The server's address as stored and shown: the base URL without its
/// trailing slash (`https://oficina.example.coop`).
pub fn display_server(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_addresses_become_base_urls() {
        let n = |s: &str| normalise_server_url(s).map(|u| u.to_string());
        assert_eq!(
            n("oficina.commonscloud.coop").unwrap(),
            "https://oficina.commonscloud.coop/"
        );
        assert_eq!(
            n(" https://oficina.example.coop/index.php/apps/files/?dir=/ ").unwrap(),
            "https://oficina.example.coop/"
        );
        assert_eq!(
            n("https://example.org/nextcloud/remote.php/dav/files/ana/").unwrap(),
            "https://example.org/nextcloud/"
        );
        assert_eq!(
            n("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/"
        );
        for bad in [
            "",
            "ftp://example.org",
            "https://ana:secret@example.org",
            "https://exa mple.org",
            "https://",
        ] {
            assert!(n(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(check_transport(&u("https://example.org/")).is_ok());
        assert!(check_transport(&u("http://127.0.0.1:9/")).is_ok());
        assert!(check_transport(&u("http://localhost:9/")).is_ok());
        assert!(check_transport(&u("http://[::1]:9/")).is_ok());
        assert!(matches!(
            check_transport(&u("http://example.org/")),
            Err(AccountError::Insecure(h)) if h == "example.org"
        ));
    }
}
