"""The occurrences of an iCalendar file by an independent implementation
(`recurring-ical-events` on `icalendar`, from PyPI), for the cross-check in
`crates/pim/tests/recurrence.rs`.

Usage: python occurrences.py FILE FROM TO ZONE
FROM and TO are seconds since the epoch (UTC); floating times and dates are
read in ZONE. Prints one "start end" line (seconds, UTC) per occurrence
overlapping [FROM, TO), sorted.
"""
import sys
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events


def seconds(value, zone):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return int(value.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=zone).timestamp())
    raise TypeError(value)


def main():
    path, start, end, zone_name = sys.argv[1:5]
    zone = ZoneInfo(zone_name)
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    begin = datetime.fromtimestamp(int(start), tz=timezone.utc)
    finish = datetime.fromtimestamp(int(end), tz=timezone.utc)
    out = []
    for ev in recurring_ical_events.of(cal).between(begin, finish):
        if ev.name != "VEVENT":
            continue
        s = seconds(ev["DTSTART"].dt, zone)
        e = seconds(ev["DTEND"].dt, zone) if "DTEND" in ev else s
        out.append((s, e))
    for s, e in sorted(out):
        print(s, e)


main()
