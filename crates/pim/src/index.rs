//! What the pages and the command line show, read from the items' text
//! with `calcard` (RFC 5545 / 6350: time zones, recurrence): the
//! occurrences of events in a window, and the fields of contacts.

use calcard::common::timezone::Tz;
use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarProperty, ICalendarValue};
use calcard::vcard::{VCard, VCardProperty};
use chrono::{DateTime, Utc};

/// At most this many occurrences of one item are computed (a daily event
/// over 30 years is about 11,000).
const MAX_OCCURRENCES: usize = 20_000;

/// One occurrence of an event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Occurrence {
    /// Seconds since the epoch, UTC.
    pub start: i64,
    pub end: i64,
    /// A whole day or days (`start` and `end` are midnights in the time
    /// zone the index was built for).
    pub all_day: bool,
    /// `TZID` of its start, when it has one.
    pub tzid: Option<String>,
    pub summary: Option<String>,
    pub location: Option<String>,
    /// For an occurrence of a recurring event: its start as the series
    /// names it (`RECURRENCE-ID`), in RFC 3339.
    pub recurrence_id: Option<String>,
}

/// Why an item is not shown (the rest of the collection is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("not a valid iCalendar object")]
    NotICalendar,
    #[error("not a valid vCard")]
    NotVCard,
    #[error("an event without a start (DTSTART)")]
    NoStart,
}

/// The occurrences of the events of `text` that overlap `[from, to)`
/// (seconds, UTC); floating times and dates are read in `local`.
pub fn occurrences(
    text: &str,
    local: chrono_tz::Tz,
    from: i64,
    to: i64,
) -> Result<Vec<Occurrence>, IndexError> {
    let mut cal = ICalendar::parse(text).map_err(|_| IndexError::NotICalendar)?;
    // calcard pairs an override with its series only when both have the
    // same SEQUENCE, but clients raise it on the override they edit (RFC
    // 5545 allows it): without it, the override and the occurrence it
    // replaces would both be shown.
    for c in cal.components.iter_mut() {
        c.entries.retain(|e| e.name != ICalendarProperty::Sequence);
        // calcard expands a series in the zone of its DTSTART's TZID, the
        // default zone when it has none, even for a UTC time (`...Z`): a
        // daily series at 23:00Z would land at 23:00 here. UTC times get
        // the UTC zone named (checked against recurring-ical-events).
        for e in c.entries.iter_mut() {
            let dated = matches!(
                e.name,
                ICalendarProperty::Dtstart
                    | ICalendarProperty::Dtend
                    | ICalendarProperty::Exdate
                    | ICalendarProperty::Rdate
                    | ICalendarProperty::RecurrenceId
            );
            let utc = e.values.iter().any(|v| {
                matches!(v, ICalendarValue::PartialDateTime(p)
                    if p.has_time() && p.tz_hour == Some(0) && p.tz_minute.unwrap_or(0) == 0)
            });
            if dated && utc && e.tz_id().is_none() {
                e.params.push(calcard::icalendar::ICalendarParameter::tzid(
                    "UTC".to_owned(),
                ));
            }
        }
    }
    let expanded = cal.expand_dates(Tz::Tz(local), MAX_OCCURRENCES);
    let has_events = cal
        .components
        .iter()
        .any(|c| c.component_type == ICalendarComponentType::VEvent);
    if has_events && expanded.events.is_empty() && !expanded.errors.is_empty() {
        return Err(IndexError::NoStart);
    }
    let zones = cal.build_tz_resolver().with_default(Tz::Tz(local));
    let mut out = Vec::new();
    for ev in expanded.events {
        let Some(comp) = cal.components.get(ev.comp_id as usize) else {
            continue;
        };
        if comp.component_type != ICalendarComponentType::VEvent {
            continue;
        }
        let start = ev.start.timestamp();
        let end = match ev.end {
            calcard::icalendar::dates::TimeOrDelta::Time(t) => t.timestamp(),
            calcard::icalendar::dates::TimeOrDelta::Delta(d) => start + d.num_seconds(),
        };
        // A zero-length event still shows at its start.
        if !(start < to && (end > from || (end == start && start >= from))) {
            continue;
        }
        let text_of = |p: &ICalendarProperty| {
            comp.property(p)
                .and_then(|e| e.values.first())
                .and_then(|v| v.as_text())
                .map(str::to_owned)
        };
        let dtstart = comp.property(&ICalendarProperty::Dtstart);
        let all_day = dtstart
            .and_then(|e| e.values.first())
            .is_some_and(|v| matches!(v, ICalendarValue::PartialDateTime(p) if !p.has_time()));
        let tzid = dtstart.and_then(|e| {
            e.params
                .iter()
                .find(|p| p.name == calcard::icalendar::ICalendarParameterName::Tzid)
                .and_then(|p| p.value.as_text())
                .map(str::to_owned)
        });
        let recurring = comp.property(&ICalendarProperty::Rrule).is_some()
            || comp.property(&ICalendarProperty::Rdate).is_some()
            || comp.property(&ICalendarProperty::RecurrenceId).is_some();
        out.push(Occurrence {
            start,
            end,
            all_day,
            tzid,
            summary: text_of(&ICalendarProperty::Summary),
            location: text_of(&ICalendarProperty::Location),
            recurrence_id: recurring.then(|| {
                // An override is named by the occurrence it replaces, not
                // by where it was moved.
                let named = comp
                    .property(&ICalendarProperty::RecurrenceId)
                    .and_then(|e| {
                        let tz = zones.resolve_or_default(e.tz_id());
                        match e.values.first() {
                            Some(ICalendarValue::PartialDateTime(p)) => {
                                p.to_date_time_with_tz(tz).map(|d| d.timestamp())
                            }
                            _ => None,
                        }
                    })
                    .unwrap_or(start);
                DateTime::<Utc>::from_timestamp(named, 0)
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_default()
            }),
        });
    }
    out.sort_by_key(|o| (o.start, o.end));
    Ok(out)
}

/// The `UID` of an iCalendar object or vCard, read without a full parse
/// (the first `UID` line).
pub fn uid_of(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| {
            let l = l.trim_end_matches('\r');
            let (name, value) = l.split_once(':')?;
            (name.split(';').next()?.eq_ignore_ascii_case("UID")).then(|| value.trim().to_owned())
        })
        .filter(|u| !u.is_empty())
}

/// A contact's fields for the list and the search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactFields {
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub organisation: String,
    pub groups: Vec<String>,
}

pub fn contact(text: &str) -> Result<ContactFields, IndexError> {
    let card = VCard::parse(text).map_err(|_| IndexError::NotVCard)?;
    let all = |p: &VCardProperty| -> Vec<String> {
        card.properties(p)
            .filter_map(|e| e.values.iter().find_map(|v| v.as_text()))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let joined = |p: &VCardProperty| -> String {
        card.property(p)
            .map(|e| {
                e.values
                    .iter()
                    .filter_map(|v| v.as_text())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    let mut name = all(&VCardProperty::Fn)
        .into_iter()
        .next()
        .unwrap_or_default();
    if name.is_empty() {
        name = joined(&VCardProperty::N);
    }
    Ok(ContactFields {
        name,
        emails: all(&VCardProperty::Email),
        phones: all(&VCardProperty::Tel)
            .into_iter()
            .map(|t| t.strip_prefix("tel:").map(str::to_owned).unwrap_or(t))
            .collect(),
        organisation: joined(&VCardProperty::Org),
        groups: card
            .property(&VCardProperty::Categories)
            .map(|e| {
                e.values
                    .iter()
                    .filter_map(|v| v.as_text())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The system's time zone (`TZ`, else `/etc/localtime`), UTC when unknown;
/// read once.
pub fn local_time_zone() -> chrono_tz::Tz {
    static TZ: std::sync::OnceLock<chrono_tz::Tz> = std::sync::OnceLock::new();
    *TZ.get_or_init(read_local_time_zone)
}

fn read_local_time_zone() -> chrono_tz::Tz {
    let name = std::env::var("TZ")
        .ok()
        .map(|t| t.trim_start_matches(':').to_owned())
        .or_else(|| {
            let target = std::fs::read_link("/etc/localtime").ok()?;
            let s = target.to_string_lossy().into_owned();
            s.split_once("zoneinfo/").map(|(_, z)| z.to_owned())
        })
        .or_else(|| std::fs::read_to_string("/etc/timezone").ok())
        .unwrap_or_default();
    name.trim().parse().unwrap_or(chrono_tz::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MADRID: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:weekly\r\nDTSTART;TZID=Europe/Madrid:20261020T100000\r\nDTEND;TZID=Europe/Madrid:20261020T110000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Madrid:20261103T100000\r\nSUMMARY:Setmanal\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:weekly\r\nRECURRENCE-ID;TZID=Europe/Madrid:20261110T100000\r\nDTSTART;TZID=Europe/Madrid:20261110T120000\r\nDTEND;TZID=Europe/Madrid:20261110T130000\r\nSUMMARY:Setmanal (moguda)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn a_weekly_series_across_the_dst_change_with_an_exception_and_an_override() {
        let occ = occurrences(MADRID, chrono_tz::Europe::Madrid, 0, i64::MAX).unwrap();
        let starts: Vec<String> = occ
            .iter()
            .map(|o| {
                DateTime::<Utc>::from_timestamp(o.start, 0)
                    .unwrap()
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .collect();
        // 10:00 in Madrid is 08:00 UTC in summer time, 09:00 after 25
        // October; 3 November is excluded; 10 November moved to 12:00.
        assert_eq!(
            starts,
            ["2026-10-20 08:00", "2026-10-27 09:00", "2026-11-10 11:00"],
            "{occ:#?}"
        );
        assert_eq!(occ[2].summary.as_deref(), Some("Setmanal (moguda)"));
        assert!(occ.iter().all(|o| o.end - o.start == 3600));
        assert_eq!(occ[0].tzid.as_deref(), Some("Europe/Madrid"));
    }

    #[test]
    fn an_all_day_event_and_a_broken_one() {
        let day = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20261224\r\nSUMMARY:Nadal\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let o = occurrences(day, chrono_tz::Europe::Madrid, 0, i64::MAX).unwrap();
        assert_eq!(o.len(), 1);
        assert!(o[0].all_day);
        let nostart = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(
            occurrences(nostart, chrono_tz::UTC, 0, i64::MAX),
            Err(IndexError::NoStart)
        );
        assert!(occurrences("not a calendar", chrono_tz::UTC, 0, 1).is_err());
    }

    #[test]
    fn a_contact_s_fields() {
        let c = contact("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c1\r\nFN:Núria Puig\r\nN:Puig;Núria;;;\r\nEMAIL;TYPE=work:nuria@exemple.cat\r\nEMAIL:np@casa.cat\r\nTEL;TYPE=cell:+34 600 000 000\r\nORG:Cooperativa;Sistemes\r\nCATEGORIES:Equip,Amics\r\nEND:VCARD\r\n").unwrap();
        assert_eq!(c.name, "Núria Puig");
        assert_eq!(c.emails, ["nuria@exemple.cat", "np@casa.cat"]);
        assert_eq!(c.phones, ["+34 600 000 000"]);
        assert_eq!(c.organisation, "Cooperativa Sistemes");
        assert_eq!(c.groups, ["Equip", "Amics"]);
        assert_eq!(
            uid_of("BEGIN:VCARD\r\nUID:c1\r\nEND:VCARD").as_deref(),
            Some("c1")
        );
    }
}
