//! iCalendar and vCard text as content lines, kept byte for byte: the
//! property-by-property three-way merge works on them, so whatever the app
//! does not edit (unknown and `X-` properties, alarms, attendees,
//! attachments, time zones, the server's folding) goes back as it came.

use std::collections::BTreeMap;

/// One logical line: its physical (folded) text, line ends included, and
/// its unfolded text for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    pub(crate) raw: &'a str,
    pub(crate) unfolded: String,
}

impl Line<'_> {
    /// `BEGIN`, `END`, `DTSTART`... (upper case, without parameters).
    pub(crate) fn name(&self) -> String {
        let end = self
            .unfolded
            .find([';', ':'])
            .unwrap_or(self.unfolded.len());
        self.unfolded[..end].to_ascii_uppercase()
    }

    pub(crate) fn value(&self) -> &str {
        // The value starts after the first colon outside quotes.
        let mut quoted = false;
        for (i, c) in self.unfolded.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ':' if !quoted => return &self.unfolded[i + 1..],
                _ => {}
            }
        }
        ""
    }
}

pub(crate) fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out: Vec<Line<'_>> = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            let next = bytes.get(i + 1).copied();
            if matches!(next, Some(b' ' | b'\t')) {
                i += 1;
                continue;
            }
            push_line(&mut out, &text[start..=i]);
            start = i + 1;
        }
        i += 1;
    }
    if start < text.len() {
        push_line(&mut out, &text[start..]);
    }
    out
}

fn push_line<'a>(out: &mut Vec<Line<'a>>, raw: &'a str) {
    let mut unfolded = String::with_capacity(raw.len());
    for (n, part) in raw.split('\n').enumerate() {
        let part = part.strip_suffix('\r').unwrap_or(part);
        if n == 0 {
            unfolded.push_str(part);
        } else if let Some(rest) = part.strip_prefix([' ', '\t']) {
            unfolded.push_str(rest);
        } else {
            unfolded.push_str(part);
        }
    }
    if unfolded.trim().is_empty() {
        return;
    }
    out.push(Line { raw, unfolded });
}

/// A property's place: the components it is in (each with its type and
/// its position among its siblings of that type, or for the events of a
/// calendar their `RECURRENCE-ID`) and its name.
type Key = (Vec<String>, String);

/// The logical lines of each property, by [`Key`].
struct Grouped<'a> {
    groups: BTreeMap<Key, Vec<Line<'a>>>,
}

fn group(text: &str) -> Grouped<'_> {
    let all = lines(text);
    let mut path: Vec<String> = Vec::new();
    let mut counters: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new()];
    let mut groups: BTreeMap<Key, Vec<Line<'_>>> = BTreeMap::new();
    let mut idx = 0;
    while idx < all.len() {
        let line = &all[idx];
        let name = line.name();
        if name == "BEGIN" {
            path.push(segment(&all, idx, &mut counters));
            counters.push(BTreeMap::new());
        } else if name == "END" {
            path.pop();
            counters.pop();
        } else {
            let key = (path.clone(), name);
            groups.entry(key).or_default().push(line.clone());
        }
        idx += 1;
    }
    Grouped { groups }
}

/// The `RECURRENCE-ID` value of the component whose lines start at
/// `rest` (up to its END).
fn recurrence_id_of(rest: &[Line<'_>]) -> Option<String> {
    let mut depth = 0;
    for l in rest {
        match l.name().as_str() {
            "BEGIN" => depth += 1,
            "END" if depth == 0 => return None,
            "END" => depth -= 1,
            "RECURRENCE-ID" if depth == 0 => return Some(l.value().trim().to_owned()),
            _ => {}
        }
    }
    None
}

fn same(a: Option<&Vec<Line<'_>>>, b: Option<&Vec<Line<'_>>>) -> bool {
    let norm = |v: Option<&Vec<Line<'_>>>| -> Vec<String> {
        v.map(|ls| ls.iter().map(|l| l.unfolded.clone()).collect())
            .unwrap_or_default()
    };
    norm(a) == norm(b)
}

/// The components (paths) of a text.
fn components(g: &Grouped<'_>) -> std::collections::BTreeSet<Vec<String>> {
    g.groups.keys().map(|(p, _)| p.clone()).collect()
}

/// Merges the local and the server's versions of an item, both changed
/// from `base`, property by property: what only one side changed is taken
/// from that side. `None` when both changed the same property differently,
/// or one side added or removed a whole component (an alarm, an override)
/// the other did not have: then the server's version stays and the local
/// one becomes a conflicted copy.
///
/// The result is the server's text with the local changes applied, line by
/// line: lines neither side changed keep their bytes (folding included).
pub fn merge3(base: &str, local: &str, server: &str) -> Option<String> {
    let b = group(base);
    let l = group(local);
    let s = group(server);
    let (cb, cl, cs) = (components(&b), components(&l), components(&s));
    if cl != cb && cs != cb && cl != cs {
        return None;
    }
    if cl != cb && cl != cs {
        // Local added or removed a component: only when the server kept
        // everything the same can the local version be taken whole.
        return same_groups(&b, &s).then(|| local.to_owned());
    }
    let keys: std::collections::BTreeSet<&Key> = b
        .groups
        .keys()
        .chain(l.groups.keys())
        .chain(s.groups.keys())
        .collect();
    // For each key: take the local lines (local changed it) or keep the
    // server's.
    let mut take_local: BTreeMap<&Key, Option<&Vec<Line<'_>>>> = BTreeMap::new();
    for k in keys {
        let (kb, kl, ks) = (b.groups.get(k), l.groups.get(k), s.groups.get(k));
        let local_changed = !same(kb, kl);
        let server_changed = !same(kb, ks);
        if local_changed && server_changed && !same(kl, ks) {
            return None;
        }
        if local_changed && !server_changed {
            take_local.insert(k, kl);
        }
    }
    // Rebuild from the server's text.
    let mut out = String::with_capacity(server.len() + 256);
    let all = lines(server);
    let mut path: Vec<String> = Vec::new();
    let mut counters: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new()];
    let mut emitted: std::collections::BTreeSet<Key> = std::collections::BTreeSet::new();
    for (idx, line) in all.iter().enumerate() {
        let name = line.name();
        if name == "BEGIN" {
            path.push(segment(&all, idx, &mut counters));
            counters.push(BTreeMap::new());
            out.push_str(line.raw);
        } else if name == "END" {
            // Properties local added to this component.
            for (k, v) in &take_local {
                if k.0 == path && !s.groups.contains_key(*k) && emitted.insert((*k).clone()) {
                    for l in v.iter().flat_map(|ls| ls.iter()) {
                        push_raw(&mut out, l.raw);
                    }
                }
            }
            path.pop();
            counters.pop();
            out.push_str(line.raw);
        } else {
            let key = (path.clone(), name);
            match take_local.get(&key) {
                Some(v) => {
                    if emitted.insert(key.clone()) {
                        for l in v.iter().flat_map(|ls| ls.iter()) {
                            push_raw(&mut out, l.raw);
                        }
                    }
                }
                None => out.push_str(line.raw),
            }
        }
    }
    Some(out)
}

/// The path segment of the component that begins at `all[idx]`: events,
/// to-dos and journals by their `RECURRENCE-ID` (the master has none),
/// other components by their type and position among their siblings.
fn segment(all: &[Line<'_>], idx: usize, counters: &mut [BTreeMap<String, usize>]) -> String {
    let ty = all[idx].value().trim().to_ascii_uppercase();
    let n = counters
        .last_mut()
        .map(|c| {
            let e = c.entry(ty.clone()).or_insert(0);
            *e += 1;
            *e - 1
        })
        .unwrap_or(0);
    if matches!(ty.as_str(), "VEVENT" | "VTODO" | "VJOURNAL") {
        let rid = recurrence_id_of(&all[idx + 1..]).unwrap_or_default();
        format!("{ty}@{rid}")
    } else {
        format!("{ty}#{n}")
    }
}

fn push_raw(out: &mut String, raw: &str) {
    out.push_str(raw);
    if !raw.ends_with('\n') {
        out.push_str("\r\n");
    }
}

fn same_groups(a: &Grouped<'_>, b: &Grouped<'_>) -> bool {
    a.groups.len() == b.groups.len() && a.groups.iter().all(|(k, v)| same(Some(v), b.groups.get(k)))
}

/// Whether two texts say the same thing line for line (folding and line
/// ends aside).
pub fn equivalent(a: &str, b: &str) -> bool {
    let u = |t: &str| -> Vec<String> { lines(t).into_iter().map(|l| l.unfolded).collect() };
    u(a) == u(b)
}

/// The text with every `UID` property set to `uid` (a conflicted copy is a
/// new item), and `summary_suffix` added to the summaries or formatted
/// names, so the copy is told apart where it is shown.
pub fn as_copy(text: &str, uid: &str, summary_suffix: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for l in lines(text) {
        match l.name().as_str() {
            "UID" => {
                out.push_str("UID:");
                out.push_str(uid);
                out.push_str("\r\n");
            }
            "SUMMARY" | "FN" => {
                let head_len = l.unfolded.len() - l.value().len();
                out.push_str(&l.unfolded[..head_len]);
                out.push_str(l.value());
                out.push_str(summary_suffix);
                out.push_str("\r\n");
            }
            _ => push_raw(&mut out, l.raw),
        }
    }
    out
}

/// The components of a calendar file, one object per UID (an event with
/// its overrides stays together), each with the file's time zones:
/// what `import` makes items of. Components without a UID get one.
pub fn split_calendar(text: &str) -> Vec<String> {
    let all = lines(text);
    let mut head: Vec<&str> = Vec::new();
    let mut zones: Vec<String> = Vec::new();
    // (uid, the raw text of its components), in file order.
    let mut objects: Vec<(String, String)> = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    let mut current_ty = String::new();
    let mut current_uid: Option<String> = None;
    for l in &all {
        let name = l.name();
        if name == "BEGIN" {
            depth += 1;
            if depth == 2 {
                current.clear();
                current_ty = l.value().trim().to_ascii_uppercase();
                current_uid = None;
            }
        }
        if depth >= 2 {
            current.push_str(l.raw);
            if !l.raw.ends_with('\n') {
                current.push_str("\r\n");
            }
            if depth == 2 && name == "UID" {
                current_uid = Some(l.value().trim().to_owned());
            }
        } else if depth == 1 && name != "BEGIN" && name != "END" {
            head.push(l.raw);
        }
        if name == "END" {
            if depth == 2 {
                if current_ty == "VTIMEZONE" {
                    zones.push(current.clone());
                } else {
                    let uid = match current_uid.take() {
                        Some(u) => u,
                        None => {
                            let u = crate::new_uid();
                            let at = current.find('\n').map_or(current.len(), |i| i + 1);
                            current.insert_str(at, &format!("UID:{u}\r\n"));
                            u
                        }
                    };
                    match objects.iter_mut().find(|(u, _)| *u == uid) {
                        Some((_, body)) => body.push_str(&current),
                        None => objects.push((uid, current.clone())),
                    }
                }
            }
            depth -= 1;
        }
    }
    let mut header = String::from("BEGIN:VCALENDAR\r\n");
    for h in &head {
        header.push_str(h);
        if !h.ends_with('\n') {
            header.push_str("\r\n");
        }
    }
    if !head
        .iter()
        .any(|h| h.to_ascii_uppercase().starts_with("VERSION"))
    {
        header.push_str("VERSION:2.0\r\n");
    }
    if !head
        .iter()
        .any(|h| h.to_ascii_uppercase().starts_with("PRODID"))
    {
        header.push_str("PRODID:-//CommonsCloud//Desktop//EN\r\n");
    }
    objects
        .into_iter()
        .map(|(_, body)| {
            let mut out = header.clone();
            // The zones the object names.
            for z in &zones {
                let tzid = lines(z)
                    .iter()
                    .find(|l| l.name() == "TZID")
                    .map(|l| l.value().trim().to_owned())
                    .unwrap_or_default();
                if !tzid.is_empty() && body.contains(&format!("TZID={tzid}")) {
                    out.push_str(z);
                }
            }
            out.push_str(&body);
            out.push_str("END:VCALENDAR\r\n");
            out
        })
        .collect()
}

/// The cards of a .vcf file, each as its own text; cards without a UID
/// get one.
pub fn split_cards(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    let mut has_uid = false;
    for l in lines(text) {
        let name = l.name();
        if name == "BEGIN" {
            depth += 1;
            if depth == 1 {
                current.clear();
                has_uid = false;
            }
        }
        if depth >= 1 {
            push_raw(&mut current, l.raw);
            has_uid |= depth == 1 && name == "UID";
        }
        if name == "END" && depth > 0 {
            depth -= 1;
            if depth == 0 {
                if !has_uid {
                    let at = current.find('\n').map_or(current.len(), |i| i + 1);
                    current.insert_str(at, &format!("UID:{}\r\n", crate::new_uid()));
                }
                out.push(current.clone());
            }
        }
    }
    out
}

/// One calendar file of many items: one VCALENDAR with every component,
/// each time zone once.
pub fn join_calendars(items: &[String]) -> String {
    let mut out =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CommonsCloud//Desktop//EN\r\n");
    let mut zones_seen = std::collections::BTreeSet::new();
    for item in items {
        let all = lines(item);
        let mut depth = 0;
        let mut current = String::new();
        let mut tzid = String::new();
        let mut is_zone = false;
        for l in &all {
            let name = l.name();
            if name == "BEGIN" {
                depth += 1;
                if depth == 2 {
                    current.clear();
                    is_zone = l.value().trim().eq_ignore_ascii_case("VTIMEZONE");
                    tzid.clear();
                }
            }
            if depth >= 2 {
                push_raw(&mut current, l.raw);
                if depth == 2 && name == "TZID" {
                    tzid = l.value().trim().to_owned();
                }
            }
            if name == "END" {
                if depth == 2 && (!is_zone || zones_seen.insert(tzid.clone())) {
                    out.push_str(&current);
                }
                depth -= 1;
            }
        }
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART:20261201T100000Z\r\nSUMMARY:Reunió\r\nLOCATION:Sala 1\r\nX-OTHER;P=1:kept as it is and long enough to be folded by whoever wr\r\n ote it\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn different_properties_merge_and_untouched_lines_keep_their_bytes() {
        let local = BASE.replace("SUMMARY:Reunió", "SUMMARY:Reunió d'equip");
        let server = BASE.replace("LOCATION:Sala 1", "LOCATION:Sala 2");
        let merged = merge3(BASE, &local, &server).unwrap();
        assert!(merged.contains("SUMMARY:Reunió d'equip\r\n"), "{merged}");
        assert!(merged.contains("LOCATION:Sala 2\r\n"));
        assert!(merged.contains("whoever wr\r\n ote it\r\n"), "folding kept");
        assert!(merged.contains("TRIGGER:-PT15M"));
        assert_eq!(merged.matches("SUMMARY").count(), 1);
    }

    #[test]
    fn the_same_property_changed_on_both_sides_is_a_conflict() {
        let local = BASE.replace("SUMMARY:Reunió", "SUMMARY:A");
        let server = BASE.replace("SUMMARY:Reunió", "SUMMARY:B");
        assert_eq!(merge3(BASE, &local, &server), None);
        // The same change on both sides is no conflict.
        let both = BASE.replace("SUMMARY:Reunió", "SUMMARY:A");
        assert!(equivalent(&merge3(BASE, &local, &both).unwrap(), &both));
    }

    #[test]
    fn a_property_added_here_goes_into_its_component() {
        let local = BASE.replace(
            "LOCATION:Sala 1\r\n",
            "LOCATION:Sala 1\r\nDESCRIPTION:ordre del dia\r\n",
        );
        let server = BASE.replace("TRIGGER:-PT15M", "TRIGGER:-PT30M");
        let merged = merge3(BASE, &local, &server).unwrap();
        let desc = merged.find("DESCRIPTION:ordre del dia").unwrap();
        let end_event = merged.find("END:VEVENT").unwrap();
        let begin_event = merged.find("BEGIN:VEVENT").unwrap();
        assert!(begin_event < desc && desc < end_event, "{merged}");
        assert!(merged.contains("TRIGGER:-PT30M"));
    }

    #[test]
    fn a_component_removed_on_one_side_only_when_the_other_kept_all() {
        let no_alarm = BASE.replace(
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n",
            "",
        );
        assert!(equivalent(
            &merge3(BASE, &no_alarm, BASE).unwrap(),
            &no_alarm
        ));
        let server = BASE.replace("SUMMARY:Reunió", "SUMMARY:B");
        assert_eq!(merge3(BASE, &no_alarm, &server), None);
    }

    #[test]
    fn a_copy_has_a_new_uid_and_says_so() {
        let c = as_copy(BASE, "new-uid", " (còpia en conflicte)");
        assert!(c.contains("UID:new-uid\r\n"));
        assert!(c.contains("SUMMARY:Reunió (còpia en conflicte)\r\n"));
        assert!(!c.contains("UID:1\r\n"));
    }

    #[test]
    fn a_calendar_file_splits_by_uid_with_its_zones_and_joins_back() {
        let file = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//X//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Madrid\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Europe/Madrid:20261201T100000\r\nRRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:20261202T100000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:a\r\nRECURRENCE-ID;TZID=Europe/Madrid:20261202T100000\r\nDTSTART;TZID=Europe/Madrid:20261202T120000\r\nEND:VEVENT\r\nBEGIN:VTODO\r\nSUMMARY:no uid\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        let parts = split_calendar(file);
        assert_eq!(parts.len(), 3, "{parts:#?}");
        assert_eq!(
            parts[0].matches("BEGIN:VEVENT").count(),
            2,
            "the override stays with its series"
        );
        assert!(parts[0].contains("TZID:Europe/Madrid"), "its zone");
        assert!(!parts[1].contains("BEGIN:VTIMEZONE"), "b needs no zone");
        assert!(parts[2].contains("UID:"), "a UID given");
        for p in &parts {
            assert!(calcard::icalendar::ICalendar::parse(p).is_ok(), "{p}");
        }
        let joined = join_calendars(&parts);
        assert_eq!(joined.matches("BEGIN:VTIMEZONE").count(), 1);
        assert_eq!(joined.matches("BEGIN:VEVENT").count(), 3);
        assert_eq!(joined.matches("BEGIN:VCALENDAR").count(), 1);
    }

    #[test]
    fn a_card_file_splits_into_cards() {
        let file = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:1\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:B\r\nEND:VCARD\r\n";
        let cards = split_cards(file);
        assert_eq!(cards.len(), 2);
        assert!(cards[0].contains("UID:1"));
        assert!(cards[1].contains("UID:") && cards[1].contains("FN:B"));
    }
}

/// The text of an `.ics` / `.vcf` file: UTF-8 as most are; UTF-16 when it
/// starts with its byte-order mark (some Windows exports); otherwise read
/// as Windows-1252, a superset of the Latin-1 that old Outlook and
/// vCard 2.1 exports declare (`CHARSET=ISO-8859-1`).
pub fn decode_file(bytes: &[u8]) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return text.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod decode_tests {
    use super::decode_file;

    #[test]
    fn files_in_other_encodings_are_read() {
        assert_eq!(decode_file("Núria".as_bytes()), "Núria");
        assert_eq!(decode_file(b"N\xfaria Pla\xe7a"), "Núria Plaça");
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("Núria".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_file(&utf16), "Núria");
        assert_eq!(decode_file(b"\xef\xbb\xbfBEGIN"), "BEGIN");
    }
}
