use cc_app::{App, ErrorCode, Provider};

fn app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&dir.path().join("state.sqlite3"), Provider::builtin()).unwrap();
    (dir, app)
}

#[test]
fn builtin_profile_is_commonscloud_in_catalan() {
    let (_d, app) = app();
    let info = app.info();
    assert_eq!(info.name, "CommonsCloud");
    assert_eq!(info.default_language, "ca");
    assert_eq!(info.sign_up_url, "https://gent.commonscloud.coop/registre");
    // One cooperative, a name per language.
    assert_eq!(info.names["ca"], "SomNúvol");
    assert_eq!(info.names["es"], "SomosNube");
    assert_eq!(info.names["en"], "CommonsCloud");
    assert_eq!(
        info.password_reset_url.as_deref(),
        Some("https://www.commonscloud.coop/recover-password")
    );
    assert!(info.custom_server_allowed, "an organisation's own Oficina");
    // The example has words in it: one per language.
    assert_eq!(
        info.custom_server_hint["ca"],
        "https://oficina.<el-vostre-domini>"
    );
    assert_eq!(
        info.custom_server_hint["es"],
        "https://oficina.<vuestro-dominio>"
    );
    assert_eq!(
        info.custom_server_hint["en"],
        "https://oficina.<your-domain>"
    );
    assert!(
        app.provider()
            .logo_bytes()
            .unwrap()
            .unwrap()
            .starts_with(b"<svg")
    );
}

#[test]
fn commonscloud_services_point_at_the_shared_oficina_or_the_members_own() {
    let (_d, app) = app();
    assert_eq!(
        app.resolve_server(&cc_app::ServerChoice::Default).unwrap(),
        "https://oficina.commonscloud.coop/"
    );
    app.set_language("es").unwrap();
    let services = app.services(None).unwrap();
    let url = |id: &str| services.iter().find(|s| s.id == id).map(|s| s.url.clone());
    assert_eq!(
        url("video").as_deref(),
        Some("https://bbbsalas.somosnube.coop")
    );
    assert_eq!(
        url("video-oficina").as_deref(),
        Some("https://oficina.commonscloud.coop/index.php/apps/bbb/")
    );
    assert_eq!(
        url("oficina").as_deref(),
        Some("https://oficina.commonscloud.coop/")
    );
    let video = services.iter().find(|s| s.id == "video").unwrap();
    assert_eq!(video.name, "Videollamadas", "named in the UI language");
    for id in ["webmail", "agora", "gestor", "help"] {
        assert!(url(id).is_some_and(|u| u.starts_with("https://")), "{id}");
    }
    // An organisation's own Oficina is accepted as a typed address.
    assert_eq!(
        app.resolve_server(&cc_app::ServerChoice::Custom("oficina.example.coop".into()))
            .unwrap(),
        "https://oficina.example.coop/"
    );
    assert_eq!(
        app.resolve_server(&cc_app::ServerChoice::Custom(
            "http://oficina.example.coop".into()
        ))
        .unwrap_err()
        .code,
        ErrorCode::InvalidInput,
        "plain http only on loopback"
    );
}

#[test]
fn every_builtin_profile_is_valid() {
    for id in Provider::builtin_ids() {
        let p = Provider::by_id(id).unwrap();
        assert_eq!(p.id, id);
        assert!(!p.servers.is_empty() || p.custom_server.allowed, "{id}");
    }
    let frama = Provider::by_id("framaspace").unwrap();
    assert_eq!(
        frama
            .server_url(&cc_app::ServerChoice::Preset {
                id: "space".into(),
                organisation: Some("asso".into()),
            })
            .unwrap(),
        "https://asso.frama.space"
    );
    let generic = Provider::by_id("nextcloud").unwrap();
    assert!(generic.custom_server.allowed && generic.servers.is_empty());
    let err = cc_app::Error::from(Provider::by_id("nope").unwrap_err());
    assert_eq!(err.code, ErrorCode::Provider);
    assert!(
        err.message.contains("commonscloud, framaspace, nextcloud"),
        "{}",
        err.message
    );
}

#[test]
fn language_choice_persists_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    {
        let app = App::open(&state, Provider::builtin()).unwrap();
        assert_eq!(app.settings().unwrap().language, None);
        app.set_language("es").unwrap();
    }
    let app = App::open(&state, Provider::builtin()).unwrap();
    assert_eq!(app.settings().unwrap().language.as_deref(), Some("es"));
}

#[test]
fn unknown_language_is_refused_with_a_code() {
    let (_d, app) = app();
    let err = app.set_language("fr").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(app.settings().unwrap().language, None);
}

#[test]
fn only_https_urls_are_opened() {
    let (_d, app) = app();
    assert!(
        app.check_external_url("https://gent.commonscloud.coop/registre")
            .is_ok()
    );
    for ok in [
        "http://127.0.0.1:8080/index.php/login/v2/flow/x",
        "http://localhost/",
        "http://[::1]:80/",
        "HTTPS://Oficina.Example.coop/",
    ] {
        assert!(app.check_external_url(ok).is_ok(), "{ok}");
    }
    // What opens is the address as parsed: a backslash after the host is
    // a path for the parser, and stays one for the browser.
    assert_eq!(
        app.check_external_url("http://localhost\\@evil.example/")
            .unwrap(),
        "http://localhost/@evil.example/"
    );
    for bad in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "JavaScript://localhost/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://example.org",
        "https://a\n.b",
        // Look like loopback to a prefix test, are not.
        "http://localhost@evil.example/",
        "http://127.0.0.1.evil.example/",
        "http://localhost.evil.example/",
        "http://127.0.0.1@evil.example:80/",
        "https://",
        "not a url",
        "https://commonscloud.coop@evil.example/",
        "https://:x@oficina.example.coop/",
    ] {
        assert_eq!(
            app.check_external_url(bad).unwrap_err().code,
            ErrorCode::InvalidInput,
            "{bad}"
        );
    }
}

#[test]
fn another_profile_loads_without_code_changes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("coop.toml");
    std::fs::write(
        dir.path().join("coop.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .unwrap();
    std::fs::write(
        &file,
        r##"schema = 1
id = "nuvol-coop"
brand = "Núvol Coop"
default_language = "es"
languages = ["es"]
logo = "coop.svg"
sign_up_url = "https://nuvol.example.coop/alta"
password_reset_url = "index.php/login"
[name]
es = "Núvol Coop"
[colors]
primary = "#aa3300"
primary_dark = "#772200"
on_primary = "#ffffff"
tint = "#fff0e8"
[[server]]
id = "org"
template = "https://{organisation}.nuvol.example.coop"
[[service]]
id = "foro"
kind = "forum"
url = "https://foro.example.coop"
[service.name]
es = "Foro"
"##,
    )
    .unwrap();
    let provider = Provider::load(&file).unwrap();
    let app = App::open(&dir.path().join("s.sqlite3"), provider).unwrap();
    let info = app.info();
    assert_eq!(info.name, "Núvol Coop");
    assert_eq!(info.provider_id, "nuvol-coop");
    assert_eq!(info.default_language, "es");
    assert_eq!(info.colors.primary, "#aa3300");
    assert!(!info.custom_server_allowed);
    assert_eq!(
        app.provider().logo_bytes().unwrap().unwrap().as_ref(),
        b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    );
    let services = app.services(None).unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(
        (services[0].name.as_str(), services[0].url.as_str()),
        ("Foro", "https://foro.example.coop")
    );
    // The per-organisation server: a DNS label fills the template, nothing else.
    let server = |org: &str| {
        app.resolve_server(&cc_app::ServerChoice::Preset {
            id: "org".into(),
            organisation: Some(org.into()),
        })
    };
    assert_eq!(
        server("cooperativa-1").unwrap(),
        "https://cooperativa-1.nuvol.example.coop/"
    );
    for bad in ["evil.com/x", "a.b", "", "UPPER", "x@y"] {
        assert_eq!(
            server(bad).unwrap_err().code,
            ErrorCode::InvalidInput,
            "{bad:?}"
        );
    }
    assert_eq!(
        app.resolve_server(&cc_app::ServerChoice::Custom(
            "https://other.example.org".into()
        ))
        .unwrap_err()
        .code,
        ErrorCode::InvalidInput,
        "this profile allows no other servers"
    );
}

#[test]
fn invalid_profiles_give_clear_errors() {
    let cases = [
        ("schema = 2", "schema 2"),
        ("not toml at all [", "provider profile test"),
    ];
    for (text, expected) in cases {
        let err = cc_app::Error::from(Provider::parse(text, "test").unwrap_err());
        assert_eq!(err.code, ErrorCode::Provider);
        assert!(err.message.contains(expected), "{}", err.message);
    }
    let builtin = include_str!("../../../providers/commonscloud.toml");
    for (from, to, expected) in [
        ("https://gent", "http://gent", "sign_up_url"),
        ("#0b6e69", "teal", "colors.primary"),
        ("logos/commonscloud.svg", "../../etc/passwd.svg", "logo"),
    ] {
        assert!(builtin.contains(from), "{from}");
        let err = cc_app::Error::from(
            Provider::parse(&builtin.replacen(from, to, 1), "test").unwrap_err(),
        );
        assert_eq!(err.code, ErrorCode::Provider);
        assert!(
            err.message.contains(expected),
            "{expected}: {}",
            err.message
        );
    }
    // A bad service is left out on its own, with a message; the rest of
    // the profile is used.
    for (from, to, gone, expected) in [
        (
            "url = \"https://bbbsalas.somosnube.coop\"",
            "url = \"http://bbbsalas.somosnube.coop\"",
            "video",
            "service video url",
        ),
        (
            "path = \"index.php/apps/bbb/\"",
            "path = \"/../x\"",
            "video-oficina",
            "service video-oficina path",
        ),
        (
            "ca = \"Àgora\"\n",
            "",
            "agora",
            "service agora has no name in the default language (ca)",
        ),
        (
            "id = \"gestor\"\nkind = \"erp\"",
            "id = \"gestor\"\nkind = \"erp\"\nmeeting = \"jitsi\"",
            "gestor",
            "only video services start meetings",
        ),
        ("_to={to}", "_to=", "webmail", "must hold {to} once"),
    ] {
        assert!(builtin.contains(from), "{from}");
        let p = Provider::parse(&builtin.replacen(from, to, 1), "test").unwrap();
        assert!(!p.services.iter().any(|s| s.id == gone), "{gone} kept");
        assert_eq!(p.services.len(), 6, "the other services stay");
        assert_eq!(p.refused_services.len(), 1);
        assert!(
            p.refused_services[0].contains(expected),
            "{expected}: {:?}",
            p.refused_services
        );
    }
    // A missing logo file is reported when the profile is loaded.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(&file, builtin).unwrap();
    let err = cc_app::Error::from(Provider::load(&file).unwrap_err());
    assert_eq!(err.code, ErrorCode::Provider);
    assert!(err.message.contains("commonscloud.svg"), "{}", err.message);
}

#[test]
fn os_locales_map_to_ui_languages() {
    use cc_app::language_of_locale as l;
    assert_eq!(l("ca-ES").as_deref(), Some("ca"));
    assert_eq!(l("ca_ES.UTF-8@valencia").as_deref(), Some("ca"));
    assert_eq!(l("es_ES.UTF-8").as_deref(), Some("es"));
    assert_eq!(l("EN-us").as_deref(), Some("en"));
    assert_eq!(l("C"), None);
    assert_eq!(l("POSIX"), None);
    assert_eq!(l("fr-FR"), None);
    assert_eq!(l(""), None);
}

#[test]
fn stored_language_wins_for_the_ui() {
    let (_d, app) = app();
    app.set_language("en").unwrap();
    assert_eq!(app.ui_language(), "en");
}

/// Start at login: the other settings are stored, then the desktop's entry
/// follows; when the desktop refuses, the stored choice goes back and the
/// error has its own code for the settings page.
#[test]
fn start_at_login_follows_the_choice_and_a_refusal_changes_nothing() {
    use cc_app::{SettingsPatch, StartAtLogin, XdgAutostart};
    let (dir, app) = app();
    let exec = dir.path().join("commonscloud-desktop");
    // A fresh account: no `~/.config` yet.
    let config = dir.path().join("home/.config");
    let entry = XdgAutostart::new(&config, "commonscloud-desktop", "CommonsCloud", &exec);
    let on = SettingsPatch {
        autostart: Some(true),
        poll_seconds: Some(300),
        ..SettingsPatch::default()
    };
    let s = app.update_settings_at_login(&on, &entry).unwrap();
    assert!(s.autostart);
    assert!(entry.is_enabled());
    let off = SettingsPatch {
        autostart: Some(false),
        ..SettingsPatch::default()
    };
    assert!(
        !app.update_settings_at_login(&off, &entry)
            .unwrap()
            .autostart
    );
    assert!(!entry.is_enabled());

    // The desktop refuses: `~/.config` is a file on this account.
    std::fs::remove_dir_all(&config).unwrap();
    std::fs::write(&config, "not a folder").unwrap();
    let refused = SettingsPatch {
        autostart: Some(true),
        poll_seconds: Some(900),
        ..SettingsPatch::default()
    };
    let err = app.update_settings_at_login(&refused, &entry).unwrap_err();
    assert_eq!(err.code, ErrorCode::Autostart);
    assert!(err.message.contains("cannot make"), "{}", err.message);
    let stored = app.settings().unwrap();
    assert!(!stored.autostart, "the stored choice went back");
    assert_eq!(stored.poll_seconds, 900, "the other changes were kept");
    assert!(entry.disable().is_ok());
}

#[test]
fn an_address_example_given_once_is_the_same_in_every_language() {
    let p = cc_account::provider::Provider::by_id("nextcloud").unwrap();
    assert_eq!(
        p.custom_server.hint,
        std::collections::BTreeMap::from([(
            "*".to_owned(),
            "https://cloud.example.org".to_owned()
        )])
    );
}
