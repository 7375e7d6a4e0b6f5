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
    for bad in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://example.org",
        "https://a\n.b",
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
    let file = dir.path().join("frama.toml");
    std::fs::write(
        &file,
        r#"schema = 1
id = "framaspace"
default_language = "en"
languages = ["en"]
sign_up_url = "https://www.frama.space/abc/en/"
password_reset_url = "https://www.frama.space/abc/en/"
[name]
en = "Framaspace"
"#,
    )
    .unwrap();
    let provider = Provider::load(&file).unwrap();
    let app = App::open(&dir.path().join("s.sqlite3"), provider).unwrap();
    assert_eq!(app.info().name, "Framaspace");
    assert_eq!(app.info().default_language, "en");
}

#[test]
fn invalid_profiles_give_clear_errors() {
    let cases = [
        ("schema = 2", "schema 2"),
        ("not toml at all [", "provider profile test"),
    ];
    for (text, expected) in cases {
        let err = Provider::parse(text, "test").unwrap_err();
        assert_eq!(err.code, ErrorCode::Provider);
        assert!(err.message.contains(expected), "{}", err.message);
    }
    let builtin = include_str!("../../../providers/commonscloud.toml");
    let http = builtin.replace("https://gent", "http://gent");
    let err = Provider::parse(&http, "test").unwrap_err();
    assert!(err.message.contains("sign_up_url"), "{}", err.message);
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
