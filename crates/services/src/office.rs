//! The web office: Nextcloud's direct editing (Nextcloud 18+), which gives
//! a one-time URL that opens a file or a new document already signed in,
//! and `<server>/index.php/f/<fileid>` when no editor takes the file.
//!
//! - `GET  ocs/v2.php/apps/files/api/v1/directEditing`: `editors` (id,
//!   name, mimetypes, optionalMimetypes) and `creators` (id, editor, name,
//!   extension, mimetype, templates).
//! - `POST ocs/v2.php/apps/files/api/v1/directEditing/open` with `path`
//!   (from the member's files root), `editorId`, `fileId`: `data.url`.
//! - `POST ocs/v2.php/apps/files/api/v1/directEditing/create` with `path`,
//!   `editorId`, `creatorId`: `data.url`.
//!
//! Nextcloud's Text app is an editor (Markdown and plain text); Collabora
//! Online (richdocuments) adds the office types.

use cc_account::{NextcloudClient, OcsRequest};
use cc_dav::Credentials;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::odf::DocKind;
use crate::{Result, ServiceError, on_server};

const API: &str = "ocs/v2.php/apps/files/api/v1/directEditing";

/// An editor of the server.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Editor {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub mimetypes: Vec<String>,
    #[serde(default)]
    pub optional_mimetypes: Vec<String>,
}

/// Something the server can create a new file of.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Creator {
    pub id: String,
    pub editor: String,
    pub name: String,
    pub extension: String,
    #[serde(default)]
    pub mimetype: String,
    #[serde(default)]
    pub templates: bool,
}

/// The server's editors and creators; empty where the server has none
/// (no direct editing, or no editor app).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Editors {
    pub editors: Vec<Editor>,
    pub creators: Vec<Creator>,
}

impl Editors {
    /// Reads the `ocs.data` of the directEditing answer (editors and
    /// creators are objects keyed by id).
    pub fn parse(data: &Value) -> Self {
        fn list<T: for<'de> Deserialize<'de>>(v: Option<&Value>) -> Vec<T> {
            let Some(Value::Object(map)) = v else {
                return Vec::new();
            };
            map.values()
                .filter_map(|e| serde_json::from_value(e.clone()).ok())
                .collect()
        }
        Editors {
            editors: list(data.get("editors")),
            creators: list(data.get("creators")),
        }
    }

    /// The editor that opens files of `mimetype`.
    pub fn editor_for(&self, mimetype: &str) -> Option<&Editor> {
        self.editors
            .iter()
            .find(|e| e.mimetypes.iter().any(|m| m == mimetype))
            .or_else(|| {
                self.editors
                    .iter()
                    .find(|e| e.optional_mimetypes.iter().any(|m| m == mimetype))
            })
    }

    /// The creator of new files of `kind`, when the server has one (its
    /// mimetype is the OpenDocument one, or its extension is).
    pub fn creator_for(&self, kind: DocKind) -> Option<&Creator> {
        self.creators
            .iter()
            .find(|c| c.mimetype == kind.mimetype() || c.extension == kind.extension())
    }
}

/// The server's editors and creators. A server without direct editing
/// (404) has none.
pub async fn editors(client: &NextcloudClient, creds: &Credentials) -> Result<Editors> {
    let path = format!("{API}?format=json");
    match client
        .ocs_call(creds, OcsRequest::new(Method::GET, &path))
        .await
    {
        Ok(a) => Ok(Editors::parse(&a.data)),
        Err(cc_account::AccountError::Refused { status: 404, .. }) => Ok(Editors::default()),
        Err(e) => Err(e.into()),
    }
}

/// The request that opens `path` (from the member's files root, with a
/// leading `/`) in `editor`: method, path and form.
pub fn open_request(
    path: &str,
    editor: &str,
    file_id: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut form = vec![("path", path.to_owned()), ("editorId", editor.to_owned())];
    if let Some(id) = file_id {
        form.push(("fileId", id.to_owned()));
    }
    form
}

/// A one-time URL that opens `path` in `editor`, signed in.
pub async fn open(
    client: &NextcloudClient,
    creds: &Credentials,
    path: &str,
    editor: &str,
    file_id: Option<&str>,
) -> Result<Url> {
    let form = open_request(path, editor, file_id);
    one_time_url(client, creds, "open", &form).await
}

/// Creates `path` with `creator` of `editor`; a one-time URL that opens it.
pub async fn create(
    client: &NextcloudClient,
    creds: &Credentials,
    path: &str,
    creator: &Creator,
) -> Result<Url> {
    let form = vec![
        ("path", path.to_owned()),
        ("editorId", creator.editor.clone()),
        ("creatorId", creator.id.clone()),
    ];
    one_time_url(client, creds, "create", &form).await
}

async fn one_time_url(
    client: &NextcloudClient,
    creds: &Credentials,
    action: &str,
    form: &[(&str, String)],
) -> Result<Url> {
    let path = format!("{API}/{action}?format=json");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = client
        .ocs_call(creds, OcsRequest::new(Method::POST, &path).form(&form))
        .await?;
    let url = answer
        .data
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| ServiceError::Refused(format!("directEditing/{action} gave no url")))?;
    // The one-time URL signs the member in: it must be the server's own.
    on_server(url, client.base(), &format!("directEditing/{action}"))
}

/// The file's page in the server's web interface (`index.php/f/<fileid>`),
/// which opens it in the server's default viewer or editor.
pub fn file_page(server: &Url, file_id: &str) -> Result<Url> {
    if file_id.is_empty() || !file_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServiceError::Refused(format!(
            "{file_id:?} is not a file id"
        )));
    }
    server
        .join(&format!("index.php/f/{file_id}"))
        .map_err(|e| ServiceError::Refused(e.to_string()))
}

/// The MIME type Nextcloud gives a file of this name.
pub fn mimetype_of(name: &str) -> String {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        // Nextcloud's own mapping for the types mime_guess does not know
        // or names otherwise.
        Some("md" | "markdown") => "text/markdown".to_owned(),
        Some("odt") => DocKind::Document.mimetype().to_owned(),
        Some("ods") => DocKind::Spreadsheet.mimetype().to_owned(),
        Some("odp") => DocKind::Presentation.mimetype().to_owned(),
        _ => mime_guess::from_path(name)
            .first_raw()
            .unwrap_or("application/octet-stream")
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shape of Nextcloud 33's answer with Text and Collabora Online
    /// (the creators as richdocuments registers them).
    fn answer() -> Value {
        json!({
            "editors": {
                "text": {"id": "text", "name": "Nextcloud Text",
                         "mimetypes": ["text/markdown", "text/plain"], "optionalMimetypes": [], "secure": false},
                "richdocuments": {"id": "richdocuments", "name": "Nextcloud Office",
                         "mimetypes": ["application/vnd.oasis.opendocument.text",
                                       "application/vnd.oasis.opendocument.spreadsheet"],
                         "optionalMimetypes": ["application/pdf"], "secure": false}
            },
            "creators": {
                "textdocument": {"id": "textdocument", "editor": "text", "name": "text document",
                                 "extension": "md", "templates": false, "mimetype": "text/markdown"},
                "richdocuments-spreadsheet": {"id": "richdocuments-spreadsheet", "editor": "richdocuments",
                                 "name": "New spreadsheet", "extension": "ods", "templates": true,
                                 "mimetype": "application/vnd.oasis.opendocument.spreadsheet"}
            }
        })
    }

    #[test]
    fn editors_and_creators_are_found_by_type() {
        let e = Editors::parse(&answer());
        assert_eq!(e.editor_for("text/markdown").unwrap().id, "text");
        assert_eq!(
            e.editor_for(&mimetype_of("Pressupost.ODS")).unwrap().id,
            "richdocuments"
        );
        assert_eq!(e.editor_for("application/pdf").unwrap().id, "richdocuments");
        assert!(e.editor_for("image/png").is_none());
        assert_eq!(
            e.creator_for(DocKind::Spreadsheet).unwrap().id,
            "richdocuments-spreadsheet"
        );
        assert!(e.creator_for(DocKind::Presentation).is_none());
        assert_eq!(Editors::parse(&json!([])), Editors::default());
    }

    #[test]
    fn the_open_request_names_path_editor_and_file() {
        assert_eq!(
            open_request("/Documents/Acta.odt", "richdocuments", Some("773")),
            vec![
                ("path", "/Documents/Acta.odt".to_owned()),
                ("editorId", "richdocuments".to_owned()),
                ("fileId", "773".to_owned()),
            ]
        );
    }

    #[test]
    fn file_pages_take_only_numeric_ids() {
        let server = Url::parse("https://oficina.example/").unwrap();
        assert_eq!(
            file_page(&server, "773").unwrap().as_str(),
            "https://oficina.example/index.php/f/773"
        );
        assert!(file_page(&server, "../../evil").is_err());
        assert!(file_page(&server, "").is_err());
    }

    #[test]
    fn types_follow_nextcloud() {
        assert_eq!(mimetype_of("notes.md"), "text/markdown");
        assert_eq!(mimetype_of("a.txt"), "text/plain");
        assert_eq!(mimetype_of("Acta.odt"), DocKind::Document.mimetype());
        assert_eq!(
            mimetype_of("x.docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(mimetype_of("noext"), "application/octet-stream");
    }
}
