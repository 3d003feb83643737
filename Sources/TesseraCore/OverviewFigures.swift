import Foundation

/// When the dashboard overview's stored figures may stand in for counting (issue 15, point 6):
/// claims per day once a day is final, seat totals while they are recent.
///
/// A claim's time is taken before its transaction commits, so a claim committed just after
/// midnight may still carry the day before; counting a day only once it ended
/// `finalityMargin` ago keeps such a claim (and the clocks of several processes) from being
/// missed. The claims of days not yet final are counted live, at most a day and the margin.
public enum OverviewFigures {
    public static let finalityMargin: TimeInterval = 10 * 60
    /// Stored seat totals older than this are computed again when the overview is viewed.
    public static let totalsMaximumAge: TimeInterval = 2 * 60
    /// An overview viewed within this long keeps its totals refreshed in the background.
    public static let watchWindow: TimeInterval = 60 * 60
    /// How often a view records that it happened: often enough to stay within `watchWindow`,
    /// rarely enough not to write on every view.
    public static let viewRecordInterval: TimeInterval = 10 * 60
    /// The background refresh leaves totals computed more recently than this (by another
    /// process, or by a view) as they are.
    public static let refreshAge: TimeInterval = 30

    /// The day (since 1970, UTC) that `date` falls in.
    public static func day(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// The newest day whose claims can no longer change at `now`.
    public static func lastFinalDay(at now: Date) -> Int { day(of: now.addingTimeInterval(-finalityMargin)) - 1 }

    /// Whether totals computed at `computedAt` are too old to show at `now`.
    public static func totalsAreStale(computedAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(computedAt) > totalsMaximumAge
    }

    /// Whether a view at `now` should record itself, the last recorded view being `viewedAt`.
    public static func viewNeedsRecording(viewedAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(viewedAt) >= viewRecordInterval
    }
}
