//! Empty OpenDocument files (`.odt`, `.ods`, `.odp`) for "New document"
//! when the server has no creator of its own: a zip whose first entry is
//! the uncompressed `mimetype`, then the manifest, content, styles and
//! meta parts (OpenDocument 1.3, part 2 "Packages"). LibreOffice and
//! Collabora Online open them; the tests load them with `odfpy`.

use std::io::Write;

use zip::write::SimpleFileOptions;

/// The three kinds of office document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Document,
    Spreadsheet,
    Presentation,
}

impl DocKind {
    pub const ALL: [DocKind; 3] = [
        DocKind::Document,
        DocKind::Spreadsheet,
        DocKind::Presentation,
    ];

    pub fn extension(self) -> &'static str {
        match self {
            DocKind::Document => "odt",
            DocKind::Spreadsheet => "ods",
            DocKind::Presentation => "odp",
        }
    }

    pub fn mimetype(self) -> &'static str {
        match self {
            DocKind::Document => "application/vnd.oasis.opendocument.text",
            DocKind::Spreadsheet => "application/vnd.oasis.opendocument.spreadsheet",
            DocKind::Presentation => "application/vnd.oasis.opendocument.presentation",
        }
    }

    /// The body of `content.xml`'s `office:body`.
    fn body(self) -> &'static str {
        match self {
            DocKind::Document => "<office:text><text:p/></office:text>",
            DocKind::Spreadsheet => concat!(
                "<office:spreadsheet><table:table table:name=\"Sheet1\">",
                "<table:table-column/><table:table-row><table:table-cell/></table:table-row>",
                "</table:table></office:spreadsheet>"
            ),
            DocKind::Presentation => concat!(
                "<office:presentation>",
                "<draw:page draw:name=\"page1\" draw:master-page-name=\"Default\"/>",
                "</office:presentation>"
            ),
        }
    }

    /// `office:master-styles` of `styles.xml`.
    fn master_styles(self) -> &'static str {
        match self {
            DocKind::Document => {
                "<style:master-page style:name=\"Standard\" style:page-layout-name=\"pm1\"/>"
            }
            DocKind::Spreadsheet => {
                "<style:master-page style:name=\"Default\" style:page-layout-name=\"pm1\"/>"
            }
            DocKind::Presentation => {
                "<style:master-page style:name=\"Default\" style:page-layout-name=\"pm1\"/>"
            }
        }
    }
}

const NAMESPACES: &str = concat!(
    " xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\"",
    " xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\"",
    " xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"",
    " xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\"",
    " xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\"",
    " xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\"",
    " xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\"",
    " office:version=\"1.3\""
);

/// An empty document of `kind`, as the bytes of its file.
pub fn empty(kind: DocKind) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mime = kind.mimetype();
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\
         <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\" manifest:media-type=\"{mime}\"/>\
         <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
         <manifest:file-entry manifest:full-path=\"styles.xml\" manifest:media-type=\"text/xml\"/>\
         <manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>\
         </manifest:manifest>\n"
    );
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <office:document-content{NAMESPACES}><office:body>{}</office:body></office:document-content>\n",
        kind.body()
    );
    let styles = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <office:document-styles{NAMESPACES}>\
         <office:automatic-styles><style:page-layout style:name=\"pm1\"/></office:automatic-styles>\
         <office:master-styles>{}</office:master-styles>\
         </office:document-styles>\n",
        kind.master_styles()
    );
    let meta = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <office:document-meta{NAMESPACES}><office:meta>\
         <meta:generator>CommonsCloud Desktop/{}</meta:generator>\
         </office:meta></office:document-meta>\n",
        env!("CARGO_PKG_VERSION")
    );
    let parts: [(&str, &[u8], SimpleFileOptions); 5] = [
        // The first entry, uncompressed, so a reader knows the type from
        // the bytes at offset 38.
        ("mimetype", mime.as_bytes(), stored),
        ("META-INF/manifest.xml", manifest.as_bytes(), deflated),
        ("content.xml", content.as_bytes(), deflated),
        ("styles.xml", styles.as_bytes(), deflated),
        ("meta.xml", meta.as_bytes(), deflated),
    ];
    for (name, bytes, options) in parts {
        // Writing into memory cannot fail but for a bug.
        zip.start_file(name, options).expect("zip entry in memory");
        zip.write_all(bytes).expect("zip entry in memory");
    }
    zip.finish().expect("zip in memory");
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_mimetype_comes_first_and_uncompressed() {
        for kind in DocKind::ALL {
            let bytes = empty(kind);
            // The OpenDocument rule: "mimetype" at offset 30, its value at 38.
            assert_eq!(&bytes[30..38], b"mimetype");
            assert_eq!(
                &bytes[38..38 + kind.mimetype().len()],
                kind.mimetype().as_bytes()
            );
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            let names: Vec<_> = zip.file_names().map(str::to_owned).collect();
            assert_eq!(names.len(), 5, "{names:?}");
            let mut content = String::new();
            zip.by_name("content.xml")
                .unwrap()
                .read_to_string(&mut content)
                .unwrap();
            assert!(content.contains(kind.body()));
        }
    }
}
