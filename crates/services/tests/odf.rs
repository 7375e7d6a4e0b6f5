//! The empty documents "New document" uploads load in another
//! implementation of OpenDocument: `odfpy` (from PyPI), which reads the
//! package's manifest and parts as LibreOffice does.

use std::process::Command;

use cc_services::odf::{self, DocKind};

const READ: &str = "
import sys
from odf.opendocument import load
from odf.table import Table
from odf.draw import Page
d = load(sys.argv[1])
body = [n.qname[1] for n in d.body.childNodes if n.nodeType == 1]
tables = len(d.body.getElementsByType(Table))
pages = len(d.body.getElementsByType(Page))
print(d.getMediaType(), ','.join(body), tables, pages)
";

#[test]
fn the_empty_documents_load_in_odfpy() {
    let python = cc_harness::pypi::python_with("odf", &["odfpy>=1.4"]);
    let dir = tempfile::tempdir().unwrap();
    for (kind, body, tables, pages) in [
        (DocKind::Document, "text", 0, 0),
        (DocKind::Spreadsheet, "spreadsheet", 1, 0),
        (DocKind::Presentation, "presentation", 0, 1),
    ] {
        let path = dir.path().join(format!("Nou.{}", kind.extension()));
        std::fs::write(&path, odf::empty(kind)).unwrap();
        let out = Command::new(&python)
            .args(["-c", READ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{kind:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            got.trim(),
            format!("{} {body} {tables} {pages}", kind.mimetype()),
            "{kind:?}"
        );
    }
}
