//! Round trip over real-world shapes (`tests/roundtrip/`: exports as
//! Google, Apple, Outlook and Thunderbird write them: folded lines, CRLF
//! and bare LF, quoted TZIDs, custom zones, `X-` properties, grouped
//! vCard 3 properties with Apple's labels, vCard 4 with URI phones,
//! embedded photos): an item opened in the editor and saved unchanged is
//! not rewritten by one byte, and an item whose title or note changed
//! keeps every other line as it was, in order.

use std::path::PathBuf;

use cc_pim::edit;

fn corpus(ext: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/roundtrip");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The logical lines of a text (folding undone, line ends aside).
fn logical(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some(last) = out.last_mut()
        {
            last.push_str(rest);
        } else if !raw.is_empty() {
            out.push(raw.to_owned());
        }
    }
    out
}

fn name_of(line: &str) -> String {
    let end = line.find([';', ':']).unwrap_or(line.len());
    let name = line[..end].to_ascii_uppercase();
    // vCard groups: `item1.EMAIL`.
    name.rsplit('.').next().unwrap_or(&name).to_owned()
}

/// Every line of `before` whose property is not in `changed` is in
/// `after`, in the same order.
fn kept(file: &str, before: &str, after: &str, changed: &[&str]) {
    let after_lines = logical(after);
    let mut at = 0;
    for line in logical(before) {
        if changed.contains(&name_of(&line).as_str()) {
            continue;
        }
        match after_lines[at..].iter().position(|l| *l == line) {
            Some(i) => at += i + 1,
            None => panic!("{file}: {line:?} lost or moved:\n{after}"),
        }
    }
}

#[test]
fn events_round_trip() {
    let files = corpus("ics");
    assert!(files.len() >= 4);
    for (file, text) in files {
        let f = edit::event_fields(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!f.start.is_empty(), "{file}");
        // Opened and saved unchanged: the very same bytes.
        assert_eq!(edit::edit_event(&text, &f).unwrap(), text, "{file}");
        // The title changed: that line, the stamps and the sequence only.
        let mut g = f.clone();
        g.summary = format!("{} (canviat; amb, signes)", f.summary);
        let out = edit::edit_event(&text, &g).unwrap();
        kept(
            &file,
            &text,
            &out,
            &["SUMMARY", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE"],
        );
        assert_eq!(edit::event_fields(&out).unwrap(), g, "{file}");
        assert!(
            calcard::icalendar::ICalendar::parse(&out).is_ok(),
            "{file}: {out}"
        );
        // An hour later: the dates change (a DURATION becomes a DTEND),
        // nothing else.
        if !f.all_day {
            let later = |t: &str| {
                (chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").unwrap()
                    + chrono::Duration::hours(1))
                .format("%Y-%m-%dT%H:%M")
                .to_string()
            };
            let mut h = f.clone();
            h.start = later(&f.start);
            h.end = later(&f.end);
            let out = edit::edit_event(&text, &h).unwrap();
            kept(
                &file,
                &text,
                &out,
                &[
                    "DTSTART",
                    "DTEND",
                    "DURATION",
                    "DTSTAMP",
                    "LAST-MODIFIED",
                    "SEQUENCE",
                ],
            );
            assert_eq!(edit::event_fields(&out).unwrap(), h, "{file}");
        }
    }
}

#[test]
fn contacts_round_trip() {
    let files = corpus("vcf");
    assert!(files.len() >= 2);
    for (file, text) in files {
        let f = edit::contact_fields(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!f.name.is_empty(), "{file}");
        assert!(
            f.photo
                .as_deref()
                .is_some_and(|p| p.starts_with("data:image/")),
            "{file}: the photo"
        );
        assert!(
            !f.emails.is_empty() && !f.phones.is_empty(),
            "{file}: {f:?}"
        );
        // What the search finds them by too (grouped `item1.EMAIL` included).
        let indexed = cc_pim::index::contact(&text).unwrap();
        assert_eq!(
            indexed.emails,
            f.emails.iter().map(|e| e.value.clone()).collect::<Vec<_>>(),
            "{file}"
        );
        assert_eq!(edit::edit_contact(&text, &f).unwrap(), text, "{file}");
        let mut g = f.clone();
        g.note = "Nota nova\namb dues línies".into();
        let out = edit::edit_contact(&text, &g).unwrap();
        kept(&file, &text, &out, &["NOTE", "REV"]);
        assert_eq!(edit::contact_fields(&out).unwrap().note, g.note, "{file}");
        // A phone added: the ones there keep their lines (parameters,
        // groups) and the new one is added.
        let mut h = f.clone();
        h.phones.push(cc_pim::edit::Typed {
            kind: "work".into(),
            value: "+34 93 000 00 00".into(),
        });
        let out = edit::edit_contact(&text, &h).unwrap();
        kept(&file, &text, &out, &["REV"]);
        assert!(out.contains("TEL;TYPE=work:+34 93 000 00 00"), "{file}");
        assert!(calcard::vcard::VCard::parse(&out).is_ok(), "{file}");
    }
}
