//! # The clock
//!
//! The one place that owns "now" and what follows from it: unix milliseconds, the creator's day (midnight in
//! `[production] time_zone`), the YouTube quota day (midnight Pacific), RFC 3339 times, work windows and publish
//! slots — on jiff and the IANA tz database (daylight saving followed). Everything else asks here, so tests can
//! drive times and no module computes a day boundary of its own.

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Midnight UTC today as the ledger writes times ("2026-11-22T00:00:00").
pub fn today_start_utc() -> String {
    utc_day_start(now_ms())
}

/// The zone YouTube's daily quota (and upload allowance) resets in: midnight Pacific time.
/// Source: YouTube Data API, "Quota usage" ("Daily quotas reset at midnight Pacific Time").
pub const QUOTA_TIME_ZONE: &str = "America/Los_Angeles";

/// The studio's default zone for publish slots and work windows.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Seoul";

/// A time zone by IANA name (`Asia/Seoul`, `Europe/Berlin`) from the system's tz database, or the copy bundled
/// with jiff where the system has none.
///
/// # Errors
/// A message naming the zone when it is not a known IANA name.
pub fn time_zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    jiff::tz::TimeZone::get(name.trim()).map_err(|_| {
        format!("\"{name}\" is not a time zone name (use an IANA name such as Asia/Seoul or America/New_York)")
    })
}

fn zoned(ms: i64, tz: &jiff::tz::TimeZone) -> jiff::Zoned {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
}

/// Unix ms of `date` at `minute` past midnight in `tz`. A time that does not exist that day (a daylight-saving
/// gap) moves forward by the gap; a time that exists twice takes the first (jiff's "compatible" rule, as RFC 5545).
fn local_ms(date: jiff::civil::Date, minute: i64, tz: &jiff::tz::TimeZone) -> Option<i64> {
    let t = jiff::civil::Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).ok()?;
    let z = date.to_datetime(t).to_zoned(tz.clone()).ok()?;
    Some(z.timestamp().as_millisecond())
}

/// Reads a clock time "HH:MM" (00:00–24:00) as minutes after midnight.
pub fn parse_clock(t: &str) -> Option<i64> {
    let (h, m) = t.trim().split_once(':')?;
    if h.is_empty() || m.len() != 2 || !h.chars().chain(m.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m) || (h == 24 && m == 0)).then_some(h * 60 + m)
}

/// Publishing times (unix ms) for `count` episodes from `after_ms` on: each day's `times` ("HH:MM" wall-clock
/// time in `tz`, whatever daylight saving says that day), at most `per_day` a day, skipping slots already taken.
pub fn publish_slots(
    after_ms: i64,
    count: usize,
    times: &[String],
    tz: &jiff::tz::TimeZone,
    per_day: usize,
    taken: &[i64],
) -> Vec<i64> {
    let mut minutes: Vec<i64> = times
        .iter()
        .filter_map(|t| parse_clock(t))
        .filter(|m| *m < 24 * 60)
        .collect();
    minutes.sort();
    minutes.dedup();
    if minutes.is_empty() || per_day == 0 {
        return Vec::new();
    }
    let first = zoned(after_ms, tz).date();
    let taken_days: Vec<jiff::civil::Date> = taken.iter().map(|t| zoned(*t, tz).date()).collect();
    let mut out = Vec::new();
    let mut day = first;
    for _ in 0..3660 {
        if out.len() >= count {
            break;
        }
        let mut used_today = taken_days.iter().filter(|d| **d == day).count();
        for m in &minutes {
            if out.len() >= count || used_today >= per_day {
                break;
            }
            let Some(at) = local_ms(day, *m, tz) else {
                continue;
            };
            if at > after_ms && !taken.contains(&at) && !out.contains(&at) {
                out.push(at);
                used_today += 1;
            }
        }
        match day.tomorrow() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    out
}

/// The next midnight after `now` (unix ms) in `tz`, as unix ms (23, 24 or 25 hours away around daylight saving).
pub fn next_midnight_ms(now: i64, tz: &jiff::tz::TimeZone) -> i64 {
    let z = zoned(now, tz);
    z.date()
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(tz.clone()).ok())
        .map_or(now + 86_400_000, |m| m.timestamp().as_millisecond())
}

/// When YouTube's daily quota resets: the next midnight in `America/Los_Angeles` (PST/PDT by the real rule:
/// second Sunday of March to first Sunday of November).
pub fn next_quota_reset_ms(now: i64) -> i64 {
    match time_zone(QUOTA_TIME_ZONE) {
        Ok(tz) => next_midnight_ms(now, &tz),
        // Unreachable with jiff's bundled database; a fixed UTC−8 is the safe side (never early).
        Err(_) => next_midnight_ms(now, &jiff::tz::TimeZone::fixed(jiff::tz::offset(-8))),
    }
}

/// A work window "HH:MM-HH:MM" (may wrap past midnight) as minutes after midnight; empty means always (`None`).
///
/// # Errors
/// A message with an example when the text is not such a window (`밤 10시부터`, `22-7`).
pub fn parse_work_window(window: &str) -> Result<Option<(i64, i64)>, String> {
    let w = window.trim();
    if w.is_empty() {
        return Ok(None);
    }
    w.split_once('-')
        .and_then(|(a, b)| Some((parse_clock(a)?, parse_clock(b)?)))
        // Start and end must differ, and a window cannot start at 24:00 (it would never open).
        .filter(|(a, b)| a != b && *a < 24 * 60)
        .map(Some)
        .ok_or_else(|| {
            format!(
                "\"{window}\" is not a work window: write start and end as HH:MM-HH:MM in 24-hour time, e.g. \"22:00-07:00\" for 10 pm to 7 am, or leave it empty for always"
            )
        })
}

/// Whether `now` (unix ms) falls in `window` (see [`parse_work_window`]) in the local time of `tz`. Validation
/// refuses unreadable windows when the config is saved or loaded, so an unreadable one here (never stored) is
/// read as closed, not as always.
pub fn in_work_window(now: i64, window: &str, tz: &jiff::tz::TimeZone) -> bool {
    let (a, b) = match parse_work_window(window) {
        Ok(None) => return true,
        Ok(Some(w)) => w,
        Err(_) => return false,
    };
    let z = zoned(now, tz);
    let minute = i64::from(z.hour()) * 60 + i64::from(z.minute());
    if a <= b {
        (a..b).contains(&minute)
    } else {
        minute >= a || minute < b
    }
}

/// Unix ms as RFC 3339 in UTC, to the second ("2026-12-01T10:00:00Z"), as YouTube's `publishAt` takes it.
pub fn rfc3339_utc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms.div_euclid(1000) * 1000)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Unix ms as the creator's wall-clock time in the zone named `zone` ("2026-12-02 09:00 KST"); UTC when the name
/// is unknown.
pub fn local_time_text(ms: i64, zone: &str) -> String {
    let tz = time_zone(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    zoned(ms, &tz).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// Reads an RFC 3339 time with any offset (`…Z`, `…+09:00`, optional fractions) as unix ms.
pub fn parse_rfc3339_utc(s: &str) -> Option<i64> {
    s.trim()
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// The start of the local day (midnight in `tz`) that `ms` falls in, as a UTC time the way the ledger and the
/// jobs table write times ("2026-11-21T15:00:00" for midnight in Seoul): where "today" begins for daily caps, the
/// daily plan and "spent today".
pub fn local_day_start(ms: i64, tz: &jiff::tz::TimeZone) -> String {
    zoned(local_day_start_ms(ms, tz), &jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// The start of the local day (midnight in `tz`) that `ms` falls in, as unix ms.
pub fn local_day_start_ms(ms: i64, tz: &jiff::tz::TimeZone) -> i64 {
    zoned(ms, tz)
        .date()
        .to_zoned(tz.clone())
        .map_or(ms, |z| z.timestamp().as_millisecond())
}

/// Midnight UTC of the day `ms` falls in, as the ledger writes times ("2026-11-22T00:00:00").
pub fn utc_day_start(ms: i64) -> String {
    zoned(ms, &jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%dT00:00:00")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seoul() -> jiff::tz::TimeZone {
        time_zone("Asia/Seoul").unwrap()
    }

    fn ms(s: &str) -> i64 {
        parse_rfc3339_utc(s).unwrap()
    }

    #[test]
    fn publish_slots_follow_the_calendar_and_roll_over() {
        // 2026-11-22 00:00 UTC = 09:00 in Seoul (UTC+9).
        let t0 = 1_795_305_600_000i64;
        let times = vec!["19:00".to_string()];
        let s = publish_slots(t0, 3, &times, &seoul(), 1, &[]);
        // 19:00 KST = 10:00 UTC, on three consecutive days.
        assert_eq!(s[0], t0 + 10 * 3_600_000);
        assert_eq!(s[1] - s[0], 86_400_000);
        assert_eq!(s[2] - s[1], 86_400_000);
        // A taken slot is skipped; two times a day, at most one a day when the upload allowance says so.
        let s2 = publish_slots(t0, 2, &times, &seoul(), 1, &[s[0]]);
        assert_eq!(s2, vec![s[1], s[2]]);
        let two = vec!["12:00".to_string(), "19:00".to_string()];
        let four = publish_slots(t0, 4, &two, &seoul(), 2, &[]);
        assert_eq!(four.len(), 4);
        assert_eq!(four[1] - four[0], 7 * 3_600_000);
        assert!(publish_slots(t0, 2, &["25:00".to_string()], &seoul(), 1, &[]).is_empty());
    }

    #[test]
    fn publish_slots_keep_local_wall_time_across_daylight_saving() {
        // New York moves to EDT on Sunday 8 March 2026 (second Sunday of March): 19:00 local is 00:00 UTC the
        // next day before, 23:00 UTC after. A fixed offset would be an hour off for half the year.
        let ny = time_zone("America/New_York").unwrap();
        let s = publish_slots(
            ms("2026-03-07T12:00:00Z"),
            2,
            &["19:00".into()],
            &ny,
            1,
            &[],
        );
        assert_eq!(rfc3339_utc(s[0]), "2026-03-08T00:00:00Z");
        assert_eq!(rfc3339_utc(s[1]), "2026-03-08T23:00:00Z");
        // And back on Sunday 1 November 2026 (first Sunday of November).
        let s = publish_slots(
            ms("2026-10-31T12:00:00Z"),
            2,
            &["19:00".into()],
            &ny,
            1,
            &[],
        );
        assert_eq!(rfc3339_utc(s[0]), "2026-10-31T23:00:00Z");
        assert_eq!(rfc3339_utc(s[1]), "2026-11-02T00:00:00Z");
        // A time inside the spring-forward gap (02:30 does not exist on 8 March) moves forward by the gap.
        let s = publish_slots(
            ms("2026-03-08T05:00:00Z"),
            1,
            &["02:30".into()],
            &ny,
            1,
            &[],
        );
        assert_eq!(rfc3339_utc(s[0]), "2026-03-08T07:30:00Z");
    }

    #[test]
    fn the_upload_quota_resets_at_midnight_pacific() {
        // 2026-11-22 00:00 UTC (PST, UTC−8): the next Pacific midnight is 08:00 UTC the same day.
        let t0 = 1_795_305_600_000i64;
        assert_eq!(next_quota_reset_ms(t0), t0 + 8 * 3_600_000);
        // Just after that reset, the next is a day later.
        assert_eq!(
            next_quota_reset_ms(t0 + 8 * 3_600_000 + 1),
            t0 + 32 * 3_600_000
        );
    }

    #[test]
    fn the_quota_day_follows_the_real_daylight_saving_rule() {
        // PDT starts on the second Sunday of March (8 March 2026), not 22 February as the old guess had it.
        // On 1 March 2026 Pacific is still PST (UTC−8): midnight is 08:00 UTC.
        assert_eq!(
            rfc3339_utc(next_quota_reset_ms(ms("2026-03-01T12:00:00Z"))),
            "2026-03-02T08:00:00Z"
        );
        // The day PDT starts is 23 hours long: the next midnight after it is 07:00 UTC.
        assert_eq!(
            rfc3339_utc(next_quota_reset_ms(ms("2026-03-08T12:00:00Z"))),
            "2026-03-09T07:00:00Z"
        );
        // PDT ends on the first Sunday of November (1 November 2026), not 18 October.
        assert_eq!(
            rfc3339_utc(next_quota_reset_ms(ms("2026-10-25T12:00:00Z"))),
            "2026-10-26T07:00:00Z"
        );
        assert_eq!(
            rfc3339_utc(next_quota_reset_ms(ms("2026-11-01T12:00:00Z"))),
            "2026-11-02T08:00:00Z"
        );
    }

    #[test]
    fn work_windows_in_local_time_and_unreadable_ones_refused() {
        // 2026-11-22 00:00 UTC = 09:00 in Seoul.
        let t0 = 1_795_305_600_000i64;
        let tz = seoul();
        assert!(in_work_window(t0, "", &tz));
        assert!(in_work_window(t0, "08:00-18:00", &tz));
        assert!(!in_work_window(t0, "10:00-18:00", &tz));
        assert!(
            in_work_window(t0, "22:00-10:00", &tz),
            "wraps past midnight"
        );
        assert!(
            !in_work_window(t0 + 3 * 3_600_000, "22:00-10:00", &tz),
            "12:00 is outside"
        );
        // Unreadable windows are errors with an example, and never "always".
        for bad in [
            "밤 10시부터",
            "nonsense",
            "22-7",
            "22:00",
            "25:00-07:00",
            "07:00-07:00",
        ] {
            let e = parse_work_window(bad).unwrap_err();
            assert!(e.contains("22:00-07:00"), "{e}");
            assert!(!in_work_window(t0, bad, &tz), "{bad}");
        }
        assert_eq!(
            parse_work_window(" 22:00-07:00 ").unwrap(),
            Some((1320, 420))
        );
    }

    #[test]
    fn rfc3339_round_trips_and_reads_offsets() {
        assert_eq!(
            rfc3339_utc(ms("2026-12-01T10:00:00Z")),
            "2026-12-01T10:00:00Z"
        );
        assert_eq!(
            rfc3339_utc(ms("2026-12-01T19:00:00+09:00")),
            "2026-12-01T10:00:00Z"
        );
        assert_eq!(parse_rfc3339_utc("yesterday"), None);
        assert_eq!(
            utc_day_start(ms("2026-12-01T23:59:00Z")),
            "2026-12-01T00:00:00"
        );
        assert!(time_zone("Mars/Olympus").is_err());
    }
}
