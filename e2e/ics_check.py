"""Cross-checks Belay's iCalendar output with independent Python parsers.

The integration tests write each calendar they check to
target/tmp/ics/NAME.ics, with NAME.expect.json holding the local start
times its expansion must produce between two dates. This script:

* validates each calendar with `vobject` (its `validate()` catches a
  missing PRODID, UID or DTSTAMP, and DTEND with DURATION),
* parses it with `icalendar`, and checks every TZID has its VTIMEZONE,
* expands it with `recurring-ical-events` and compares the starts of the
  events in the window (EXDATE skipped, RECURRENCE-ID moves applied, the
  local time held across daylight saving).

Run by .ci/run after the test suite; exits non-zero on any problem.
"""

import datetime as dt
import json
import pathlib
import sys

import icalendar
import recurring_ical_events
import vobject


def check(path: pathlib.Path) -> list[str]:
    problems = []
    text = path.read_text(encoding="utf-8")
    expect = json.loads((path.parent / (path.stem + ".expect.json")).read_text())
    try:
        vobject.readOne(text).validate(raiseException=True)
    except Exception as e:  # noqa: BLE001 - any failure is a finding
        problems.append(f"vobject: {e}")
    cal = icalendar.Calendar.from_ical(text)
    zones = {str(c["TZID"]) for c in cal.walk("VTIMEZONE")}
    for event in cal.walk("VEVENT"):
        for key in ("DTSTART", "DTEND", "RECURRENCE-ID"):
            prop = event.get(key)
            if prop is not None and "TZID" in prop.params and prop.params["TZID"] not in zones:
                problems.append(f"icalendar: {key} uses TZID {prop.params['TZID']} without a VTIMEZONE")
    start = dt.date.fromisoformat(expect["from"])
    end = dt.date.fromisoformat(expect["to"])
    uid = None
    for event in cal.walk("VEVENT"):
        if event.get("RRULE") is not None and "UNTIL" in str(event.get("RRULE").to_ical()):
            uid = str(event["UID"])
    found = []
    for occurrence in recurring_ical_events.of(cal).between(start, end):
        if uid is None or str(occurrence["UID"]) == uid:
            found.append(occurrence["DTSTART"].dt.isoformat())
    found.sort()
    if found != expect["local_starts"]:
        problems.append(f"recurring-ical-events expanded {found}, expected {expect['local_starts']}")
    return problems


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/tmp/ics")
    files = sorted(root.glob("*.ics"))
    if not files:
        print(f"no calendars in {root}: did the integration tests run?", file=sys.stderr)
        return 1
    failed = False
    for f in files:
        problems = check(f)
        for p in problems:
            print(f"{f.name}: {p}", file=sys.stderr)
        failed |= bool(problems)
        print(f"{f.name}: {'FAILED' if problems else 'ok'} (vobject, icalendar, recurring-ical-events)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
