//! What money buys: top-ups turn into points, cumulative top-ups into a membership level,
//! packages into a time-boxed membership; and what each level is entitled to. Money is
//! integer fen (CNY cents) everywhere: an `i64`, never a float.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The smallest top-up: 10 yuan.
pub const MIN_TOPUP_FEN: i64 = 1_000;
/// The largest single top-up: 50,000 yuan, far above any real one, so a typo is refused.
pub const MAX_TOPUP_FEN: i64 = 5_000_000;
/// Points per yuan topped up.
pub const POINTS_PER_YUAN: i64 = 2;

/// Points a top-up of `amount_fen` buys; top-ups are whole yuan.
pub fn points_for_topup(amount_fen: i64) -> i64 {
    amount_fen / 100 * POINTS_PER_YUAN
}

/// Membership levels, reached by cumulative top-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Level {
    Normal,
    Bronze,
    Silver,
    Gold,
}

/// Each level and the cumulative top-up (fen) from which it holds, lowest first.
pub const LEVELS: [(Level, i64); 4] = [
    (Level::Normal, 0),
    (Level::Bronze, 1_000),
    (Level::Silver, 6_000),
    (Level::Gold, 20_000),
];

impl Level {
    pub fn for_paid(paid_fen: i64) -> Self {
        LEVELS
            .iter()
            .rev()
            .find(|(_, from)| paid_fen >= *from)
            .map_or(Level::Normal, |(level, _)| *level)
    }

    pub fn parse(name: &str) -> Option<Self> {
        LEVELS
            .iter()
            .map(|(level, _)| *level)
            .find(|l| l.as_str() == name)
    }

    /// The cumulative top-up (fen) from which the level holds.
    pub fn from_fen(self) -> i64 {
        LEVELS
            .iter()
            .find(|(level, _)| *level == self)
            .map_or(0, |(_, from)| *from)
    }

    /// The next level up and the cumulative top-up it starts at.
    pub fn next(self) -> Option<(Level, i64)> {
        LEVELS.iter().copied().find(|(level, _)| *level > self)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Bronze => "bronze",
            Self::Silver => "silver",
            Self::Gold => "gold",
        }
    }
}

/// Features a membership may open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Entitlement {
    WorkplaceNews,
    ViewReports,
    /// Download a report for `REPORT_DOWNLOAD_POINTS` points.
    ReportDownload,
    /// Download reports at no cost.
    FreeReportDownload,
    MockInterview,
    MeetingAssistant,
    CalendarEmailReminders,
    EarlyAccess,
}

/// What a paid report download costs where it is not free.
pub const REPORT_DOWNLOAD_POINTS: i32 = 2;

/// The one table of who may do what: each level has its own line plus every line below it.
const LEVEL_ENTITLEMENTS: [(Level, &[Entitlement]); 4] = [
    (Level::Normal, &[]),
    (
        Level::Bronze,
        &[
            Entitlement::WorkplaceNews,
            Entitlement::ViewReports,
            Entitlement::ReportDownload,
            Entitlement::MockInterview,
        ],
    ),
    (
        Level::Silver,
        &[
            Entitlement::FreeReportDownload,
            Entitlement::MeetingAssistant,
        ],
    ),
    (
        Level::Gold,
        &[
            Entitlement::CalendarEmailReminders,
            Entitlement::EarlyAccess,
        ],
    ),
];

impl Level {
    pub fn entitlements(self) -> Vec<Entitlement> {
        LEVEL_ENTITLEMENTS
            .iter()
            .filter(|(level, _)| *level <= self)
            .flat_map(|(_, granted)| granted.iter().copied())
            .collect()
    }

    pub fn allows(self, entitlement: Entitlement) -> bool {
        self.entitlements().contains(&entitlement)
    }

    /// The lowest level that has `entitlement`.
    pub fn lowest_allowing(entitlement: Entitlement) -> Self {
        LEVELS
            .iter()
            .map(|(level, _)| *level)
            .find(|level| level.allows(entitlement))
            .unwrap_or(Level::Gold)
    }
}

/// Time-boxed memberships: while one runs, its holder has at least `PACKAGE_LEVEL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Package {
    Week,
    Month,
    Quarter,
}

/// The level a running package gives.
pub const PACKAGE_LEVEL: Level = Level::Silver;

impl Package {
    pub const ALL: [Package; 3] = [Package::Week, Package::Month, Package::Quarter];

    pub fn price_fen(self) -> i64 {
        match self {
            Self::Week => 1_990,
            Self::Month => 4_990,
            Self::Quarter => 12_900,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Month => "month",
            Self::Quarter => "quarter",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Fixed lengths in days (a month is 30), so two months bought are exactly twice one.
    pub fn days(self) -> i64 {
        match self {
            Self::Week => 7,
            Self::Month => 30,
            Self::Quarter => 90,
        }
    }

    /// The end of a package bought at `now` by someone whose package runs until `current`:
    /// a running package is extended from its end, a lapsed one starts again from now.
    pub fn extend(self, current: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
        current.filter(|end| *end > now).unwrap_or(now) + Duration::days(self.days())
    }
}

/// The level someone has now: their top-ups' level, raised by a running package.
pub fn effective_level(
    paid_level: Level,
    package_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Level {
    match package_until {
        Some(end) if end > now => paid_level.max(PACKAGE_LEVEL),
        _ => paid_level,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn levels_change_exactly_at_10_60_and_200_yuan() {
        assert_eq!(Level::for_paid(0), Level::Normal);
        assert_eq!(Level::for_paid(999), Level::Normal);
        assert_eq!(Level::for_paid(1_000), Level::Bronze);
        assert_eq!(Level::for_paid(5_999), Level::Bronze);
        assert_eq!(Level::for_paid(6_000), Level::Silver);
        assert_eq!(Level::for_paid(19_999), Level::Silver);
        assert_eq!(Level::for_paid(20_000), Level::Gold);
        assert_eq!(Level::Silver.next(), Some((Level::Gold, 20_000)));
        assert_eq!(Level::Gold.next(), None);
    }

    #[test]
    fn each_level_keeps_what_the_levels_below_it_have() {
        assert!(Level::Normal.entitlements().is_empty());
        assert!(Level::Bronze.allows(Entitlement::ReportDownload));
        assert!(!Level::Bronze.allows(Entitlement::FreeReportDownload));
        assert!(Level::Silver.allows(Entitlement::MockInterview));
        assert!(Level::Silver.allows(Entitlement::FreeReportDownload));
        assert!(!Level::Silver.allows(Entitlement::EarlyAccess));
        assert_eq!(Level::Gold.entitlements().len(), 8);
        assert_eq!(
            Level::lowest_allowing(Entitlement::MockInterview),
            Level::Bronze
        );
        assert_eq!(
            Level::lowest_allowing(Entitlement::EarlyAccess),
            Level::Gold
        );
    }

    #[test]
    fn a_package_extends_a_running_one_from_its_end_and_a_lapsed_one_from_now() {
        let now = Utc.with_ymd_and_hms(2026, 1, 31, 12, 0, 0).unwrap();
        let first = Package::Month.extend(None, now);
        assert_eq!(first, Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap());
        let second = Package::Month.extend(Some(first), now);
        assert_eq!(second, now + Duration::days(60));
        let lapsed = now - Duration::days(1);
        assert_eq!(
            Package::Week.extend(Some(lapsed), now),
            now + Duration::days(7)
        );
    }

    #[test]
    fn top_ups_buy_two_points_a_yuan_and_packages_lift_the_level_while_they_run() {
        assert_eq!(points_for_topup(1_000), 20);
        assert_eq!(points_for_topup(20_000), 400);
        let now = Utc::now();
        let later = now + Duration::days(1);
        assert_eq!(
            effective_level(Level::Normal, Some(later), now),
            Level::Silver
        );
        assert_eq!(effective_level(Level::Gold, Some(later), now), Level::Gold);
        assert_eq!(
            effective_level(Level::Bronze, Some(now), now),
            Level::Bronze
        );
    }
}
