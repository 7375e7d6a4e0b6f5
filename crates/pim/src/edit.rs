//! Editing events and contacts as the pages do: the fields of a form, read
//! from an item's text and written back into it line by line. Only the
//! properties whose field changed are rewritten; every other line (unknown
//! and `X-` properties, attendees, attachments, time zones, other alarms,
//! the server's folding) goes back byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use calcard::common::timezone::Tz;
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Error;
use crate::text::{Line, lines};

/// An event as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EventFields {
    pub summary: String,
    pub location: String,
    pub description: String,
    pub all_day: bool,
    /// `YYYY-MM-DD` for an all-day event, else the wall time
    /// `YYYY-MM-DDTHH:MM` in `tzid`.
    pub start: String,
    /// As `start`; for an all-day event its last day (the day it ends on,
    /// not the day after as iCalendar writes it).
    pub end: String,
    /// The IANA time zone of a timed event (`Europe/Madrid`, `UTC`);
    /// `None`: floating (the same wall time wherever the member is).
    pub tzid: Option<String>,
    /// The repeat rule as iCalendar writes it (`FREQ=WEEKLY;BYDAY=MO,WE`),
    /// `None` for a single event.
    pub rrule: Option<String>,
    /// Minutes before the start of each reminder shown on screen.
    pub reminders: Vec<i64>,
}

/// A typed value of a contact (an e-mail, a phone): `kind` is the first
/// `TYPE` (`home`, `work`, `cell`...), lower case, or empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Typed {
    pub kind: String,
    pub value: String,
}

/// A postal address (`ADR`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Address {
    pub kind: String,
    pub street: String,
    pub city: String,
    pub region: String,
    pub code: String,
    pub country: String,
}

/// A contact as the editor shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    /// `FN`: the name shown.
    pub name: String,
    pub given: String,
    pub family: String,
    pub emails: Vec<Typed>,
    pub phones: Vec<Typed>,
    pub addresses: Vec<Address>,
    pub organisation: String,
    /// `YYYY-MM-DD`, or `--MM-DD` without a year; empty when unknown.
    pub birthday: String,
    pub note: String,
    /// The groups (`CATEGORIES`).
    pub groups: Vec<String>,
    /// The photo as a `data:` address (only shown, never edited here);
    /// a photo given by a link is not fetched.
    pub photo: Option<String>,
}

// ---------------------------------------------------------------------
// Content lines

/// `value` escaped as an iCalendar/vCard TEXT value.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A TEXT value as written, unescaped.
pub(crate) fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One content line, folded at 75 octets, ending in CRLF.
pub(crate) fn content_line(head: &str, value: &str) -> String {
    let full = format!("{head}:{value}");
    let mut out = String::with_capacity(full.len() + full.len() / 70 * 3 + 2);
    let mut width = 0;
    for c in full.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

/// A line's parameters, names in upper case (`TZID`, `VALUE`, `TYPE`).
fn params(l: &Line<'_>) -> Vec<(String, String)> {
    let head_len = l.unfolded.len() - l.value().len();
    let head = l.unfolded[..head_len].trim_end_matches(':');
    let mut out = Vec::new();
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in head.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    for p in parts.into_iter().skip(1) {
        if let Some((k, v)) = p.split_once('=') {
            out.push((k.to_ascii_uppercase(), v.to_owned()));
        } else {
            // vCard 2.1 style: a bare type (`TEL;CELL:`).
            out.push(("TYPE".to_owned(), p));
        }
    }
    out
}

/// A property's name without its vCard group (`item1.EMAIL` is an
/// `EMAIL`).
fn prop_name(l: &Line<'_>) -> String {
    let n = l.name();
    match n.rsplit_once('.') {
        Some((_, name)) => name.to_owned(),
        None => n,
    }
}

fn param(l: &Line<'_>, name: &str) -> Option<String> {
    params(l)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A component of a text: its type, where its `BEGIN` and `END` lines
/// are, and the component it is in.
#[derive(Debug, Clone)]
struct Comp {
    ty: String,
    begin: usize,
    end: usize,
    parent: Option<usize>,
}

fn comps(all: &[Line<'_>]) -> Vec<Comp> {
    let mut out: Vec<Comp> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (i, l) in all.iter().enumerate() {
        match l.name().as_str() {
            "BEGIN" => {
                out.push(Comp {
                    ty: l.value().trim().to_ascii_uppercase(),
                    begin: i,
                    end: all.len(),
                    parent: open.last().copied(),
                });
                open.push(out.len() - 1);
            }
            "END" => {
                if let Some(c) = open.pop() {
                    out[c].end = i;
                }
            }
            _ => {}
        }
    }
    out
}

/// The lines that belong to component `c` itself (not to the components
/// in it).
fn direct(all: &[Line<'_>], c: &Comp) -> Vec<usize> {
    let mut out = Vec::new();
    let mut depth = 0;
    let end = c.end.min(all.len());
    for (i, l) in all.iter().enumerate().take(end).skip(c.begin + 1) {
        match l.name().as_str() {
            "BEGIN" => depth += 1,
            "END" => depth -= 1,
            _ if depth == 0 => out.push(i),
            _ => {}
        }
    }
    out
}

fn first_direct<'a>(all: &'a [Line<'a>], c: &Comp, name: &str) -> Option<&'a Line<'a>> {
    direct(all, c)
        .into_iter()
        .map(|i| &all[i])
        .find(|l| prop_name(l) == name)
}

fn all_direct<'a>(all: &'a [Line<'a>], c: &Comp, name: &str) -> Vec<&'a Line<'a>> {
    direct(all, c)
        .into_iter()
        .map(|i| &all[i])
        .filter(|l| prop_name(l) == name)
        .collect()
}

/// Changes to a text: lines left out and text put before a line.
#[derive(Default)]
struct Plan {
    skip: BTreeSet<usize>,
    before: BTreeMap<usize, String>,
}

impl Plan {
    fn insert(&mut self, at: usize, text: &str) {
        self.before.entry(at).or_default().push_str(text);
    }

    /// Replaces the lines of property `name` of component `c` with
    /// `new` (content lines; empty removes the property).
    fn set(&mut self, all: &[Line<'_>], c: &Comp, name: &str, new: &str) {
        let own: Vec<usize> = direct(all, c)
            .into_iter()
            .filter(|&i| prop_name(&all[i]) == name)
            .collect();
        // New properties go after the component's own lines, before the
        // components in it.
        let at = own.first().copied().unwrap_or_else(|| {
            (c.begin + 1..c.end.min(all.len()))
                .find(|&i| all[i].name() == "BEGIN")
                .unwrap_or(c.end)
        });
        self.skip.extend(own);
        self.insert(at, new);
    }

    fn remove(&mut self, c: &Comp) {
        self.skip.extend(c.begin..=c.end);
    }

    /// The text with the plan's changes; `all` are the lines of `text`.
    /// Blank lines between them (vCard 2.1 ends a base64 value with one)
    /// stay where they were.
    fn apply(&self, text: &str, all: &[Line<'_>]) -> String {
        let base = text.as_ptr() as usize;
        let offset = |l: &Line<'_>| (l.raw.as_ptr() as usize).wrapping_sub(base);
        let mut out = String::with_capacity(text.len() + 256);
        let mut at = 0;
        for (i, l) in all.iter().enumerate() {
            let start = offset(l);
            if start >= at && start <= text.len() {
                out.push_str(&text[at..start]);
            }
            if let Some(t) = self.before.get(&i) {
                out.push_str(t);
            }
            if !self.skip.contains(&i) {
                out.push_str(l.raw);
                if !l.raw.ends_with('\n') {
                    out.push_str("\r\n");
                }
            }
            at = start + l.raw.len();
        }
        if at <= text.len() {
            out.push_str(&text[at..]);
        }
        if let Some(t) = self.before.get(&all.len()) {
            out.push_str(t);
        }
        out
    }
}

// ---------------------------------------------------------------------
// Dates

/// A date or time as an item writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Date(NaiveDate),
    /// A wall time, in the zone of the `TZID` (or floating).
    Local(NaiveDateTime),
    Utc(NaiveDateTime),
}

fn parse_when(value: &str, is_date: bool) -> Option<When> {
    let v = value.trim();
    if is_date || v.len() == 8 {
        return NaiveDate::parse_from_str(&v[..8.min(v.len())], "%Y%m%d")
            .ok()
            .map(When::Date);
    }
    if let Some(u) = v.strip_suffix('Z').or_else(|| v.strip_suffix('z')) {
        return NaiveDateTime::parse_from_str(u, "%Y%m%dT%H%M%S")
            .ok()
            .map(When::Utc);
    }
    NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S")
        .ok()
        .map(When::Local)
}

/// What a DTSTART / DTEND / RECURRENCE-ID line says: the time and its
/// TZID.
fn when_of(l: &Line<'_>) -> Option<(When, Option<String>)> {
    let is_date = param(l, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    let when = parse_when(l.value(), is_date)?;
    Some((
        when,
        param(l, "TZID").map(|t| t.trim_matches('"').to_owned()),
    ))
}

/// Seconds since the epoch of a time, its wall time read in `zone`.
fn instant(when: When, zone: Tz) -> Option<i64> {
    match when {
        When::Utc(t) => Some(t.and_utc().timestamp()),
        When::Local(t) => zone
            .from_local_datetime(&t)
            .earliest()
            .map(|d| d.timestamp()),
        When::Date(d) => zone
            .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .earliest()
            .map(|d| d.timestamp()),
    }
}

fn zone_of(cal_text: &str, tzid: Option<&str>, local: chrono_tz::Tz) -> Tz {
    let Some(id) = tzid else {
        return Tz::Tz(local);
    };
    if let Ok(tz) = Tz::from_str(id) {
        return tz;
    }
    // A custom VTIMEZONE of the item.
    calcard::icalendar::ICalendar::parse(cal_text)
        .ok()
        .and_then(|c| c.build_owned_tz_resolver().resolve(id))
        .unwrap_or(Tz::Tz(local))
}

fn form_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn form_time(t: NaiveDateTime) -> String {
    if t.second() == 0 {
        t.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

fn parse_form_date(s: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::Invalid(format!("not a date (YYYY-MM-DD): {s:?}")))
}

fn parse_form_time(s: &str) -> Result<NaiveDateTime, Error> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| Error::Invalid(format!("not a date and time (YYYY-MM-DDTHH:MM): {s:?}")))
}

/// The DTSTART/DTEND line of a form's date or time.
fn date_line(name: &str, f: &EventFields, value: &str) -> Result<String, Error> {
    if f.all_day {
        let d = parse_form_date(value)?;
        return Ok(content_line(
            &format!("{name};VALUE=DATE"),
            &d.format("%Y%m%d").to_string(),
        ));
    }
    let t = parse_form_time(value)?;
    let v = t.format("%Y%m%dT%H%M%S").to_string();
    Ok(match f.tzid.as_deref() {
        None => content_line(name, &v),
        Some("UTC" | "Etc/UTC" | "Z") => content_line(name, &format!("{v}Z")),
        Some(z) => content_line(&format!("{name};TZID={z}"), &v),
    })
}

fn stamp() -> String {
    Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

// ---------------------------------------------------------------------
// Events

/// The main event of an item: the series (the VEVENT without
/// RECURRENCE-ID), else the first one.
fn master(all: &[Line<'_>], cs: &[Comp]) -> Option<usize> {
    let events: Vec<usize> = (0..cs.len()).filter(|&i| cs[i].ty == "VEVENT").collect();
    events
        .iter()
        .copied()
        .find(|&i| first_direct(all, &cs[i], "RECURRENCE-ID").is_none())
        .or_else(|| events.first().copied())
}

fn calendar_comp(cs: &[Comp]) -> Option<usize> {
    cs.iter().position(|c| c.ty == "VCALENDAR")
}

/// Minutes before the start of a relative reminder (`TRIGGER:-PT15M`).
fn reminder_minutes(all: &[Line<'_>], alarm: &Comp) -> Option<i64> {
    let action = first_direct(all, alarm, "ACTION")?;
    if !matches!(
        action.value().trim().to_ascii_uppercase().as_str(),
        "DISPLAY" | "AUDIO"
    ) {
        return None;
    }
    let trig = first_direct(all, alarm, "TRIGGER")?;
    if param(trig, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME"))
        || param(trig, "RELATED").is_some_and(|v| v.eq_ignore_ascii_case("END"))
    {
        return None;
    }
    let v = trig.value().trim();
    let (neg, rest) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let secs = parse_duration(rest)?;
    Some(if neg { secs / 60 } else { -secs / 60 })
}

/// Seconds of an iCalendar duration without its sign (`P1DT2H`, `PT15M`,
/// `P1W`).
fn parse_duration(s: &str) -> Option<i64> {
    let s = s.strip_prefix(['P', 'p'])?;
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.chars() {
        match c.to_ascii_uppercase() {
            'T' => {}
            d if d.is_ascii_digit() => num.push(d),
            u => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                total += n * match u {
                    'W' => 7 * 86_400,
                    'D' => 86_400,
                    'H' => 3_600,
                    'M' => 60,
                    'S' => 1,
                    _ => return None,
                };
            }
        }
    }
    num.is_empty().then_some(total)
}

fn alarm_text(minutes: i64) -> String {
    let trig = if minutes >= 0 {
        format!("-PT{minutes}M")
    } else {
        format!("PT{}M", -minutes)
    };
    let mut s = String::from("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\n");
    s.push_str(&content_line("TRIGGER", &trig));
    s.push_str("END:VALARM\r\n");
    s
}

/// The fields of event component `c`.
fn fields_of(text: &str, all: &[Line<'_>], cs: &[Comp], c: usize) -> Result<EventFields, Error> {
    let comp = &cs[c];
    let txt = |n: &str| {
        first_direct(all, comp, n)
            .map(|l| unescape(l.value()))
            .unwrap_or_default()
    };
    let (start, tzid) = first_direct(all, comp, "DTSTART")
        .and_then(when_of)
        .ok_or_else(|| Error::Invalid("an event without a start (DTSTART)".into()))?;
    let local = crate::index::local_time_zone();
    let end = match first_direct(all, comp, "DTEND").and_then(when_of) {
        Some((e, etz)) => Some((e, etz)),
        None => first_direct(all, comp, "DURATION").and_then(|l| {
            let v = l.value().trim();
            let secs = parse_duration(v.trim_start_matches('+'))?;
            Some((shift(start, secs), tzid.clone()))
        }),
    };
    let all_day = matches!(start, When::Date(_));
    let (start_s, end_s, tzid) = match start {
        When::Date(d) => {
            let last = match end {
                Some((When::Date(e), _)) if e > d => e.pred_opt().unwrap_or(d),
                _ => d,
            };
            (form_date(d), form_date(last), None)
        }
        When::Local(t) => {
            let e = match end {
                Some((When::Local(e), _)) => e,
                Some((When::Utc(e), _)) => {
                    let zone = zone_of(text, tzid.as_deref(), local);
                    zone.from_utc_datetime(&e).naive_local()
                }
                _ => t,
            };
            (form_time(t), form_time(e), tzid)
        }
        When::Utc(t) => {
            // Shown in the member's zone; written back in it if changed.
            let lt = local.from_utc_datetime(&t).naive_local();
            let e = match end {
                Some((When::Utc(e), _)) => local.from_utc_datetime(&e).naive_local(),
                _ => lt,
            };
            (form_time(lt), form_time(e), Some(local.name().to_owned()))
        }
    };
    let reminders = cs
        .iter()
        .filter(|k| k.ty == "VALARM" && k.parent == Some(c))
        .filter_map(|k| reminder_minutes(all, k))
        .collect();
    Ok(EventFields {
        summary: txt("SUMMARY"),
        location: txt("LOCATION"),
        description: txt("DESCRIPTION"),
        all_day,
        start: start_s,
        end: end_s,
        tzid,
        rrule: first_direct(all, comp, "RRULE").map(|l| l.value().trim().to_owned()),
        reminders,
    })
}

fn shift(w: When, secs: i64) -> When {
    let d = chrono::Duration::seconds(secs);
    match w {
        When::Date(x) => When::Date(x + chrono::Duration::days(secs / 86_400)),
        When::Local(x) => When::Local(x + d),
        When::Utc(x) => When::Utc(x + d),
    }
}

/// The fields of an item's event (the series for a recurring one).
pub fn event_fields(text: &str) -> Result<EventFields, Error> {
    let all = lines(text);
    let cs = comps(&all);
    let m = master(&all, &cs).ok_or_else(|| Error::Invalid("no event in the item".into()))?;
    fields_of(text, &all, &cs, m)
}

fn check_fields(f: &EventFields) -> Result<(), Error> {
    if let Some(z) = &f.tzid
        && Tz::from_str(z).is_err()
    {
        return Err(Error::Invalid(format!("unknown time zone {z:?}")));
    }
    if f.all_day {
        if parse_form_date(&f.end)? < parse_form_date(&f.start)? {
            return Err(Error::Invalid("the event ends before it starts".into()));
        }
    } else if parse_form_time(&f.end)? < parse_form_time(&f.start)? {
        return Err(Error::Invalid("the event ends before it starts".into()));
    }
    if let Some(r) = &f.rrule {
        let probe = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260101T000000Z\r\n{}END:VEVENT\r\nEND:VCALENDAR\r\n",
            content_line("RRULE", r)
        );
        let ok = calcard::icalendar::ICalendar::parse(&probe).is_ok_and(|c| {
            c.components.iter().any(|k| {
                k.entries.iter().any(|e| {
                    e.name == calcard::icalendar::ICalendarProperty::Rrule
                        && e.values.iter().any(|v| {
                            matches!(v, calcard::icalendar::ICalendarValue::RecurrenceRule(_))
                        })
                })
            })
        });
        if !ok || r.contains(['\r', '\n']) {
            return Err(Error::Invalid(format!("not a repeat rule: {r:?}")));
        }
    }
    Ok(())
}

/// The DTEND line of the form (an all-day event ends the day after its
/// last day).
fn end_line(f: &EventFields) -> Result<String, Error> {
    if f.all_day {
        let last = parse_form_date(&f.end)?;
        let after = last.succ_opt().unwrap_or(last);
        return date_line("DTEND", f, &form_date(after));
    }
    date_line("DTEND", f, &f.end)
}

/// Writes the fields that differ between `old` and `new` into event
/// component `c`.
fn plan_fields(
    plan: &mut Plan,
    all: &[Line<'_>],
    cs: &[Comp],
    c: usize,
    old: &EventFields,
    new: &EventFields,
) -> Result<(), Error> {
    let comp = &cs[c];
    for (name, o, n) in [
        ("SUMMARY", &old.summary, &new.summary),
        ("LOCATION", &old.location, &new.location),
        ("DESCRIPTION", &old.description, &new.description),
    ] {
        if o != n {
            let line = if n.is_empty() {
                String::new()
            } else {
                content_line(name, &escape(n))
            };
            plan.set(all, comp, name, &line);
        }
    }
    let when_changed = old.all_day != new.all_day || old.tzid != new.tzid;
    if when_changed || old.start != new.start {
        plan.set(
            all,
            comp,
            "DTSTART",
            &date_line("DTSTART", new, &new.start)?,
        );
    }
    if when_changed || old.end != new.end || old.start != new.start {
        plan.set(all, comp, "DURATION", "");
        plan.set(all, comp, "DTEND", &end_line(new)?);
    }
    if old.rrule != new.rrule {
        let line = new
            .rrule
            .as_deref()
            .map(|r| content_line("RRULE", r))
            .unwrap_or_default();
        plan.set(all, comp, "RRULE", &line);
    }
    if old.reminders != new.reminders {
        for k in cs
            .iter()
            .filter(|k| k.ty == "VALARM" && k.parent == Some(c))
        {
            if reminder_minutes(all, k).is_some() {
                plan.remove(k);
            }
        }
        let added: String = new.reminders.iter().map(|m| alarm_text(*m)).collect();
        plan.insert(comp.end, &added);
    }
    if old != new {
        plan.set(all, comp, "DTSTAMP", &content_line("DTSTAMP", &stamp()));
        plan.set(
            all,
            comp,
            "LAST-MODIFIED",
            &content_line("LAST-MODIFIED", &stamp()),
        );
        let seq = first_direct(all, comp, "SEQUENCE")
            .and_then(|l| l.value().trim().parse::<i64>().ok())
            .unwrap_or(0);
        if old.start != new.start || old.end != new.end || old.rrule != new.rrule {
            plan.set(
                all,
                comp,
                "SEQUENCE",
                &content_line("SEQUENCE", &(seq + 1).to_string()),
            );
        }
    }
    Ok(())
}

/// A VTIMEZONE for `tzid` when `text` has none yet (servers and other
/// clients need it to read a `TZID`).
fn missing_zone(all: &[Line<'_>], cs: &[Comp], tzid: Option<&str>) -> Option<String> {
    let id = tzid?;
    if matches!(id, "UTC" | "Etc/UTC" | "Z") {
        return None;
    }
    let have = cs.iter().any(|c| {
        c.ty == "VTIMEZONE" && first_direct(all, c, "TZID").is_some_and(|l| l.value().trim() == id)
    });
    if have {
        return None;
    }
    zone_text(id)
}

/// A VTIMEZONE component for an IANA zone, made by `calcard`.
fn zone_text(id: &str) -> Option<String> {
    let mut cal = calcard::icalendar::ICalendar::parse(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n",
    )
    .ok()?;
    let from = Utc::now().timestamp() - 10 * 366 * 86_400;
    let to = Utc::now().timestamp() + 20 * 366 * 86_400;
    cal.add_timezone(id, from, to)?;
    let written = cal.to_string();
    let all = lines(&written);
    let cs = comps(&all);
    let z = cs.iter().find(|c| c.ty == "VTIMEZONE")?;
    let mut out = String::new();
    for l in &all[z.begin..=z.end] {
        out.push_str(l.raw);
        if !l.raw.ends_with('\n') {
            out.push_str("\r\n");
        }
    }
    Some(out)
}

/// A new item with one event.
pub fn new_event(fields: &EventFields, uid: &str) -> Result<String, Error> {
    check_fields(fields)?;
    let mut ev = String::from("BEGIN:VEVENT\r\n");
    ev.push_str(&content_line("UID", uid));
    ev.push_str(&content_line("DTSTAMP", &stamp()));
    ev.push_str(&content_line("CREATED", &stamp()));
    ev.push_str(&content_line("SUMMARY", &escape(&fields.summary)));
    ev.push_str(&date_line("DTSTART", fields, &fields.start)?);
    ev.push_str(&end_line(fields)?);
    for (n, v) in [
        ("LOCATION", &fields.location),
        ("DESCRIPTION", &fields.description),
    ] {
        if !v.is_empty() {
            ev.push_str(&content_line(n, &escape(v)));
        }
    }
    if let Some(r) = &fields.rrule {
        ev.push_str(&content_line("RRULE", r));
    }
    for m in &fields.reminders {
        ev.push_str(&alarm_text(*m));
    }
    ev.push_str("END:VEVENT\r\n");
    let zone = if fields.all_day {
        None
    } else {
        fields
            .tzid
            .as_deref()
            .filter(|z| !matches!(*z, "UTC" | "Etc/UTC" | "Z"))
            .and_then(zone_text)
    };
    Ok(format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CommonsCloud//Desktop//EN\r\n{}{ev}END:VCALENDAR\r\n",
        zone.unwrap_or_default()
    ))
}

fn add_zone(plan: &mut Plan, all: &[Line<'_>], cs: &[Comp], f: &EventFields) {
    if f.all_day {
        return;
    }
    if let Some(z) = missing_zone(all, cs, f.tzid.as_deref()) {
        let at = cs
            .iter()
            .find(|c| {
                c.parent.is_some() && matches!(c.ty.as_str(), "VEVENT" | "VTODO" | "VJOURNAL")
            })
            .map_or_else(
                || calendar_comp(cs).map_or(all.len(), |c| cs[c].end),
                |c| c.begin,
            );
        plan.insert(at, &z);
    }
}

/// The item with its event (the whole series) changed to `fields`.
pub fn edit_event(text: &str, fields: &EventFields) -> Result<String, Error> {
    check_fields(fields)?;
    let all = lines(text);
    let cs = comps(&all);
    let m = master(&all, &cs).ok_or_else(|| Error::Invalid("no event in the item".into()))?;
    let old = fields_of(text, &all, &cs, m)?;
    if old == *fields {
        return Ok(text.to_owned());
    }
    let mut plan = Plan::default();
    plan_fields(&mut plan, &all, &cs, m, &old, fields)?;
    add_zone(&mut plan, &all, &cs, fields);
    Ok(plan.apply(text, &all))
}

/// The start of an event component in UTC seconds, or of its
/// `RECURRENCE-ID` when `rid`.
fn comp_instant(text: &str, all: &[Line<'_>], c: &Comp, prop: &str) -> Option<i64> {
    let (w, tz) = first_direct(all, c, prop).and_then(when_of)?;
    instant(
        w,
        zone_of(text, tz.as_deref(), crate::index::local_time_zone()),
    )
}

/// The override of the occurrence starting (as the series has it) at
/// `rid` (UTC seconds).
fn override_of(text: &str, all: &[Line<'_>], cs: &[Comp], rid: i64) -> Option<usize> {
    (0..cs.len()).find(|&i| {
        cs[i].ty == "VEVENT" && comp_instant(text, all, &cs[i], "RECURRENCE-ID") == Some(rid)
    })
}

/// `rid` written as the series' DTSTART is (its zone, or a date).
fn rid_value(
    text: &str,
    all: &[Line<'_>],
    master: &Comp,
    rid: i64,
) -> Result<(String, String), Error> {
    let (w, tz) = first_direct(all, master, "DTSTART")
        .and_then(when_of)
        .ok_or_else(|| Error::Invalid("an event without a start (DTSTART)".into()))?;
    let zone = zone_of(text, tz.as_deref(), crate::index::local_time_zone());
    let at = zone
        .timestamp_opt(rid, 0)
        .single()
        .ok_or_else(|| Error::Invalid("not a time".into()))?;
    Ok(match w {
        When::Date(_) => (";VALUE=DATE".into(), at.format("%Y%m%d").to_string()),
        When::Utc(_) => (
            String::new(),
            at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string(),
        ),
        When::Local(_) => (
            tz.map(|t| format!(";TZID={t}")).unwrap_or_default(),
            at.naive_local().format("%Y%m%dT%H%M%S").to_string(),
        ),
    })
}

/// The fields of one occurrence (`rid`: when the series starts it, UTC
/// seconds): its override when it has one, else the series' fields moved
/// to that day.
pub fn occurrence_fields(text: &str, rid: i64) -> Result<EventFields, Error> {
    let all = lines(text);
    let cs = comps(&all);
    if let Some(o) = override_of(text, &all, &cs, rid) {
        return fields_of(text, &all, &cs, o);
    }
    let m = master(&all, &cs).ok_or_else(|| Error::Invalid("no event in the item".into()))?;
    let mut f = fields_of(text, &all, &cs, m)?;
    moved_to(text, &all, &cs[m], &mut f, rid)?;
    f.rrule = None;
    Ok(f)
}

/// The series' fields moved to the occurrence at `rid`.
fn moved_to(
    text: &str,
    all: &[Line<'_>],
    m: &Comp,
    f: &mut EventFields,
    rid: i64,
) -> Result<(), Error> {
    if f.all_day {
        let s = parse_form_date(&f.start)?;
        let e = parse_form_date(&f.end)?;
        let (_, v) = rid_value(text, all, m, rid)?;
        let d = NaiveDate::parse_from_str(&v, "%Y%m%d")
            .map_err(|_| Error::Invalid("not a date".into()))?;
        f.start = form_date(d);
        f.end = form_date(d + (e - s));
    } else {
        let s = parse_form_time(&f.start)?;
        let e = parse_form_time(&f.end)?;
        let zone = zone_of(text, f.tzid.as_deref(), crate::index::local_time_zone());
        let at = zone
            .timestamp_opt(rid, 0)
            .single()
            .ok_or_else(|| Error::Invalid("not a time".into()))?
            .naive_local();
        f.start = form_time(at);
        f.end = form_time(at + (e - s));
    }
    Ok(())
}

/// The series' fields after an edit made on one of its occurrences (`rid`)
/// for all of them: the title, place, description, repeat and reminders
/// as edited; a start or end moved by some time moves the series' start
/// or end by as much, so the series keeps its first day (the occurrence's
/// own date is not the series').
pub fn edit_for_all(text: &str, rid: i64, edited: &EventFields) -> Result<EventFields, Error> {
    let series = event_fields(text)?;
    let occ = occurrence_fields(text, rid)?;
    let mut out = edited.clone();
    let day = |s: &str| parse_form_date(&s[..10.min(s.len())]);
    if edited.all_day != occ.all_day || edited.all_day != series.all_day {
        // All day now, or timed now: the series' first day, the edited
        // times and length in days.
        let first = day(&series.start)?;
        let span = day(&edited.end)? - day(&edited.start)?;
        let at = |d: NaiveDate, s: &str| match s.get(10..) {
            Some(time) if !edited.all_day => format!("{}{time}", form_date(d)),
            _ => form_date(d),
        };
        out.start = at(first, &edited.start);
        out.end = at(first + span, &edited.end);
    } else if edited.all_day {
        out.start = form_date(day(&series.start)? + (day(&edited.start)? - day(&occ.start)?));
        out.end = form_date(day(&series.end)? + (day(&edited.end)? - day(&occ.end)?));
    } else {
        let t = |s: &str| parse_form_time(s);
        out.start = form_time(t(&series.start)? + (t(&edited.start)? - t(&occ.start)?));
        out.end = form_time(t(&series.end)? + (t(&edited.end)? - t(&occ.end)?));
    }
    Ok(out)
}

/// The item with one occurrence (`rid`) changed to `fields`: its override
/// is changed, or made (a copy of the series' own properties with the
/// occurrence's `RECURRENCE-ID`).
pub fn edit_occurrence(text: &str, rid: i64, fields: &EventFields) -> Result<String, Error> {
    let mut fields = fields.clone();
    fields.rrule = None;
    check_fields(&fields)?;
    let all = lines(text);
    let cs = comps(&all);
    let mut plan = Plan::default();
    if let Some(o) = override_of(text, &all, &cs, rid) {
        let old = fields_of(text, &all, &cs, o)?;
        plan_fields(&mut plan, &all, &cs, o, &old, &fields)?;
        add_zone(&mut plan, &all, &cs, &fields);
        return Ok(plan.apply(text, &all));
    }
    let m = master(&all, &cs).ok_or_else(|| Error::Invalid("no event in the item".into()))?;
    let mc = &cs[m];
    let (rp, rv) = rid_value(text, &all, mc, rid)?;
    // The override: the series' own lines but its repeat and its dates,
    // with the occurrence's RECURRENCE-ID; then the edited fields.
    let mut ov = String::from("BEGIN:VEVENT\r\n");
    for i in direct(&all, mc) {
        let l = &all[i];
        if matches!(
            l.name().as_str(),
            "RRULE" | "RDATE" | "EXDATE" | "EXRULE" | "DTSTART" | "DTEND" | "DURATION"
        ) {
            continue;
        }
        ov.push_str(l.raw);
        if !l.raw.ends_with('\n') {
            ov.push_str("\r\n");
        }
    }
    ov.push_str(&content_line(&format!("RECURRENCE-ID{rp}"), &rv));
    let mut base = fields_of(text, &all, &cs, m)?;
    moved_to(text, &all, mc, &mut base, rid)?;
    base.rrule = None;
    ov.push_str(&date_line("DTSTART", &base, &base.start)?);
    ov.push_str(&end_line(&base)?);
    for k in cs
        .iter()
        .filter(|k| k.ty == "VALARM" && k.parent == Some(m))
    {
        for l in &all[k.begin..=k.end] {
            ov.push_str(l.raw);
            if !l.raw.ends_with('\n') {
                ov.push_str("\r\n");
            }
        }
    }
    ov.push_str("END:VEVENT\r\n");
    let cal = format!("BEGIN:VCALENDAR\r\n{ov}END:VCALENDAR\r\n");
    let ov = edit_event(&cal, &fields)?;
    let ov = ov
        .strip_prefix("BEGIN:VCALENDAR\r\n")
        .and_then(|s| s.strip_suffix("END:VCALENDAR\r\n"))
        .unwrap_or(&ov)
        .to_owned();
    // A zone the edit added goes with the others.
    let (zone, ev) = match ov.find("BEGIN:VEVENT") {
        Some(i) => ov.split_at(i),
        None => ("", ov.as_str()),
    };
    if !zone.is_empty() && missing_zone(&all, &cs, fields.tzid.as_deref()).is_some() {
        plan.insert(mc.begin, zone);
    }
    plan.insert(mc.end + 1, ev);
    Ok(plan.apply(text, &all))
}

/// The item without the occurrence at `rid` (an `EXDATE` on the series;
/// its override, if any, removed).
pub fn delete_occurrence(text: &str, rid: i64) -> Result<String, Error> {
    let all = lines(text);
    let cs = comps(&all);
    let m = master(&all, &cs).ok_or_else(|| Error::Invalid("no event in the item".into()))?;
    let mut plan = Plan::default();
    if let Some(o) = override_of(text, &all, &cs, rid) {
        plan.remove(&cs[o]);
    }
    let (rp, rv) = rid_value(text, &all, &cs[m], rid)?;
    let at = direct(&all, &cs[m])
        .into_iter()
        .rev()
        .find(|&i| !matches!(all[i].name().as_str(), "BEGIN" | "END"))
        .map_or(cs[m].end, |i| i + 1);
    plan.insert(at, &content_line(&format!("EXDATE{rp}"), &rv));
    plan.set(&all, &cs[m], "DTSTAMP", &content_line("DTSTAMP", &stamp()));
    Ok(plan.apply(text, &all))
}

/// Splits a series at the occurrence `rid` ("this and the following"):
/// the item as it stays (repeating until just before `rid`, its
/// exceptions from `rid` on removed) and a new item with `new_uid` for
/// the rest (starting at `rid`, a `COUNT` reduced by the occurrences
/// before it, the exceptions from `rid` on).
pub fn split_series(text: &str, rid: i64, new_uid: &str) -> Result<(String, String), Error> {
    let all = lines(text);
    let cs = comps(&all);
    let m = master(&all, &cs).ok_or_else(|| Error::Invalid("no event in the item".into()))?;
    let mc = &cs[m];
    let rule = first_direct(&all, mc, "RRULE")
        .map(|l| l.value().trim().to_owned())
        .ok_or_else(|| Error::Invalid("the event does not repeat".into()))?;
    let series_start = comp_instant(text, &all, mc, "DTSTART")
        .ok_or_else(|| Error::Invalid("an event without a start (DTSTART)".into()))?;
    if rid <= series_start {
        return Err(Error::Invalid(
            "the first occurrence: change the whole series instead".into(),
        ));
    }
    // Occurrences before `rid`, for a COUNT.
    let before =
        crate::index::occurrences(text, crate::index::local_time_zone(), series_start - 1, rid)
            .map(|o| o.iter().filter(|x| x.start < rid).count())
            .unwrap_or(0);
    let parts: Vec<(String, String)> = rule
        .split(';')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_ascii_uppercase(), v.to_owned()))
        .collect();
    let count = parts
        .iter()
        .find(|(k, _)| k == "COUNT")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let until = match first_direct(&all, mc, "DTSTART").and_then(when_of) {
        Some((When::Date(_), _)) => {
            let d = chrono::DateTime::<Utc>::from_timestamp(rid, 0)
                .ok_or_else(|| Error::Invalid("not a time".into()))?;
            let zone = zone_of(text, None, crate::index::local_time_zone());
            let local = d.with_timezone(&zone).date_naive();
            form_until_date(local.pred_opt().unwrap_or(local))
        }
        _ => chrono::DateTime::<Utc>::from_timestamp(rid - 1, 0)
            .ok_or_else(|| Error::Invalid("not a time".into()))?
            .format("%Y%m%dT%H%M%SZ")
            .to_string(),
    };
    let join = |ps: &[(String, String)]| {
        ps.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";")
    };
    let mut old_parts: Vec<(String, String)> = parts
        .iter()
        .filter(|(k, _)| k != "COUNT" && k != "UNTIL")
        .cloned()
        .collect();
    old_parts.push(("UNTIL".into(), until));
    let mut new_parts = parts.clone();
    if let Some(c) = count {
        for p in new_parts.iter_mut() {
            if p.0 == "COUNT" {
                p.1 = c.saturating_sub(before).max(1).to_string();
            }
        }
    }
    // Exceptions on either side of the split.
    let mut keep_old = Plan::default();
    let mut keep_new = Plan::default();
    for (i, c) in cs.iter().enumerate() {
        if i == m || c.ty != "VEVENT" {
            continue;
        }
        match comp_instant(text, &all, c, "RECURRENCE-ID") {
            Some(t) if t >= rid => keep_old.remove(c),
            Some(_) => keep_new.remove(c),
            None => {}
        }
    }
    let dates = |plan: &mut Plan, after: bool| {
        for l in all_direct(&all, mc, "EXDATE")
            .into_iter()
            .chain(all_direct(&all, mc, "RDATE"))
        {
            let Some((w, tz)) = when_of(l) else { continue };
            let z = zone_of(text, tz.as_deref(), crate::index::local_time_zone());
            if instant(w, z).is_some_and(|t| (t >= rid) == after) {
                let idx = all
                    .iter()
                    .position(|x| std::ptr::eq(x, l))
                    .unwrap_or(usize::MAX);
                plan.skip.insert(idx);
            }
        }
    };
    dates(&mut keep_old, true);
    dates(&mut keep_new, false);
    keep_old.set(&all, mc, "RRULE", &content_line("RRULE", &join(&old_parts)));
    keep_old.set(&all, mc, "DTSTAMP", &content_line("DTSTAMP", &stamp()));
    let old_text = keep_old.apply(text, &all);

    keep_new.set(&all, mc, "RRULE", &content_line("RRULE", &join(&new_parts)));
    let mut f = fields_of(text, &all, &cs, m)?;
    let g = f.clone();
    moved_to(text, &all, mc, &mut f, rid)?;
    let mut plan_dates = Plan::default();
    plan_fields(&mut plan_dates, &all, &cs, m, &g, &f)?;
    for (k, v) in plan_dates.before {
        keep_new.insert(k, &v);
    }
    keep_new.skip.extend(plan_dates.skip);
    let moved = keep_new.apply(text, &all);
    // Every UID of the new item (the series and its exceptions) is new.
    let mut new_text = String::with_capacity(moved.len());
    for l in lines(&moved) {
        if l.name() == "UID" {
            new_text.push_str(&content_line("UID", new_uid));
        } else {
            new_text.push_str(l.raw);
            if !l.raw.ends_with('\n') {
                new_text.push_str("\r\n");
            }
        }
    }
    Ok((old_text, new_text))
}

fn form_until_date(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

// ---------------------------------------------------------------------
// Contacts

fn card_comp(cs: &[Comp]) -> Option<usize> {
    cs.iter().position(|c| c.ty == "VCARD")
}

fn kind_of(l: &Line<'_>) -> String {
    params(l)
        .into_iter()
        .filter(|(k, _)| k == "TYPE")
        .flat_map(|(_, v)| {
            v.trim_matches('"')
                .split(',')
                .map(|s| s.to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .find(|t| !matches!(t.as_str(), "pref" | "internet" | "voice" | "x400"))
        .unwrap_or_default()
}

/// Splits a structured value at unescaped `;`.
fn structured(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut esc = false;
    for c in v.chars() {
        if esc {
            cur.push('\\');
            cur.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == ';' {
            out.push(unescape(&std::mem::take(&mut cur)));
        } else {
            cur.push(c);
        }
    }
    out.push(unescape(&cur));
    out
}

/// The fields of a vCard.
pub fn contact_fields(text: &str) -> Result<ContactFields, Error> {
    let all = lines(text);
    let cs = comps(&all);
    let c = card_comp(&cs).ok_or_else(|| Error::Invalid("not a vCard".into()))?;
    let card = &cs[c];
    let one = |n: &str| {
        first_direct(&all, card, n)
            .map(|l| unescape(l.value()))
            .unwrap_or_default()
    };
    let typed = |n: &str| -> Vec<Typed> {
        all_direct(&all, card, n)
            .into_iter()
            .map(|l| Typed {
                kind: kind_of(l),
                value: {
                    let v = unescape(l.value());
                    v.strip_prefix("tel:")
                        .or_else(|| v.strip_prefix("mailto:"))
                        .map(str::to_owned)
                        .unwrap_or(v)
                },
            })
            .filter(|t| !t.value.trim().is_empty())
            .collect()
    };
    let n = first_direct(&all, card, "N")
        .map(|l| structured(l.value()))
        .unwrap_or_default();
    let addresses = all_direct(&all, card, "ADR")
        .into_iter()
        .map(|l| {
            let p = structured(l.value());
            let g = |i: usize| p.get(i).cloned().unwrap_or_default();
            Address {
                kind: kind_of(l),
                street: [g(1), g(2)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", "),
                city: g(3),
                region: g(4),
                code: g(5),
                country: g(6),
            }
        })
        .collect();
    let org = first_direct(&all, card, "ORG")
        .map(|l| {
            structured(l.value())
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let bday = one("BDAY");
    let birthday = normalise_birthday(&bday).unwrap_or(bday);
    let groups = first_direct(&all, card, "CATEGORIES")
        .map(|l| {
            split_list(l.value())
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok(ContactFields {
        name: one("FN"),
        family: n.first().cloned().unwrap_or_default(),
        given: n.get(1).cloned().unwrap_or_default(),
        emails: typed("EMAIL"),
        phones: typed("TEL"),
        addresses,
        organisation: org,
        birthday,
        note: one("NOTE"),
        groups,
        photo: first_direct(&all, card, "PHOTO").and_then(photo_of),
    })
}

fn split_list(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut esc = false;
    for c in v.chars() {
        if esc {
            cur.push('\\');
            cur.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == ',' {
            out.push(unescape(&std::mem::take(&mut cur)).trim().to_owned());
        } else {
            cur.push(c);
        }
    }
    out.push(unescape(&cur).trim().to_owned());
    out
}

/// `19850412`, `1985-04-12`, `--0412`, `--04-12` → `1985-04-12` /
/// `--04-12`.
fn normalise_birthday(v: &str) -> Option<String> {
    let v = v.trim();
    let v = v.split('T').next()?;
    if let Some(md) = v.strip_prefix("--") {
        let d: String = md.chars().filter(char::is_ascii_digit).collect();
        return (d.len() == 4).then(|| format!("--{}-{}", &d[..2], &d[2..]));
    }
    let d: String = v.chars().filter(char::is_ascii_digit).collect();
    (d.len() == 8).then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]))
}

/// A `data:` address for an embedded photo (vCard 3's `ENCODING=b` or
/// vCard 4's `data:`); only images.
fn photo_of(l: &Line<'_>) -> Option<String> {
    let v = l.value().trim();
    if let Some(rest) = v.strip_prefix("data:") {
        let ok = rest.starts_with("image/png")
            || rest.starts_with("image/jpeg")
            || rest.starts_with("image/gif")
            || rest.starts_with("image/webp");
        return ok.then(|| v.to_owned());
    }
    let enc = param(l, "ENCODING")?;
    if !enc.eq_ignore_ascii_case("b") && !enc.eq_ignore_ascii_case("base64") {
        return None;
    }
    let ty = param(l, "TYPE")
        .unwrap_or_else(|| "jpeg".into())
        .to_ascii_lowercase();
    let ty = ty.trim_start_matches("image/");
    if !matches!(ty, "png" | "jpeg" | "jpg" | "gif" | "webp") {
        return None;
    }
    let data: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    Some(format!(
        "data:image/{};base64,{data}",
        if ty == "jpg" { "jpeg" } else { ty }
    ))
}

fn typed_lines(
    all: &[Line<'_>],
    card: &Comp,
    name: &str,
    old: &[Typed],
    new: &[Typed],
) -> Option<String> {
    if old == new {
        return None;
    }
    let existing = all_direct(all, card, name);
    let mut out = String::new();
    for t in new.iter().filter(|t| !t.value.trim().is_empty()) {
        // A line that says this already keeps its parameters.
        let same = existing.iter().find(|l| {
            let v = unescape(l.value());
            let v = v
                .strip_prefix("tel:")
                .or_else(|| v.strip_prefix("mailto:"))
                .unwrap_or(&v)
                .to_owned();
            v == t.value && kind_of(l) == t.kind
        });
        match same {
            Some(l) => {
                out.push_str(l.raw);
                if !l.raw.ends_with('\n') {
                    out.push_str("\r\n");
                }
            }
            None => {
                let head = if t.kind.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name};TYPE={}", t.kind.to_ascii_lowercase())
                };
                out.push_str(&content_line(&head, &escape(t.value.trim())));
            }
        }
    }
    Some(out)
}

fn check_contact(f: &ContactFields) -> Result<(), Error> {
    if f.name.trim().is_empty() && f.given.trim().is_empty() && f.family.trim().is_empty() {
        return Err(Error::Invalid("a contact needs a name".into()));
    }
    if !f.birthday.is_empty() && normalise_birthday(&f.birthday).is_none() {
        return Err(Error::Invalid(format!(
            "not a birthday (YYYY-MM-DD or --MM-DD): {:?}",
            f.birthday
        )));
    }
    for t in f.emails.iter().chain(&f.phones) {
        if t.kind.contains([';', ':', ',', '"', '\r', '\n', '=']) {
            return Err(Error::Invalid(format!("not a type: {:?}", t.kind)));
        }
    }
    Ok(())
}

fn shown_name(f: &ContactFields) -> String {
    if !f.name.trim().is_empty() {
        return f.name.trim().to_owned();
    }
    [f.given.trim(), f.family.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn adr_line(a: &Address) -> String {
    let head = if a.kind.is_empty() {
        "ADR".to_owned()
    } else {
        format!("ADR;TYPE={}", a.kind.to_ascii_lowercase())
    };
    let v = ["", "", &a.street, &a.city, &a.region, &a.code, &a.country]
        .iter()
        .map(|s| escape(s))
        .collect::<Vec<_>>()
        .join(";");
    content_line(&head, &v)
}

/// The vCard with the fields that differ from what it says changed.
pub fn edit_contact(text: &str, fields: &ContactFields) -> Result<String, Error> {
    check_contact(fields)?;
    let all = lines(text);
    let cs = comps(&all);
    let c = card_comp(&cs).ok_or_else(|| Error::Invalid("not a vCard".into()))?;
    let card = &cs[c];
    let old = contact_fields(text)?;
    let mut plan = Plan::default();
    let mut changed = false;
    let name = shown_name(fields);
    if old.name != name {
        plan.set(&all, card, "FN", &content_line("FN", &escape(&name)));
        changed = true;
    }
    if old.given != fields.given || old.family != fields.family {
        // The other parts of N (middle names, prefixes) stay.
        let mut n = first_direct(&all, card, "N")
            .map(|l| structured(l.value()))
            .unwrap_or_default();
        n.resize(n.len().max(5), String::new());
        n[0] = fields.family.trim().to_owned();
        n[1] = fields.given.trim().to_owned();
        let v = n.iter().map(|s| escape(s)).collect::<Vec<_>>().join(";");
        plan.set(&all, card, "N", &content_line("N", &v));
        changed = true;
    }
    for (n, o, v) in [
        ("EMAIL", &old.emails, &fields.emails),
        ("TEL", &old.phones, &fields.phones),
    ] {
        if let Some(lines) = typed_lines(&all, card, n, o, v) {
            plan.set(&all, card, n, &lines);
            changed = true;
        }
    }
    if old.addresses != fields.addresses {
        let lines: String = fields
            .addresses
            .iter()
            .filter(|a| *a != &Address::default())
            .map(adr_line)
            .collect();
        plan.set(&all, card, "ADR", &lines);
        changed = true;
    }
    if old.organisation != fields.organisation {
        let l = if fields.organisation.trim().is_empty() {
            String::new()
        } else {
            content_line("ORG", &escape(fields.organisation.trim()))
        };
        plan.set(&all, card, "ORG", &l);
        changed = true;
    }
    if old.birthday != fields.birthday {
        plan.set(&all, card, "BDAY", &birthday_line(&fields.birthday));
        changed = true;
    }
    if old.note != fields.note {
        let l = if fields.note.is_empty() {
            String::new()
        } else {
            content_line("NOTE", &escape(&fields.note))
        };
        plan.set(&all, card, "NOTE", &l);
        changed = true;
    }
    if old.groups != fields.groups {
        let l = if fields.groups.is_empty() {
            String::new()
        } else {
            content_line(
                "CATEGORIES",
                &fields
                    .groups
                    .iter()
                    .map(|g| escape(g.trim()))
                    .collect::<Vec<_>>()
                    .join(","),
            )
        };
        plan.set(&all, card, "CATEGORIES", &l);
        changed = true;
    }
    if !changed {
        return Ok(text.to_owned());
    }
    let rev = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    plan.set(&all, card, "REV", &content_line("REV", &rev));
    Ok(plan.apply(text, &all))
}

/// The BDAY line (`--MMDD` for a birthday without its year).
fn birthday_line(form: &str) -> String {
    match normalise_birthday(form) {
        None => String::new(),
        Some(b) => match b.strip_prefix("--") {
            Some(md) => content_line("BDAY", &format!("--{}", md.replace('-', ""))),
            None => content_line("BDAY", &b.replace('-', "")),
        },
    }
}

/// A new vCard 4.0.
pub fn new_contact(fields: &ContactFields, uid: &str) -> Result<String, Error> {
    check_contact(fields)?;
    let skeleton = format!(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nPRODID:-//CommonsCloud//Desktop//EN\r\n{}END:VCARD\r\n",
        content_line("UID", uid)
    );
    // Everything else as an edit of the card with its names.
    let all = lines(&skeleton);
    let cs = comps(&all);
    let card = &cs[0];
    let mut plan = Plan::default();
    plan.set(
        &all,
        card,
        "FN",
        &content_line("FN", &escape(&shown_name(fields))),
    );
    let n = [fields.family.trim(), fields.given.trim(), "", "", ""]
        .iter()
        .map(|s| escape(s))
        .collect::<Vec<_>>()
        .join(";");
    plan.set(&all, card, "N", &content_line("N", &n));
    let with_names = plan.apply(&skeleton, &all);
    let mut rest = fields.clone();
    rest.name = shown_name(fields);
    edit_contact(&with_names, &rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERIES: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Madrid\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Madrid:20261005T100000\r\nDTEND;TZID=Europe/Madrid:20261005T110000\r\nRRULE:FREQ=WEEKLY;COUNT=6\r\nSUMMARY:Standup\r\nX-UNKNOWN;X-P=1:keep me\r\nATTENDEE;CN=Ana:mailto:ana@example.org\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\nBEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT1H\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    fn madrid(y: i32, m: u32, d: u32, h: u32) -> i64 {
        chrono_tz::Europe::Madrid
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .timestamp()
    }

    #[test]
    fn the_fields_of_a_series() {
        let f = event_fields(SERIES).unwrap();
        assert_eq!(f.summary, "Standup");
        assert_eq!(f.start, "2026-10-05T10:00");
        assert_eq!(f.end, "2026-10-05T11:00");
        assert_eq!(f.tzid.as_deref(), Some("Europe/Madrid"));
        assert_eq!(f.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=6"));
        assert_eq!(f.reminders, vec![15]);
    }

    #[test]
    fn an_edit_rewrites_only_what_changed() {
        let mut f = event_fields(SERIES).unwrap();
        f.summary = "Daily, standup; at 10".into();
        let out = edit_event(SERIES, &f).unwrap();
        assert!(out.contains("SUMMARY:Daily\\, standup\\; at 10\r\n"));
        for keep in [
            "X-UNKNOWN;X-P=1:keep me\r\n",
            "ATTENDEE;CN=Ana:mailto:ana@example.org\r\n",
            "ACTION:EMAIL\r\n",
            "DTSTART;TZID=Europe/Madrid:20261005T100000\r\n",
            "BEGIN:VTIMEZONE\r\n",
        ] {
            assert!(out.contains(keep), "{keep} lost:\n{out}");
        }
        assert_eq!(event_fields(&out).unwrap(), f);
        // Nothing changed: not one byte.
        assert_eq!(
            edit_event(SERIES, &event_fields(SERIES).unwrap()).unwrap(),
            SERIES
        );
    }

    #[test]
    fn reminders_are_replaced_and_other_alarms_stay() {
        let mut f = event_fields(SERIES).unwrap();
        f.reminders = vec![5, 60];
        let out = edit_event(SERIES, &f).unwrap();
        assert_eq!(event_fields(&out).unwrap().reminders, vec![5, 60]);
        assert!(out.contains("ACTION:EMAIL"));
        assert!(!out.contains("-PT15M"));
    }

    #[test]
    fn one_occurrence_becomes_an_override() {
        let rid = madrid(2026, 10, 26, 10); // after the DST change
        let mut f = occurrence_fields(SERIES, rid).unwrap();
        assert_eq!(f.start, "2026-10-26T10:00");
        assert_eq!(f.rrule, None);
        f.start = "2026-10-26T12:00".into();
        f.end = "2026-10-26T13:00".into();
        let out = edit_occurrence(SERIES, rid, &f).unwrap();
        assert!(
            out.contains("RECURRENCE-ID;TZID=Europe/Madrid:20261026T100000\r\n"),
            "{out}"
        );
        let occ = crate::index::occurrences(
            &out,
            chrono_tz::UTC,
            madrid(2026, 10, 1, 0),
            madrid(2026, 12, 1, 0),
        )
        .unwrap();
        assert_eq!(occ.len(), 6, "{out}");
        assert!(occ.iter().any(|o| o.start == madrid(2026, 10, 26, 12)));
        assert!(!occ.iter().any(|o| o.start == rid));
        // The moved occurrence is still named by the one it replaces.
        let moved = occ
            .iter()
            .find(|o| o.start == madrid(2026, 10, 26, 12))
            .unwrap();
        let named =
            chrono::DateTime::parse_from_rfc3339(moved.recurrence_id.as_deref().unwrap()).unwrap();
        assert_eq!(named.timestamp(), rid);
        // Changed again: the same override.
        f.summary = "moved".into();
        let again = edit_occurrence(&out, rid, &f).unwrap();
        assert_eq!(again.matches("RECURRENCE-ID").count(), 1);
        assert_eq!(occurrence_fields(&again, rid).unwrap().summary, "moved");
    }

    #[test]
    fn an_edit_for_all_from_an_occurrence_keeps_the_first_day() {
        let rid = madrid(2026, 10, 26, 10);
        let mut f = occurrence_fields(SERIES, rid).unwrap();
        f.rrule = event_fields(SERIES).unwrap().rrule;
        // Only the title: the series' dates as they were.
        f.summary = "Standup nou".into();
        let g = edit_for_all(SERIES, rid, &f).unwrap();
        assert_eq!(
            (g.start.as_str(), g.end.as_str()),
            ("2026-10-05T10:00", "2026-10-05T11:00")
        );
        assert_eq!(g.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=6"));
        assert_eq!(
            edit_event(SERIES, &g)
                .unwrap()
                .matches("DTSTART;TZID=Europe/Madrid:20261005T100000")
                .count(),
            1
        );
        // Half an hour later, for all: the series moves by as much.
        f.start = "2026-10-26T10:30".into();
        f.end = "2026-10-26T11:30".into();
        let g = edit_for_all(SERIES, rid, &f).unwrap();
        assert_eq!(
            (g.start.as_str(), g.end.as_str()),
            ("2026-10-05T10:30", "2026-10-05T11:30")
        );
    }

    #[test]
    fn a_deleted_occurrence_is_an_exdate() {
        let rid = madrid(2026, 10, 12, 10);
        let out = delete_occurrence(SERIES, rid).unwrap();
        assert!(out.contains("EXDATE;TZID=Europe/Madrid:20261012T100000\r\n"));
        let occ = crate::index::occurrences(&out, chrono_tz::UTC, 0, i64::MAX / 4).unwrap();
        assert_eq!(occ.len(), 5);
    }

    #[test]
    fn this_and_the_following_splits_the_series() {
        let rid = madrid(2026, 10, 26, 10);
        let (old, new) = split_series(SERIES, rid, "s2").unwrap();
        let range = (madrid(2026, 9, 1, 0), madrid(2027, 1, 1, 0));
        let a = crate::index::occurrences(&old, chrono_tz::UTC, range.0, range.1).unwrap();
        let b = crate::index::occurrences(&new, chrono_tz::UTC, range.0, range.1).unwrap();
        assert_eq!(a.len(), 3, "{old}");
        assert_eq!(b.len(), 3, "{new}");
        assert_eq!(b[0].start, rid);
        assert!(new.contains("UID:s2\r\n") && !new.contains("UID:s1"));
        assert!(new.contains("X-UNKNOWN;X-P=1:keep me"));
        assert!(split_series(SERIES, madrid(2026, 10, 5, 10), "x").is_err());
    }

    #[test]
    fn a_new_event_has_its_zone() {
        let f = EventFields {
            summary: "Assemblea".into(),
            location: "Barcelona".into(),
            description: "línia 1\nlínia 2".into(),
            all_day: false,
            start: "2026-12-10T18:00".into(),
            end: "2026-12-10T20:00".into(),
            tzid: Some("Europe/Madrid".into()),
            rrule: Some("FREQ=MONTHLY;COUNT=3".into()),
            reminders: vec![30],
        };
        let t = new_event(&f, "u1").unwrap();
        assert!(t.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Madrid"), "{t}");
        assert_eq!(event_fields(&t).unwrap(), f);
        let occ = crate::index::occurrences(&t, chrono_tz::UTC, 0, i64::MAX / 4).unwrap();
        assert_eq!(occ[0].start, madrid(2026, 12, 10, 18));
        assert_eq!(occ.len(), 3);
        let mut bad = f.clone();
        bad.end = "2026-12-10T17:00".into();
        assert!(new_event(&bad, "u").is_err());
        bad = f.clone();
        bad.rrule = Some("FREQ=SOMETIMES".into());
        assert!(new_event(&bad, "u").is_err());
        bad = f;
        bad.tzid = Some("Mars/Olympus".into());
        assert!(new_event(&bad, "u").is_err());
    }

    #[test]
    fn all_day_events_end_on_their_last_day() {
        let f = EventFields {
            summary: "Festa".into(),
            location: String::new(),
            description: String::new(),
            all_day: true,
            start: "2026-12-24".into(),
            end: "2026-12-26".into(),
            tzid: None,
            rrule: None,
            reminders: vec![],
        };
        let t = new_event(&f, "d1").unwrap();
        assert!(t.contains("DTEND;VALUE=DATE:20261227\r\n"));
        assert_eq!(event_fields(&t).unwrap(), f);
    }

    const CARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c1\r\nFN:Núria Puig\r\nN:Puig;Núria;;;\r\nEMAIL;TYPE=INTERNET;TYPE=WORK:nuria@coop.example\r\nTEL;TYPE=CELL:+34 600 000 000\r\nORG:Cooperativa;Sistemes\r\nX-SOCIAL;TYPE=x:@nuria\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\r\n SkZJRg==\r\nBDAY:1985-04-12\r\nEND:VCARD\r\n";

    #[test]
    fn the_fields_of_a_contact() {
        let f = contact_fields(CARD).unwrap();
        assert_eq!(f.name, "Núria Puig");
        assert_eq!((f.given.as_str(), f.family.as_str()), ("Núria", "Puig"));
        assert_eq!(
            f.emails,
            vec![Typed {
                kind: "work".into(),
                value: "nuria@coop.example".into()
            }]
        );
        assert_eq!(f.phones[0].kind, "cell");
        assert_eq!(f.organisation, "Cooperativa, Sistemes");
        assert_eq!(f.birthday, "1985-04-12");
        assert_eq!(
            f.photo.as_deref(),
            Some("data:image/jpeg;base64,/9j/4AAQSkZJRg==")
        );
    }

    #[test]
    fn a_contact_edit_keeps_the_rest() {
        let mut f = contact_fields(CARD).unwrap();
        f.phones.push(Typed {
            kind: "home".into(),
            value: "93 000 00 00".into(),
        });
        f.note = "Tresorera".into();
        let out = edit_contact(CARD, &f).unwrap();
        for keep in [
            "EMAIL;TYPE=INTERNET;TYPE=WORK:nuria@coop.example\r\n",
            "TEL;TYPE=CELL:+34 600 000 000\r\n",
            "X-SOCIAL;TYPE=x:@nuria\r\n",
            "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\r\n SkZJRg==\r\n",
            "ORG:Cooperativa;Sistemes\r\n",
        ] {
            assert!(out.contains(keep), "{keep} lost:\n{out}");
        }
        assert!(out.contains("TEL;TYPE=home:93 000 00 00\r\n"));
        assert_eq!(contact_fields(&out).unwrap().note, "Tresorera");
        assert_eq!(
            edit_contact(CARD, &contact_fields(CARD).unwrap()).unwrap(),
            CARD
        );
    }

    #[test]
    fn a_new_contact() {
        let f = ContactFields {
            given: "Pau".into(),
            family: "Serra".into(),
            emails: vec![Typed {
                kind: "home".into(),
                value: "pau@example.org".into(),
            }],
            birthday: "--02-29".into(),
            groups: vec!["Junta".into()],
            ..Default::default()
        };
        let t = new_contact(&f, "n1").unwrap();
        let back = contact_fields(&t).unwrap();
        assert_eq!(back.name, "Pau Serra");
        assert_eq!(back.emails, f.emails);
        assert_eq!(back.birthday, "--02-29");
        assert_eq!(back.groups, vec!["Junta"]);
        assert!(calcard::vcard::VCard::parse(&t).is_ok());
        assert!(new_contact(&ContactFields::default(), "x").is_err());
    }
}
