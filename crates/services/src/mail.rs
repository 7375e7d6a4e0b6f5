//! "Write an e-mail": the profile's webmail compose page when it has one
//! the member's server supports, Nextcloud Mail's compose page where the
//! server has Mail, else the system's `mailto:` handler.

use cc_account::ServiceLink;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use crate::navigation::Navigation;
use crate::{Result, ServiceError};

/// Where a new message is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compose {
    /// A page in the browser.
    Web(Url),
    /// The system's mail program.
    MailTo(String),
}

impl Compose {
    pub fn as_str(&self) -> &str {
        match self {
            Compose::Web(u) => u.as_str(),
            Compose::MailTo(m) => m,
        }
    }
}

/// Where to write to `to` (empty for a blank message).
pub fn compose(
    services: &[ServiceLink],
    nav: &Navigation,
    server: Option<&Url>,
    to: &str,
) -> Result<Compose> {
    let to = to.trim();
    let plausible = to.is_empty()
        || (to.contains('@')
            && !to
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == ','));
    if !plausible {
        return Err(ServiceError::Refused(format!(
            "{to:?} is not an e-mail address"
        )));
    }
    let encoded = utf8_percent_encode(to, NON_ALPHANUMERIC).to_string();
    let from_profile = services.iter().find_map(|s| {
        let template = s.compose.as_deref()?;
        if let Some(app) = &s.server_app
            && !nav.has(app)
        {
            return None;
        }
        Url::parse(&template.replace("{to}", &encoded)).ok()
    });
    if let Some(url) = from_profile {
        return Ok(Compose::Web(url));
    }
    if nav.has("mail")
        && let Some(server) = server
        && let Ok(url) = server.join(&format!("index.php/apps/mail/?to={encoded}"))
    {
        return Ok(Compose::Web(url));
    }
    Ok(Compose::MailTo(format!("mailto:{encoded}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::navigation::listing as nav;
    use cc_account::ServiceKind;

    fn webmail(compose: &str, app: Option<&str>) -> ServiceLink {
        ServiceLink {
            id: "webmail".into(),
            kind: ServiceKind::Mail,
            name: "Webmail".into(),
            url: "https://webmail.example/".into(),
            server_app: app.map(str::to_owned),
            icon: None,
            meeting: None,
            compose: Some(compose.into()),
        }
    }

    #[test]
    fn the_profile_then_nextcloud_mail_then_mailto() {
        let server = Url::parse("https://o.example/").unwrap();
        let roundcube = webmail(
            "https://webmail.example/?_task=mail&_action=compose&_to={to}",
            None,
        );
        assert_eq!(
            compose(&[roundcube], &nav(&[]), Some(&server), "núria@coop.example").unwrap(),
            Compose::Web(
                Url::parse("https://webmail.example/?_task=mail&_action=compose&_to=n%C3%BAria%40coop%2Eexample")
                    .unwrap()
            )
        );
        assert_eq!(
            compose(&[], &nav(&["mail"]), Some(&server), "a@b.example")
                .unwrap()
                .as_str(),
            "https://o.example/index.php/apps/mail/?to=a%40b%2Eexample"
        );
        // A compose page tied to an app the server lacks is skipped.
        let tied = webmail(
            "https://o.example/index.php/apps/snappymail/?to={to}",
            Some("snappymail"),
        );
        assert_eq!(
            compose(&[tied], &nav(&[]), Some(&server), "a@b.example").unwrap(),
            Compose::MailTo("mailto:a%40b%2Eexample".into())
        );
        assert_eq!(
            compose(&[], &nav(&[]), None, "").unwrap(),
            Compose::MailTo("mailto:".into())
        );
    }

    #[test]
    fn odd_addresses_are_refused() {
        for bad in [
            "no-at-sign",
            "a@b.example,c@d.example",
            "a@b\r\nBcc: x@y",
            "a b@c.example",
        ] {
            assert!(compose(&[], &nav(&[]), None, bad).is_err(), "{bad:?}");
        }
    }
}
