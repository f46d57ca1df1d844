//! Dates and date ranges as resumes write them: `Jan 2020 - Present`, `June 2018 – Present`,
//! `2013.9 - 2017.6`, `2015 年 3 月 – 2015 年 5 月`, `2013 – 至今`.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// A month (`YYYY-MM`) or a year (`YYYY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Point {
    pub year: u16,
    pub month: Option<u8>,
}

impl Point {
    /// This month, by the UTC calendar.
    pub fn today() -> Self {
        use chrono::Datelike;
        let today = chrono::Utc::now().date_naive();
        Self {
            year: u16::try_from(today.year()).unwrap_or(u16::MAX),
            month: u8::try_from(today.month()).ok(),
        }
    }

    pub fn label(self) -> String {
        match self.month {
            Some(month) => format!("{:04}-{month:02}", self.year),
            None => format!("{:04}", self.year),
        }
    }

    /// Months since year 0, taking a bare year as its `first` or last month.
    fn months(self, first: bool) -> i32 {
        let month = self.month.map_or(if first { 1 } else { 12 }, i32::from);
        i32::from(self.year) * 12 + month - 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: Point,
    /// `None`: up to now.
    pub end: Option<Point>,
    /// Byte span of the range in the searched text.
    pub span: (usize, usize),
}

impl Range {
    /// Whole months covered, `now` standing in for an open end.
    pub fn months(self, now: Point) -> (i32, i32) {
        let end = self.end.unwrap_or(now);
        (self.start.months(true), end.months(false) + 1)
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

const DATE: &str = r"(?:(?P<sea{n}>spring|summer|fall|autumn|winter) +(?P<sy{n}>(?:19|20)[0-9]{2})|(?P<mon{n}>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? +(?P<my{n}>(?:19|20)[0-9]{2})|(?P<zy{n}>(?:19|20)[0-9]{2}) *年 *(?P<zm{n}>[0-9]{1,2}) *月|(?P<ny{n}>(?:19|20)[0-9]{2}) *[./-] *(?P<nm{n}>[0-9]{1,2})(?-u:\b)|(?P<y{n}>(?:19|20)[0-9]{2}))";

static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    let start = DATE.replace("{n}", "1");
    let end = DATE.replace("{n}", "2");
    // Seasons of several years: `Summer 2012 and 2013`, `Summer 2013, 2014`.
    let seasons = r"(?P<sea3>spring|summer|fall|autumn|winter) +(?P<sy3>(?:19|20)[0-9]{2})(?: *(?:,|and|&) *(?P<sy4>(?:19|20)[0-9]{2}))+";
    Regex::new(&format!(
        r"(?i){seasons}|{start} *(?:-|–|—|~|to|至|到) *(?:{end}|(?P<now>present|now|current|today|至今|现在|今))"
    ))
    .expect("the date range pattern compiles")
});

/// A range whose line breaks before or after its dash (`June 2020 –` / `Present`).
static BROKEN_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    let start = DATE.replace("{n}", "1");
    let end = DATE.replace("{n}", "2");
    let gap = r"[ \t]*(?:\r?\n[ \t]*)?";
    Regex::new(&format!(
        r"(?i){start}{gap}(?:-|–|—|~|to|至|到){gap}(?:{end}|(?P<now>present|now|current|today|至今|现在|今))"
    ))
    .expect("the broken range pattern compiles")
});

/// `text` with the line breaks inside date ranges made spaces: byte for byte the same
/// length, so every offset into it stays true, and each range reads on one line.
pub fn join_broken_ranges(text: &str) -> String {
    let mut joined = text.as_bytes().to_vec();
    for found in BROKEN_RANGE.find_iter(text) {
        for byte in &mut joined[found.start()..found.end()] {
            if matches!(*byte, b'\n' | b'\r') {
                *byte = b' ';
            }
        }
    }
    String::from_utf8(joined).expect("ASCII replaced by ASCII keeps UTF-8")
}

static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:19|20)[0-9]{2}(?-u:\b)").expect("the year pattern compiles")
});

/// Years the ranges cover, overlapping months counted once, to a tenth.
pub fn years_covered(ranges: &[Range], now: Point) -> f64 {
    let mut spans: Vec<(i32, i32)> = ranges.iter().map(|r| r.months(now)).collect();
    spans.sort_unstable();
    let mut months = 0;
    let mut reach = i32::MIN;
    for (start, end) in spans {
        let start = start.max(reach);
        if end > start {
            months += end - start;
        }
        reach = reach.max(end);
    }
    (f64::from(months) / 12.0 * 10.0).round() / 10.0
}

/// Every date range in the text, in order.
pub fn ranges(text: &str) -> Vec<Range> {
    RANGE
        .captures_iter(text)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            if caps.name("sea3").is_some() {
                return Some(Range {
                    start: point(&caps, "3")?,
                    end: Some(season_end(&caps)?),
                    span: (whole.start(), whole.end()),
                });
            }
            let start = point(&caps, "1")?;
            let end = if caps.name("now").is_some() {
                None
            } else {
                Some(point(&caps, "2")?)
            };
            Some(Range {
                start,
                end,
                span: (whole.start(), whole.end()),
            })
        })
        .collect()
}

/// `Dec`, `June` or `Sept.`: a month's name.
pub fn is_month(word: &str) -> bool {
    let lower = word.trim_end_matches(['.', ',']).to_lowercase();
    lower.len() >= 3 && (lower == "sept" || FULL_MONTHS.iter().any(|full| full.starts_with(&lower)))
}

const FULL_MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The text with its plain years taken out.
pub fn without_years(text: &str) -> String {
    YEAR.replace_all(text, "").into_owned()
}

static POINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i){}", DATE.replace("{n}", "1"))).expect("the date pattern compiles")
});

/// The last date in the text, with its month where it has one (`Stanford University,
/// 2020`, `Dec 2014 | Ithaca, NY`).
pub fn last_date(text: &str) -> Option<Point> {
    POINT
        .captures_iter(text)
        .filter_map(|caps| point(&caps, "1"))
        .last()
}

/// The first month of a season.
fn season_month(name: &str) -> u8 {
    match name.to_lowercase().as_str() {
        "spring" => 3,
        "summer" => 6,
        "fall" | "autumn" => 9,
        _ => 12,
    }
}

/// The last month of the last season of `Summer 2012 and 2013`.
fn season_end(caps: &Captures<'_>) -> Option<Point> {
    let month = (season_month(caps.name("sea3")?.as_str()) + 1) % 12 + 1;
    Some(Point {
        year: caps.name("sy4")?.as_str().parse().ok()?,
        month: Some(month),
    })
}

fn point(caps: &Captures<'_>, n: &str) -> Option<Point> {
    let get = |name: &str| caps.name(&format!("{name}{n}")).map(|m| m.as_str());
    let year = |s: &str| s.parse::<u16>().ok();
    let month = |m: u8| (1..=12).contains(&m).then_some(m);
    if let (Some(name), Some(y)) = (get("sea"), get("sy")) {
        return Some(Point {
            year: year(y)?,
            month: Some(season_month(name)),
        });
    }
    if let (Some(name), Some(y)) = (get("mon"), get("my")) {
        let index = MONTHS
            .iter()
            .position(|m| name.to_lowercase().starts_with(m))?;
        return Some(Point {
            year: year(y)?,
            month: Some(index as u8 + 1),
        });
    }
    for (y, m) in [("zy", "zm"), ("ny", "nm")] {
        if let (Some(y), Some(m)) = (get(y), get(m)) {
            return Some(Point {
                year: year(y)?,
                month: Some(month(m.parse().ok()?)?),
            });
        }
    }
    Some(Point {
        year: year(get("y")?)?,
        month: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<(String, Option<String>)> {
        ranges(text)
            .into_iter()
            .map(|r| (r.start.label(), r.end.map(Point::label)))
            .collect()
    }

    #[test]
    fn ranges_in_english_and_chinese() {
        assert_eq!(labels("Jan 2020 - Present"), [("2020-01".into(), None)]);
        assert_eq!(
            labels("Developer, June 2018 - Present; July 2016 - June 2018"),
            [
                ("2018-06".into(), None),
                ("2016-07".into(), Some("2018-06".into()))
            ]
        );
        assert_eq!(
            labels("2015 年 3 月 – 2015 年 5 月"),
            [("2015-03".into(), Some("2015-05".into()))]
        );
        assert_eq!(labels("2013 – 至今"), [("2013".into(), None)]);
        assert_eq!(
            labels("2013.9 - 2017.6"),
            [("2013-09".into(), Some("2017-06".into()))]
        );
        assert!(labels("call 2013 or 131-221-87xxx").is_empty());
        assert_eq!(
            labels("Summer 2012 and 2013"),
            [("2012-06".into(), Some("2013-08".into()))]
        );
        assert_eq!(
            labels("Fall 2013 – Spring 2014"),
            [("2013-09".into(), Some("2014-03".into()))]
        );
        assert!(labels("in 2013, 2014 and 2015").is_empty());
        assert_eq!(
            last_date("Dec 2014 | Ithaca, NY").map(Point::label),
            Some("2014-12".into())
        );
        assert_eq!(
            last_date("MIT, 2022").map(Point::label),
            Some("2022".into())
        );
    }

    #[test]
    fn months_count_whole_months_with_open_ends_up_to_now() {
        let now = Point {
            year: 2020,
            month: Some(12),
        };
        let r = ranges("Jun 2019 - Aug 2019")[0];
        let (a, b) = r.months(now);
        assert_eq!(b - a, 3);
        let (a, b) = ranges("Jan 2020 - Present")[0].months(now);
        assert_eq!(b - a, 12);
    }

    #[test]
    fn a_range_broken_across_lines_reads_as_one() {
        let text =
            "Engineer, Acme, June 2020 –\nPresent\n- Built things\nAnalyst, Beta, 2017\n– 2019\n";
        let joined = join_broken_ranges(text);
        assert_eq!(joined.len(), text.len());
        assert_eq!(
            joined,
            "Engineer, Acme, June 2020 – Present\n- Built things\nAnalyst, Beta, 2017 – 2019\n"
        );
        assert_eq!(ranges(&joined).len(), 2);
    }
}
