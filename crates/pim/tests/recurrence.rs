//! Recurrence checked against an independent implementation:
//! `recurring-ical-events` (on `icalendar`, from PyPI, in a venv the
//! harness makes) gives the occurrences of each file of
//! `tests/recurrence/` and they must be ours (`cc_pim::index`, on
//! `calcard`) to the second: a weekly Europe/Madrid series across the DST
//! change with an EXDATE, a moved and a cancelled instance (with a raised
//! SEQUENCE); floating daily times until a date; the last Friday of the
//! month with an RDATE; yearly all-day events and a multi-day one;
//! every other Monday and Wednesday in Outlook's custom `Romance Standard
//! Time` zone; a Google-style UTC series with a DURATION.

use std::path::PathBuf;
use std::process::Command;

const ZONE: &str = "Europe/Madrid";
/// 2025-01-01 to 2028-01-01.
const FROM: i64 = 1_735_689_600;
const TO: i64 = 1_830_297_600;

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/recurrence");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ics"))
        .collect();
    files.sort();
    files
}

fn theirs(python: &std::path::Path, file: &std::path::Path) -> Vec<(i64, i64)> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/recurrence/occurrences.py");
    let out = Command::new(python)
        .arg(script)
        .arg(file)
        .args([FROM.to_string(), TO.to_string(), ZONE.to_owned()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (s, e) = l.split_once(' ').unwrap();
            (s.parse().unwrap(), e.parse().unwrap())
        })
        .collect()
}

#[test]
fn occurrences_agree_with_recurring_ical_events() {
    let python = cc_harness::pypi::python_with("recurrence", &["recurring-ical-events>=3"]);
    let zone: cc_pim::chrono_tz::Tz = ZONE.parse().unwrap();
    let files = corpus();
    assert!(files.len() >= 6, "{files:?}");
    let mut total = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut ours: Vec<(i64, i64)> = cc_pim::index::occurrences(&text, zone, FROM, TO)
            .unwrap()
            .into_iter()
            .map(|o| (o.start, o.end))
            .collect();
        ours.sort();
        let theirs = theirs(&python, &file);
        assert!(!theirs.is_empty(), "{}: no occurrences", file.display());
        assert_eq!(ours, theirs, "{}", file.display());
        total += ours.len();
    }
    eprintln!("{total} occurrences agree");
}
