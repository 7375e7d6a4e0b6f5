//! The three-way merge over random histories: from a base event, each side
//! changes, removes or adds properties. Whenever the two sides did not
//! change the same property differently, the merge holds every change of
//! both sides and nothing else changed; otherwise it refuses (and the sync
//! keeps both versions). Merging again what was merged changes nothing
//! (no loop).

use std::collections::BTreeMap;

use cc_pim::text::{equivalent, merge3};
use proptest::prelude::*;

const NAMES: &[&str] = &[
    "SUMMARY",
    "LOCATION",
    "DESCRIPTION",
    "X-A",
    "X-B",
    "CATEGORIES",
    "URL",
];

/// An edit of one property on one side.
#[derive(Debug, Clone)]
enum Edit {
    Keep,
    Set(String),
    Remove,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => Just(Edit::Keep),
        2 => "[a-z ]{1,12}".prop_map(Edit::Set),
        1 => Just(Edit::Remove),
    ]
}

fn render(props: &BTreeMap<String, String>) -> String {
    let mut s = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20261201T100000Z\r\n",
    );
    for (k, v) in props {
        s.push_str(&format!("{k}:{v}\r\n"));
    }
    s.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    s
}

/// The properties of the event (the fixed ones aside).
fn props_of(text: &str) -> BTreeMap<String, String> {
    let mut in_event = false;
    let mut out = BTreeMap::new();
    for l in text.split("\r\n") {
        match l {
            "BEGIN:VEVENT" => in_event = true,
            "END:VEVENT" => in_event = false,
            _ if in_event => {
                if let Some((k, v)) = l.split_once(':')
                    && NAMES.contains(&k)
                {
                    out.insert(k.to_owned(), v.to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

fn apply(base: &BTreeMap<String, String>, edits: &[Edit]) -> BTreeMap<String, String> {
    let mut out = base.clone();
    for (name, e) in NAMES.iter().zip(edits) {
        match e {
            Edit::Keep => {}
            Edit::Set(v) => {
                out.insert((*name).to_owned(), v.clone());
            }
            Edit::Remove => {
                out.remove(*name);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_merge_keeps_every_change_of_both_sides_or_refuses(
        base_has in proptest::collection::vec(proptest::option::of("[a-z]{1,8}"), NAMES.len()),
        local_edits in proptest::collection::vec(edit(), NAMES.len()),
        server_edits in proptest::collection::vec(edit(), NAMES.len()),
    ) {
        let base: BTreeMap<String, String> = NAMES
            .iter()
            .zip(&base_has)
            .filter_map(|(n, v)| v.clone().map(|v| ((*n).to_owned(), v)))
            .collect();
        let local = apply(&base, &local_edits);
        let server = apply(&base, &server_edits);
        let (tb, tl, ts) = (render(&base), render(&local), render(&server));
        // What the rule says: each property from the side that changed it.
        let mut expected = BTreeMap::new();
        let mut clash = false;
        for n in NAMES {
            let (b, l, s) = (base.get(*n), local.get(*n), server.get(*n));
            let v = if l != b && s != b {
                if l != s {
                    clash = true;
                }
                l
            } else if l != b {
                l
            } else {
                s
            };
            if let Some(v) = v {
                expected.insert((*n).to_owned(), v.clone());
            }
        }
        match merge3(&tb, &tl, &ts) {
            None => prop_assert!(clash, "refused without a clash"),
            Some(m) => {
                prop_assert!(!clash, "merged a clash: {m}");
                prop_assert_eq!(props_of(&m), expected);
                prop_assert!(m.contains("UID:u\r\n") && m.contains("DTSTART:20261201T100000Z\r\n"));
                // Merging the merged result with either side again is stable.
                let again = merge3(&ts, &m, &ts).expect("no clash against itself");
                prop_assert!(equivalent(&again, &m));
            }
        }
    }
}
