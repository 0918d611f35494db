//! Meetings: scheduling and its checks, local times across daylight-saving
//! changes, cancelled and moved occurrences, the finder, iCalendar feeds
//! (checked by our own rules and by the `rrule` crate; CI also runs
//! Python's `icalendar`, `vobject` and `recurring-ical-events` on the same
//! files), and the Meeting Guide feed: export, import of every sample feed,
//! and the round trip between them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDateTime};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    groups::{group, invite, join},
    support::{Backend, TestApp},
};

backend_tests!(
    scheduling_a_meeting_and_every_invalid_one,
    local_times_hold_across_daylight_saving,
    one_occurrence_cancelled_or_moved,
    the_finder_filters_public_meetings,
    icalendar_feeds_are_valid_rfc_5545,
    my_meetings_feed_is_private_and_revocable,
    the_meeting_guide_feed,
    every_sample_feed_imports_and_round_trips,
    bad_feeds_are_refused_with_reasons,
    meetings_are_imported_and_exported_from_the_command_line,
);

/// A weekly meeting of an hour and a half.
fn weekly(name: &str, day: i64, time: &str, zone: &str) -> Value {
    let start = chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap();
    let end = (start + chrono::Duration::minutes(90))
        .format("%H:%M")
        .to_string();
    json!({
        "name": name, "days": [day], "start_time": time, "end_time": end, "time_zone": zone,
        "location": "St. Mark's Hall", "formatted_address": "123 Main St, Anytown, CA 98765, USA",
        "types": ["O", "D"], "notes": "Ring the buzzer; 2nd floor.",
    })
}

async fn meeting(app: &TestApp, token: &str, group: &str, body: Value) -> Value {
    let (s, m) = app
        .post(&format!("/api/v1/groups/{group}/meetings"), token, body)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    m
}

async fn scheduling_a_meeting_and_every_invalid_one(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-25T12:00:00Z");
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let g = group(&app, &ana, "Sunday Serenity", "public", "open").await;
    join(&app, &ben, &g, None).await;
    let m = meeting(
        &app,
        &ana,
        &g,
        weekly("Evening", 1, "19:00", "America/New_York"),
    )
    .await;
    assert_eq!(m["slug"], "sunday-serenity-evening");
    assert_eq!(m["schedule"], "Mondays, 19:00-20:30 (America/New_York)");
    assert_eq!(m["types"][0]["name"], "Open");
    assert_eq!(m["next"][0]["date"], "2026-11-30");
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{g}/meetings"),
            &ben,
            weekly("Mine", 1, "19:00", "UTC"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "members don't schedule meetings");
    let cases: Vec<(&str, Value)> = vec![
        ("time_zone", json!({"time_zone": "Mars/Olympus"})),
        ("time_zone", json!({"time_zone": "Eastern Standard Time"})),
        ("start_time", json!({"start_time": "25:00"})),
        ("start_time", json!({"start_time": "soon"})),
        ("end_time", json!({"end_time": "19:00"})),
        ("days", json!({"days": [7]})),
        ("days", json!({"days": []})),
        (
            "conference_url",
            json!({"conference_url": "javascript:alert(1)"}),
        ),
        (
            "conference_url",
            json!({"conference_url": "ftp://files.example.org/x"}),
        ),
        (
            "conference_phone",
            json!({"conference_phone": "call me maybe"}),
        ),
        ("types", json!({"types": ["XYZ"]})),
        ("name", json!({"name": ""})),
        ("frequency", json!({"frequency": "fortnightly"})),
        ("month_week", json!({"frequency": "monthly", "days": [6]})),
        ("date", json!({"frequency": "once"})),
        ("date", json!({"date": "2026-02-30"})),
        ("latitude", json!({"latitude": 91.0, "longitude": 0.0})),
        (
            "formatted_address",
            json!({"formatted_address": "", "location": ""}),
        ),
        ("notes", json!({"notes": "x".repeat(2001)})),
    ];
    for (field, change) in cases {
        let mut body = weekly("Bad", 2, "19:00", "UTC");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = app
            .post(&format!("/api/v1/groups/{g}/meetings"), &ana, body)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {e}");
        assert!(e["error"]["fields"][field].is_array(), "{field}: {e}");
    }
    assert_eq!(
        app.scalar("select count(*) from meeting").await,
        1,
        "nothing half-made"
    );
    // A monthly business meeting and a one-off.
    let monthly = meeting(&app, &ana, &g, json!({
        "name": "Business meeting", "frequency": "monthly", "days": [6], "month_week": 1,
        "start_time": "10:00", "time_zone": "America/New_York", "conference_url": "https://zoom.us/j/1",
    })).await;
    assert_eq!(monthly["next"][0]["date"], "2026-12-05");
    assert!(
        monthly["schedule"]
            .as_str()
            .unwrap()
            .contains("first Saturday")
    );
    let once = meeting(
        &app,
        &ana,
        &g,
        json!({
            "name": "Picnic", "frequency": "once", "date": "2026-12-12", "start_time": "12:00",
            "end_time": "15:00", "time_zone": "America/New_York", "location": "Riverside Park",
        }),
    )
    .await;
    assert_eq!(
        once["days"],
        json!([6]),
        "a one-off falls on its date's weekday"
    );
    assert_eq!(once["next"].as_array().unwrap().len(), 1);
    // Change and delete.
    let mut changed = weekly("Evening", 2, "18:30", "America/New_York");
    changed["types"] = json!(["C"]);
    let (s, u) = app
        .put("/api/v1/meetings/sunday-serenity-evening", &ana, changed)
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(
        (u["start_time"].as_str(), u["days"].clone()),
        (Some("18:30"), json!([2]))
    );
    let (s, _) = app
        .call(
            reqwest::Method::DELETE,
            "/api/v1/meetings/picnic",
            Some(&ben),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the slug is the group's");
    let slug = once["slug"].as_str().unwrap();
    let (s, _) = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/meetings/{slug}"),
            Some(&ben),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/meetings/{slug}"),
            Some(&ana),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.scalar("select count(*) from meeting").await, 2);
}

async fn local_times_hold_across_daylight_saving(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-10-20T12:00:00Z");
    let ana = app.member_in("ana", "Europe/London").await;
    let g = group(&app, &ana, "Across the pond", "public", "open").await;
    let m = meeting(
        &app,
        &ana,
        &g,
        weekly("Monday night", 1, "19:00", "America/New_York"),
    )
    .await;
    let (_, m) = app
        .get(
            &format!("/api/v1/meetings/{}", m["slug"].as_str().unwrap()),
            &ana,
        )
        .await;
    let starts: Vec<&str> = m["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["start"].as_str().unwrap())
        .collect();
    // 19:00 EDT is 23:00 UTC; after 1 November, 19:00 EST is 00:00 UTC.
    assert_eq!(
        starts[..4],
        [
            "2026-10-26T23:00:00Z",
            "2026-11-03T00:00:00Z",
            "2026-11-10T00:00:00Z",
            "2026-11-17T00:00:00Z"
        ]
    );
    // London moves back a week earlier (25 October): shown in the viewer's zone.
    let local: Vec<&str> = m["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["local"].as_str().unwrap())
        .collect();
    assert_eq!(local[..2], ["Mon 26 Oct, 23:00", "Tue 3 Nov, 00:00"]);
    // Anonymous visitors see the meeting's own time.
    let (_, anon) = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/meetings/{}", m["slug"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(anon["next"][0]["local"], "Mon 26 Oct, 19:00");
}

async fn one_occurrence_cancelled_or_moved(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-25T12:00:00Z");
    let ana = app.member("ana").await;
    let g = group(&app, &ana, "Holidays", "public", "open").await;
    let m = meeting(
        &app,
        &ana,
        &g,
        weekly("Thursday", 4, "19:00", "America/Chicago"),
    )
    .await;
    let slug = m["slug"].as_str().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/v1/meetings/{slug}/occurrences/2026-11-25/cancel"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "not a Thursday");
    let (s, _) = app
        .post(
            &format!("/api/v1/meetings/{slug}/occurrences/banana/cancel"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, m) = app
        .post(
            &format!("/api/v1/meetings/{slug}/occurrences/2026-11-26/cancel"),
            &ana,
            json!({"note": "Thanksgiving"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(
        (
            m["next"][0]["cancelled"].clone(),
            m["next"][0]["note"].clone()
        ),
        (json!(true), json!("Thanksgiving"))
    );
    let (s, m) = app
        .post(
            &format!("/api/v1/meetings/{slug}/occurrences/2026-12-24/move"),
            &ana,
            json!({"start": "2026-12-23T18:00", "end": "2026-12-23T19:30", "note": "moved for Christmas Eve"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    let moved = m["next"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["date"] == "2026-12-24")
        .unwrap();
    assert_eq!(
        (moved["moved"].clone(), moved["start"].clone()),
        (json!(true), json!("2026-12-24T00:00:00Z"))
    );
    let (s, _) = app
        .post(
            &format!("/api/v1/meetings/{slug}/occurrences/2026-12-31/move"),
            &ana,
            json!({"start": "2026-12-31T20:00", "end": "2026-12-31T19:00"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let ics = ics_of(&app, &format!("/groups/{g}/meetings.ics")).await;
    assert!(
        ics.contains("EXDATE;TZID=America/Chicago:20261126T190000\r\n"),
        "{ics}"
    );
    assert!(
        ics.contains("RECURRENCE-ID;TZID=America/Chicago:20261224T190000\r\n"),
        "{ics}"
    );
    assert!(
        ics.contains("DTSTART;TZID=America/Chicago:20261223T180000\r\n"),
        "{ics}"
    );
    let (s, m) = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/meetings/{slug}/occurrences/2026-11-26/cancel"),
            Some(&ana),
            None,
        )
        .await;
    assert_eq!(
        (s, m["next"][0]["cancelled"].clone()),
        (StatusCode::OK, json!(false))
    );
    assert_eq!(
        app.scalar("select max(sequence) from meeting").await,
        3,
        "every change bumps SEQUENCE"
    );
    // Another instance on the same database cancels it again: the
    // exceptions this one keeps in memory give way (the meetings' version
    // moved), with no word from that instance.
    let exdate = "EXDATE;TZID=America/Chicago:20261126T190000\r\n";
    let ics = ics_of(&app, &format!("/groups/{g}/meetings.ics")).await;
    assert!(!ics.contains(exdate), "{ics}");
    let filter = belay::meetings::store::Filter {
        after: "00:00".into(),
        before: "24:00".into(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        ..Default::default()
    };
    let row = belay::meetings::store::find_all(&app.state.db, &filter)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.slug == slug)
        .unwrap();
    app.clock.advance(chrono::Duration::minutes(1));
    let cancel = belay::meetings::model::Exception {
        on_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        cancelled: true,
        moved: None,
        note: String::new(),
    };
    let mut tx = app.state.db.begin_write().await.unwrap();
    let now = belay::time::Clock::now(&*app.clock);
    belay::meetings::store::set_exception(&mut tx, row.id, &cancel, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ics = ics_of(&app, &format!("/groups/{g}/meetings.ics")).await;
    assert!(ics.contains(exdate), "{ics}");
}

async fn the_finder_filters_public_meetings(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-23T23:30:00Z"); // Monday 18:30 in New York
    let ana = app.member("ana").await;
    let public = group(&app, &ana, "Downtown", "public", "open").await;
    let unlisted = group(&app, &ana, "Quiet", "unlisted", "open").await;
    let private = group(&app, &ana, "Hidden", "private", "invite").await;
    let mut online = weekly("Online lunch", 1, "12:00", "America/New_York");
    online["conference_url"] = json!("https://zoom.us/j/123");
    online["formatted_address"] = json!("New York, NY, USA");
    online["approximate"] = json!(true);
    online["types"] = json!(["C", "MED"]);
    meeting(&app, &ana, &public, online).await;
    let mut near = weekly("Chicago evening", 1, "18:00", "America/Chicago");
    near["latitude"] = json!(41.88);
    near["longitude"] = json!(-87.63);
    meeting(&app, &ana, &public, near).await;
    let mut far = weekly("Boston evening", 1, "19:30", "America/New_York");
    far["latitude"] = json!(42.36);
    far["longitude"] = json!(-71.06);
    meeting(&app, &ana, &public, far).await;
    meeting(
        &app,
        &ana,
        &public,
        weekly("Tuesday", 2, "07:00", "America/New_York"),
    )
    .await;
    meeting(
        &app,
        &ana,
        &unlisted,
        weekly("Unlisted one", 1, "19:00", "America/New_York"),
    )
    .await;
    meeting(
        &app,
        &ana,
        &private,
        weekly("Private one", 1, "19:00", "America/New_York"),
    )
    .await;
    let names = |v: &Value| -> Vec<String> {
        v["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let find = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let (s, v) = app
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v1/meetings{q}"),
                    None,
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{q}: {v}");
            v
        }
    };
    assert_eq!(
        names(&find("").await),
        [
            "Tuesday",
            "Online lunch",
            "Chicago evening",
            "Boston evening"
        ]
    );
    assert_eq!(names(&find("?day=2").await), ["Tuesday"]);
    assert_eq!(
        names(&find("?day=1&after=17:00&before=19:00").await),
        ["Chicago evening"]
    );
    assert_eq!(names(&find("?type=MED").await), ["Online lunch"]);
    assert_eq!(names(&find("?online=true").await), ["Online lunch"]);
    assert_eq!(
        names(&find("?online=false&day=1").await),
        ["Chicago evening", "Boston evening"]
    );
    assert_eq!(names(&find("?q=boston").await), ["Boston evening"]);
    for q in ["%25", "_", "b_ston"] {
        assert!(names(&find(&format!("?q={q}")).await).is_empty(), "{q}");
    }
    assert_eq!(
        names(&find("?q=downtown&day=2").await),
        ["Tuesday"],
        "the group's name counts"
    );
    assert_eq!(
        names(&find("?near=41.5,-88.0").await)[..2],
        ["Chicago evening", "Boston evening"],
        "nearest first"
    );
    assert_eq!(names(&find("?near=42.3,-71.0").await)[0], "Boston evening");
    for bad in [
        "?day=9",
        "?after=25:00",
        "?type=XYZ",
        "?online=maybe",
        "?near=north",
        "?near=100,0",
        "?dayz=1",
    ] {
        let (s, e) = app
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/meetings{bad}"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
    }
    // 18:30 in New York: Chicago's 18:00 Central (00:00 UTC) is next, then Boston's 19:30 Eastern.
    let (_, nn) = app
        .call(reqwest::Method::GET, "/api/v1/meetings/now", None, None)
        .await;
    let now: Vec<&str> = nn["now"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    let next: Vec<&str> = nn["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(now.is_empty(), "{nn}");
    assert_eq!(next[..2], ["Chicago evening", "Boston evening"]);
    app.set_now("2026-11-24T00:45:00Z"); // 19:45 Eastern, 18:45 Central
    let (_, nn) = app
        .call(reqwest::Method::GET, "/api/v1/meetings/now", None, None)
        .await;
    let now: Vec<&str> = nn["now"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(now, ["Chicago evening", "Boston evening"]);
    // The page: filters, results and the feed link in its head.
    let page = app
        .http
        .get(app.url("/meetings?day=1&q=evening"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<link rel="alternate" type="application/json" title="Meetings Feed" href="/meetings.json">"#));
    assert!(
        page.contains("Chicago evening")
            && !page.contains("Unlisted one")
            && !page.contains("Private one")
    );
    let bad = app
        .http
        .get(app.url("/meetings?day=9"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

pub async fn ics_of(app: &TestApp, path: &str) -> String {
    let res = app.http.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    assert_eq!(
        res.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    res.text().await.unwrap()
}

/// What parsers accept silently but RFC 5545 forbids; returns the problems.
pub fn rfc5545_problems(ics: &str) -> Vec<String> {
    let mut p = Vec::new();
    if ics.replace("\r\n", "").contains('\n') {
        p.push("a line ends with LF alone".to_owned());
    }
    if !ics.ends_with("\r\n") {
        p.push("the last line has no CRLF".into());
    }
    for line in ics.split("\r\n") {
        if line.len() > 75 {
            p.push(format!("a line is longer than 75 octets: {line}"));
        }
    }
    let unfolded = ics.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.split("\r\n").filter(|l| !l.is_empty()).collect();
    let count = |prefix: &str| lines.iter().filter(|l| l.starts_with(prefix)).count();
    for required in ["VERSION:2.0", "PRODID:"] {
        if count(required) != 1 {
            p.push(format!("{required} appears {} times", count(required)));
        }
    }
    let mut depth: Vec<&str> = Vec::new();
    let mut event: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut tzids_used = BTreeSet::new();
    let mut vtimezones: BTreeMap<String, usize> = BTreeMap::new();
    for line in &lines {
        if let Some(c) = line.strip_prefix("BEGIN:") {
            depth.push(c);
            if c == "VEVENT" {
                event.clear();
            }
            continue;
        }
        if let Some(c) = line.strip_prefix("END:") {
            if depth.pop() != Some(c) {
                p.push(format!("END:{c} does not close its BEGIN"));
            }
            if c == "VEVENT" {
                for key in ["UID", "DTSTAMP", "DTSTART"] {
                    if !event.contains_key(key) {
                        p.push(format!("a VEVENT has no {key}"));
                    }
                }
                if event.contains_key("DTEND") && event.contains_key("DURATION") {
                    p.push("a VEVENT has DTEND and DURATION".into());
                }
                if event.get("DTSTAMP").is_some_and(|v| !v[0].ends_with('Z')) {
                    p.push("DTSTAMP is not UTC".into());
                }
                if let (Some(rrule), Some(start)) = (event.get("RRULE"), event.get("DTSTART")) {
                    let rule = &rrule[0];
                    if !rule.starts_with("FREQ=") {
                        p.push("RRULE does not start with FREQ".into());
                    }
                    if let Some(until) = rule.split(';').find_map(|r| r.strip_prefix("UNTIL="))
                        && !until.ends_with('Z')
                    {
                        p.push(format!("UNTIL {until} is not UTC"));
                    }
                    if rule.contains("FREQ=WEEKLY") {
                        let date =
                            NaiveDateTime::parse_from_str(&start[0], "%Y%m%dT%H%M%S").unwrap();
                        let day = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
                            [date.weekday().num_days_from_monday() as usize];
                        let byday = rule
                            .split(';')
                            .find_map(|r| r.strip_prefix("BYDAY="))
                            .unwrap_or_default();
                        if !byday.split(',').any(|d| d == day) {
                            p.push(format!(
                                "DTSTART {} is a {day}, not one of {byday}",
                                start[0]
                            ));
                        }
                    }
                }
            }
            continue;
        }
        let Some((head, value)) = line.split_once(':') else {
            p.push(format!("not a content line: {line}"));
            continue;
        };
        let mut parts = head.split(';');
        let name = parts.next().unwrap_or_default().to_owned();
        for param in parts {
            if let Some(tz) = param.strip_prefix("TZID=") {
                tzids_used.insert(tz.to_owned());
            }
        }
        if depth.last() == Some(&"VTIMEZONE") && name == "TZID" {
            *vtimezones.entry(value.to_owned()).or_default() += 1;
        }
        if depth.last() == Some(&"VEVENT") {
            event.entry(name).or_default().push(value.to_owned());
        }
    }
    for tz in &tzids_used {
        match vtimezones.get(tz) {
            Some(1) => {}
            n => p.push(format!(
                "TZID {tz} has {} VTIMEZONE",
                n.copied().unwrap_or(0)
            )),
        }
    }
    p
}

/// Saves a calendar for CI's Python cross-check, with the local start
/// times its expansion must produce.
fn save_for_python(name: &str, ics: &str, expect: &[&str]) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ics");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.ics")), ics).unwrap();
    std::fs::write(
        dir.join(format!("{name}.expect.json")),
        serde_json::to_string(&json!({
            "from": "2026-02-01", "to": "2026-04-30", "local_starts": expect,
        }))
        .unwrap(),
    )
    .unwrap();
}

async fn icalendar_feeds_are_valid_rfc_5545(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-01-10T12:00:00Z");
    let ana = app.member("ana").await;
    let g = group(&app, &ana, "Calendar; test, group", "public", "open").await;
    let mut m = weekly(
        "Monday, with \"quotes\"; and a long name that needs folding across lines in the file",
        1,
        "19:00",
        "America/New_York",
    );
    m["date"] = json!("2026-02-01"); // a Sunday: DTSTART must move to the Monday
    m["conference_url"] = json!("https://zoom.us/j/123456789?pwd=abc");
    m["conference_phone"] = json!("+16699006833,,123456789#");
    m["ends_on"] = json!("2026-06-29");
    m["notes"] = json!(
        "Line one\nLine two, with comma; and semicolon. Ünïcödé ☕ to fold at octets not characters, ☕☕☕☕☕☕☕☕"
    );
    let m = meeting(&app, &ana, &g, m).await;
    let slug = m["slug"].as_str().unwrap();
    meeting(
        &app,
        &ana,
        &g,
        weekly("Berlin", 3, "18:00", "Europe/Berlin"),
    )
    .await;
    meeting(
        &app,
        &ana,
        &g,
        weekly("Second New York", 4, "07:00", "America/New_York"),
    )
    .await;
    meeting(
        &app,
        &ana,
        &g,
        json!({"name": "Monthly", "frequency": "monthly", "days": [6], "month_week": -1,
        "start_time": "10:00", "time_zone": "Australia/Sydney", "location": "Hall"}),
    )
    .await;
    app.post(
        &format!("/api/v1/meetings/{slug}/occurrences/2026-02-16/cancel"),
        &ana,
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/v1/meetings/{slug}/occurrences/2026-03-09/move"),
        &ana,
        json!({"start": "2026-03-09T18:00", "end": "2026-03-09T19:30", "note": "holiday"}),
    )
    .await;
    let ics = ics_of(&app, &format!("/groups/{g}/meetings.ics")).await;
    assert_eq!(rfc5545_problems(&ics), Vec::<String>::new(), "{ics}");
    assert!(
        ics.contains("DTSTART;TZID=America/New_York:20260202T190000\r\n"),
        "on the weekday: {ics}"
    );
    assert!(
        ics.contains("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260629T230000Z\r\n"),
        "{ics}"
    );
    assert!(ics.contains("CONFERENCE;FEATURE=VIDEO;LABEL=Join online;VALUE=URI:https://zoom.us/j/123456789?pwd=abc") || ics.replace("\r\n ", "").contains("CONFERENCE;FEATURE=VIDEO;LABEL=Join online;VALUE=URI:https://zoom.us/j/123456789?pwd=abc"), "{ics}");
    assert!(
        ics.replace("\r\n ", "")
            .contains("SUMMARY:Monday\\, with \"quotes\"\\; and a long name"),
        "{ics}"
    );
    assert_eq!(
        ics.matches("BEGIN:VTIMEZONE").count(),
        3,
        "one per zone: {ics}"
    );
    assert!(ics.contains("PRODID:-//Belay//Belay meetings//EN\r\n"));
    // An independent Rust reading: the rrule crate expands the series.
    let unfolded = ics.replace("\r\n ", "");
    let event: Vec<&str> = unfolded
        .split("BEGIN:VEVENT\r\n")
        .find(|e| e.contains(&format!("UID:{slug}@")) && e.contains("RRULE"))
        .unwrap()
        .split("\r\n")
        .filter(|l| l.starts_with("DTSTART") || l.starts_with("RRULE") || l.starts_with("EXDATE"))
        .collect();
    let set: rrule::RRuleSet = event.join("\n").parse().expect("rrule parses our event");
    let got: Vec<String> = set
        .all(8)
        .dates
        .iter()
        .map(|d| d.format("%Y-%m-%d %H:%M %z").to_string())
        .collect();
    assert_eq!(
        got,
        [
            "2026-02-02 19:00 -0500",
            "2026-02-09 19:00 -0500",
            "2026-02-23 19:00 -0500",
            "2026-03-02 19:00 -0500",
            "2026-03-09 19:00 -0400",
            "2026-03-16 19:00 -0400",
            "2026-03-23 19:00 -0400",
            "2026-03-30 19:00 -0400",
        ],
        "19:00 local on both sides of 8 March, without the cancelled 16 February"
    );
    save_for_python(
        &format!("{b:?}-group").to_lowercase(),
        &ics,
        &[
            "2026-02-02T19:00:00-05:00",
            "2026-02-09T19:00:00-05:00",
            "2026-02-23T19:00:00-05:00",
            "2026-03-02T19:00:00-05:00",
            "2026-03-09T18:00:00-04:00",
            "2026-03-16T19:00:00-04:00",
            "2026-03-23T19:00:00-04:00",
            "2026-03-30T19:00:00-04:00",
            "2026-04-06T19:00:00-04:00",
            "2026-04-13T19:00:00-04:00",
            "2026-04-20T19:00:00-04:00",
            "2026-04-27T19:00:00-04:00",
        ],
    );
    // Our own checks catch what parsers accept silently.
    assert!(
        !rfc5545_problems(&ics.replace("\r\n", "\n")).is_empty(),
        "LF line ends"
    );
    let no_vtz: String = ics.replacen("TZID:America/New_York", "TZID:Somewhere/Else", 1);
    assert!(
        rfc5545_problems(&no_vtz)
            .iter()
            .any(|p| p.contains("VTIMEZONE"))
    );
    let off_day = ics.replace(
        "DTSTART;TZID=America/New_York:20260202T190000",
        "DTSTART;TZID=America/New_York:20260201T190000",
    );
    assert!(
        rfc5545_problems(&off_day)
            .iter()
            .any(|p| p.contains("not one of"))
    );
}

async fn my_meetings_feed_is_private_and_revocable(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-25T12:00:00Z");
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let private = group(&app, &ana, "Private circle", "private", "invite").await;
    let other = group(&app, &ana, "Other", "public", "open").await;
    meeting(
        &app,
        &ana,
        &private,
        weekly("Private Monday", 1, "19:00", "UTC"),
    )
    .await;
    meeting(
        &app,
        &ana,
        &other,
        weekly("Public Tuesday", 2, "19:00", "UTC"),
    )
    .await;
    let code = invite(&app, &ana, &private, json!({})).await;
    join(&app, &ben, &private, Some(&code)).await;
    let (s, feed) = app.post("/api/v1/me/calendar", &ben, json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    let url = feed["url"].as_str().unwrap();
    assert!(feed["webcal"].as_str().unwrap().starts_with("webcal://"));
    let path = &url[url.find("/me/meetings.ics").unwrap()..];
    let ics = ics_of(&app, path).await;
    assert!(ics.contains("SUMMARY:Private Monday"));
    assert!(!ics.contains("Public Tuesday"), "only my groups");
    assert_eq!(rfc5545_problems(&ics), Vec::<String>::new());
    // Rotating kills the old address; revoking kills all.
    let (_, again) = app.post("/api/v1/me/calendar", &ben, json!({})).await;
    let res = app.http.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let new = again["url"].as_str().unwrap();
    let new_path = &new[new.find("/me/meetings.ics").unwrap()..];
    assert_eq!(
        app.http
            .get(app.url(new_path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let (s, _) = app
        .call(
            reqwest::Method::DELETE,
            "/api/v1/me/calendar",
            Some(&ben),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.http
            .get(app.url(new_path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    for bad in [
        "/me/meetings.ics",
        "/me/meetings.ics?token=",
        "/me/meetings.ics?token=belay_x",
    ] {
        assert_eq!(
            app.http.get(app.url(bad)).send().await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    // The private group's calendar is not public.
    assert_eq!(
        app.http
            .get(app.url(&format!("/groups/{private}/meetings.ics")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn meeting_guide_json(app: &TestApp) -> Vec<Value> {
    let res = app
        .http
        .get(app.url("/meetings.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert_eq!(res.headers()["content-type"], "application/json");
    res.json::<Vec<Value>>().await.unwrap()
}

async fn the_meeting_guide_feed(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-25T12:00:00Z");
    let ana = app.member("ana").await;
    let (s, g) = app
        .post("/api/v1/groups", &ana, json!({"name": "Lakeview", "kind": "community", "visibility": "public", "join": "open", "contact_email": "lakeview@example.org"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let lake = g["slug"].as_str().unwrap().to_owned();
    let mut two_days = weekly("Noon", 1, "12:00", "America/Chicago");
    two_days["days"] = json!([1, 3]);
    two_days["conference_url"] = json!("https://meet.example.net/room");
    meeting(&app, &ana, &lake, two_days).await;
    let mut off = weekly("Paused", 5, "08:00", "America/Chicago");
    off["active"] = json!(false);
    meeting(&app, &ana, &lake, off).await;
    meeting(&app, &ana, &lake, json!({"name": "Monthly", "frequency": "monthly", "days": [6], "month_week": 1, "start_time": "10:00", "time_zone": "UTC", "location": "Hall"})).await;
    let private = group(&app, &ana, "Private", "private", "invite").await;
    meeting(&app, &ana, &private, weekly("Secret", 1, "12:00", "UTC")).await;
    let feed = meeting_guide_json(&app).await;
    let slugs: Vec<&str> = feed.iter().map(|m| m["slug"].as_str().unwrap()).collect();
    assert_eq!(
        slugs,
        ["lakeview-noon-1", "lakeview-noon-3", "lakeview-paused"],
        "weekly, public, one per day"
    );
    let noon = &feed[0];
    assert_eq!(
        (
            noon["day"].clone(),
            noon["time"].clone(),
            noon["end_time"].clone()
        ),
        (json!(1), json!("12:00"), json!("13:30"))
    );
    assert_eq!(noon["timezone"], "America/Chicago");
    assert_eq!(noon["approximate"], "no");
    assert_eq!(noon["types"], json!(["O", "D"]));
    assert_eq!(noon["group"], "Lakeview");
    assert!(
        noon.get("conference_url").is_none(),
        "not a provider consumers accept"
    );
    assert!(
        noon["notes"]
            .as_str()
            .unwrap()
            .ends_with("Online: https://meet.example.net/room")
    );
    assert!(
        noon.get("contact_1_email").is_none(),
        "contact stays private unless published"
    );
    assert!(noon["updated"].as_str().unwrap().len() == 19);
    assert!(
        noon["url"]
            .as_str()
            .unwrap()
            .ends_with("/meetings/lakeview-noon")
    );
    assert_eq!(
        feed[2]["types"],
        json!(["O", "D", "TC"]),
        "a paused meeting is temporarily closed"
    );
    app.put(&format!("/api/v1/groups/{lake}"), &ana, json!({"name": "Lakeview", "kind": "community", "visibility": "public", "join": "open", "contact_email": "lakeview@example.org", "contact_public": true})).await;
    let feed = meeting_guide_json(&app).await;
    assert_eq!(feed[0]["contact_1_email"], "lakeview@example.org");
    for m in &feed {
        for key in m.as_object().unwrap().keys() {
            assert!(!key.contains("member") && !key.contains("handle"), "{key}");
        }
    }
    // Conditional requests, and the same feed compressed for who asks.
    let get = |headers: Vec<(&'static str, String)>| {
        let mut req = app.http.get(app.url("/meetings.json"));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let plain = get(vec![]).await.unwrap();
    let etag = plain.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(plain.headers()["vary"], "Accept-Encoding");
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_bytes = plain.bytes().await.unwrap();
    let gz = get(vec![("accept-encoding", "br, gzip".into())])
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz_etag = gz.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(gz_etag, etag, "each encoding has its own ETag");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, plain_bytes.to_vec(), "the same feed");
    let not_modified = get(vec![("if-none-match", etag.clone())]).await.unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    let not_modified = get(vec![
        ("if-none-match", gz_etag),
        ("accept-encoding", "gzip".into()),
    ])
    .await
    .unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    let refused = get(vec![("accept-encoding", "gzip;q=0".into())])
        .await
        .unwrap();
    assert!(refused.headers().get("content-encoding").is_none());
    // A change makes the old ETag stale.
    app.put(&format!("/api/v1/groups/{lake}"), &ana, json!({"name": "Lakeview Group", "kind": "community", "visibility": "public", "join": "open"})).await;
    let changed = get(vec![("if-none-match", etag)]).await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    // After a change, a burst of consumers gets one build between them.
    let before = app.state.meetings.feed_builds();
    app.put(&format!("/api/v1/groups/{lake}"), &ana, json!({"name": "Lakeview Again", "kind": "community", "visibility": "public", "join": "open"})).await;
    let burst = futures_util::future::join_all((0..8).map(|_| get(vec![]))).await;
    for answer in burst {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body[0]["group"], "Lakeview Again");
    }
    assert_eq!(app.state.meetings.feed_builds(), before + 1, "built once");
    // Another instance's write (this process hears nothing of it), whose
    // time was read before a later-stamped write committed: it moves
    // neither a count nor the newest time, and the feed and the finder
    // must still show it. The finder keeps answers for the minute, so it
    // is asked in the same minute before and after.
    let (s, finder) = app.get("/api/v1/meetings", &ana).await;
    assert_eq!(s, StatusCode::OK);
    assert!(finder.to_string().contains("Lakeview Again"), "{finder}");
    app.exec(
        "update peer_group set name = 'Lakeview Elsewhere', updated_at = '2026-11-25T11:00:00+00:00'
        where name = 'Lakeview Again'",
    )
    .await;
    assert_eq!(
        meeting_guide_json(&app).await[0]["group"],
        "Lakeview Elsewhere"
    );
    let (_, finder) = app.get("/api/v1/meetings", &ana).await;
    assert!(
        finder.to_string().contains("Lakeview Elsewhere"),
        "{finder}"
    );
}

/// What an entry of a sample feed should look like once imported and
/// exported again, by the rules in interop-formats.md (one object per day,
/// `slug-day`; ONL left out; unknown codes dropped; ASBI is ABSI; an
/// address from its parts; the default end an hour after the start;
/// links to unknown providers moved into the notes).
fn expected(entry: &Value, default_zone: &str) -> Vec<BTreeMap<&'static str, String>> {
    let o = entry.as_object().unwrap();
    let text = |k: &str| {
        o.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let days: Vec<u64> = match &o["day"] {
        Value::Array(d) => d.iter().map(|x| x.as_u64().unwrap()).collect(),
        d => vec![d.as_u64().unwrap()],
    };
    let slug = if text("slug").is_empty() {
        belay::groups::model::slugify(&text("name"))
    } else {
        text("slug")
    };
    let mut address = text("formatted_address");
    if address.is_empty() {
        let state_zip = [text("state"), text("postal_code")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        address = [text("address"), text("city"), state_zip, text("country")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
    }
    let approximate = match o.get("approximate").and_then(|v| v.as_str()) {
        Some(a) => a.to_owned(),
        None if !address.is_empty() && address.split(',').count() < 4 => "yes".into(),
        None => "no".into(),
    };
    let types: Vec<String> = o
        .get("types")
        .and_then(|t| t.as_array())
        .map(|t| {
            let mut out: Vec<String> = Vec::new();
            for c in t.iter().filter_map(|c| c.as_str()) {
                let c = if c == "ASBI" { "ABSI" } else { c };
                if c != "ONL"
                    && belay::meetings::model::type_name(c).is_some()
                    && !out.iter().any(|x| x == c)
                {
                    out.push(c.to_owned());
                }
            }
            out
        })
        .unwrap_or_default();
    let url = text("conference_url");
    let (conference_url, notes) = if url.is_empty() || belay::meetings::feed::known_provider(&url) {
        (url, text("notes"))
    } else if text("notes").is_empty() {
        (String::new(), format!("Online: {url}"))
    } else {
        (String::new(), format!("{}\nOnline: {url}", text("notes")))
    };
    let group = [text("group"), text("location"), text("name")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap();
    let zone = if text("timezone").is_empty() {
        default_zone.to_owned()
    } else {
        text("timezone")
    };
    days.iter()
        .map(|d| {
            let mut f = BTreeMap::new();
            f.insert("name", text("name"));
            f.insert(
                "slug",
                if days.len() > 1 {
                    format!("{slug}-{d}")
                } else {
                    slug.clone()
                },
            );
            f.insert("day", d.to_string());
            f.insert("time", text("time"));
            let end = text("end_time");
            f.insert(
                "end_time",
                if end.is_empty() {
                    belay::meetings::feed::default_end(&text("time")).unwrap()
                } else {
                    end
                },
            );
            f.insert("timezone", zone.clone());
            f.insert("formatted_address", address.clone());
            f.insert("approximate", approximate.clone());
            f.insert("types", types.join(","));
            f.insert("conference_url", conference_url.clone());
            f.insert("conference_phone", text("conference_phone"));
            f.insert("notes", notes.clone());
            f.insert("group", group.clone());
            f
        })
        .collect()
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it/data/meeting-guide")
            .join(name),
    )
    .unwrap()
}

pub const SAMPLES: [&str; 5] = [
    "spec-readme-example.json",
    "tsml-ui-unit-fixture.json",
    "tsml-ui-e2e-fixture.json",
    "edge-cases-written-here.json",
    "pdf-fixture-meetings.json",
];

async fn every_sample_feed_imports_and_round_trips(b: Backend) {
    for name in SAMPLES {
        let app = TestApp::spawn(b).await;
        let bytes = sample(name);
        let opts = belay::meetings::feed::ImportOptions {
            default_zone: Some("America/Chicago".parse().unwrap()),
            organiser: None,
            today: app.now().date_naive(),
        };
        let report = belay::meetings::feed::import(&app.state.db, &bytes, &opts, &|_, _| {})
            .await
            .unwrap();
        let entries: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
        let rejected: Vec<usize> = report.rejected.iter().map(|r| r.index).collect();
        // Only the by-appointment entry (no day, no time) is refused.
        let by_appointment: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.get("day").is_none())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(rejected, by_appointment, "{name}: {:?}", report.rejected);
        let want: Vec<BTreeMap<&str, String>> = entries
            .iter()
            .enumerate()
            .filter(|(i, _)| !rejected.contains(i))
            .flat_map(|(_, e)| expected(e, "America/Chicago"))
            .collect();
        let feed = meeting_guide_json(&app).await;
        let got: BTreeMap<String, BTreeMap<&str, String>> = feed
            .iter()
            .map(|m| {
                let m: belay::meetings::feed::FeedMeeting =
                    serde_json::from_value(m.clone()).unwrap();
                (m.slug.clone(), belay::meetings::feed::comparable(&m))
            })
            .collect();
        assert_eq!(got.len(), want.len(), "{name}");
        for w in &want {
            let g = got
                .get(&w["slug"])
                .unwrap_or_else(|| panic!("{name}: {} missing", w["slug"]));
            assert_eq!(g, w, "{name}: field by field");
        }
        // Importing the export again changes nothing but updates by slug.
        let exported = serde_json::to_vec(&feed).unwrap();
        let again = belay::meetings::feed::import(&app.state.db, &exported, &opts, &|_, _| {})
            .await
            .unwrap();
        assert_eq!(
            (again.created, again.updated, again.rejected.len()),
            (0, want.len(), 0),
            "{name}"
        );
        let feed2 = meeting_guide_json(&app).await;
        for (a, b2) in feed.iter().zip(&feed2) {
            let a: belay::meetings::feed::FeedMeeting = serde_json::from_value(a.clone()).unwrap();
            let b2: belay::meetings::feed::FeedMeeting =
                serde_json::from_value(b2.clone()).unwrap();
            assert_eq!(
                belay::meetings::feed::comparable(&a),
                belay::meetings::feed::comparable(&b2),
                "{name}: stable"
            );
        }
    }
}

async fn bad_feeds_are_refused_with_reasons(b: Backend) {
    let app = TestApp::spawn(b).await;
    let opts = belay::meetings::feed::ImportOptions {
        default_zone: None,
        organiser: None,
        today: app.now().date_naive(),
    };
    let import = |bytes: Vec<u8>| {
        let db = app.state.db.clone();
        let opts = &opts;
        async move { belay::meetings::feed::import(&db, &bytes, opts, &|_, _| {}).await }
    };
    use belay::meetings::feed::ImportError;
    assert!(matches!(
        import(b"{\"meetings\": []}".to_vec()).await,
        Err(ImportError::NotArray)
    ));
    assert!(matches!(
        import(b"[]".to_vec()).await,
        Err(ImportError::Empty)
    ));
    assert!(matches!(
        import(b"[{\"name\": ".to_vec()).await,
        Err(ImportError::NotJson(_))
    ));
    assert!(matches!(
        import(vec![b' '; belay::meetings::feed::MAX_FEED_BYTES + 1]).await,
        Err(ImportError::TooLarge)
    ));
    let feed = json!([
        {"name": "Good", "slug": "good", "day": "Tuesday", "time": "6:30 pm", "timezone": "EST", "formatted_address": "1 Main St, Boston, MA 02108, USA", "types": "Open, Big Book, ASBI, XYZ"},
        {"name": "Bad time", "slug": "bad-time", "day": 1, "time": "25:61", "timezone": "UTC", "formatted_address": "x"},
        {"name": "Bad zone", "slug": "bad-zone", "day": 1, "time": "10:00", "timezone": "Mars/Base", "formatted_address": "x"},
        {"name": "No zone", "slug": "no-zone", "day": 1, "time": "10:00", "formatted_address": "x"},
        {"name": "Bad link", "slug": "bad-link", "day": 1, "time": "10:00", "timezone": "UTC", "conference_url": "javascript:alert(1)"},
        {"name": "Bad day", "slug": "bad-day", "day": 9, "time": "10:00", "timezone": "UTC", "formatted_address": "x"},
        {"name": "Dup", "slug": "good", "day": 2, "time": "10:00", "timezone": "UTC", "formatted_address": "x"},
        {"name": "Bad slug", "slug": "a b/c", "day": 2, "time": "10:00", "timezone": "UTC", "formatted_address": "x"},
        "not an object",
        {"name": "Overlong", "slug": "long", "day": 1, "time": "10:00", "end_time": "23:30", "timezone": "UTC", "formatted_address": "x"},
    ]);
    let report = import(serde_json::to_vec(&feed).unwrap()).await.unwrap();
    assert_eq!(report.created, 1);
    let reasons: Vec<(usize, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.index, r.field.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (1, "time"),
            (2, "timezone"),
            (3, "timezone"),
            (4, "conference_url"),
            (5, "day"),
            (6, "slug"),
            (7, "slug"),
            (8, "entry"),
            (9, "end_time")
        ]
    );
    assert!(report.warnings.iter().any(|w| w.reason.contains("XYZ")));
    let (_, m) = app
        .call(reqwest::Method::GET, "/api/v1/meetings/good", None, None)
        .await;
    assert_eq!(
        (
            m["start_time"].as_str(),
            m["time_zone"].as_str(),
            m["days"].clone()
        ),
        (Some("18:30"), Some("America/New_York"), json!([2]))
    );
    let codes: Vec<&str> = m["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["O", "B", "ABSI"]);
    assert_eq!(
        app.scalar("select count(*) from meeting").await,
        1,
        "nothing else written"
    );
    // The admin page says what was wrong too.
    let admin = crate::support::browser::Browser::new(&app);
    admin.sign_up("keeper", "UTC").await;
    app.make_admin("keeper").await;
    let page = admin.get("/admin/meetings/import").await;
    let csrf = page.csrf();
    let page = admin
        .post(
            "/admin/meetings/import",
            &[("csrf", &csrf), ("feed", "{}"), ("timezone", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("not an array"), "{}", page.html);
    let page = admin
        .post(
            "/admin/meetings/import",
            &[
                ("csrf", &csrf),
                ("feed", &serde_json::to_string(&feed).unwrap()),
                ("timezone", "UTC"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Entry 1 (bad-time): time"),
        "{}",
        page.html
    );
}

async fn meetings_are_imported_and_exported_from_the_command_line(b: Backend) {
    let app = TestApp::spawn(b).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.json");
    std::fs::write(&file, sample("edge-cases-written-here.json")).unwrap();
    // The finder keeps its answer for the minute; another process's import
    // (as another instance's would) still shows at once.
    assert_eq!(finder_count(&app).await, 0);
    assert_eq!(finder_count(&app).await, 0);
    let out = crate::cli::belay(
        app.storage(),
        &[
            "import-meetings",
            file.to_str().unwrap(),
            "--timezone",
            "America/New_York",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("6 entries: 6 meetings created, 0 updated"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rejected entry 5 (by-appointment): day is missing"),
        "{stdout}"
    );
    let out = crate::cli::belay(
        app.storage(),
        &[
            "import-meetings",
            file.to_str().unwrap(),
            "--timezone",
            "America/New_York",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 meetings created, 6 updated"));
    assert!(
        finder_count(&app).await > 0,
        "the import shows in the finder at once"
    );
    let out = crate::cli::belay(app.storage(), &["export-meetings"]);
    assert!(out.status.success());
    let feed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(feed.len(), 6);
    let out = crate::cli::belay(
        app.storage(),
        &["import-meetings", "/nonexistent/feed.json"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading /nonexistent/feed.json"));
}

/// How many meetings the finder lists with no filter.
async fn finder_count(app: &TestApp) -> usize {
    let (s, r) = app
        .call(reqwest::Method::GET, "/api/v1/meetings", None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r["meetings"].as_array().unwrap().len()
}
