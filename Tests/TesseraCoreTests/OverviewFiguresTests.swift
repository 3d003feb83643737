import Foundation
import Testing
import TesseraCore

/// When the dashboard overview may read stored figures instead of counting.
@Suite struct OverviewFiguresTests {
    static let day = 20_000
    static func time(_ seconds: TimeInterval) -> Date { Date(timeIntervalSince1970: TimeInterval(day) * 86_400 + seconds) }

    @Test func aDayIsFinalTenMinutesAfterItEnds() {
        #expect(OverviewFigures.day(of: Self.time(0)) == Self.day)
        #expect(OverviewFigures.day(of: Self.time(-1)) == Self.day - 1)
        // Just after midnight a claim of the day before may still be committing.
        #expect(OverviewFigures.lastFinalDay(at: Self.time(10 * 60 - 1)) == Self.day - 2)
        #expect(OverviewFigures.lastFinalDay(at: Self.time(10 * 60)) == Self.day - 1)
        #expect(OverviewFigures.lastFinalDay(at: Self.time(86_399)) == Self.day - 1)
    }

    @Test func totalsAreStaleAfterTwoMinutesAndViewsRecordedEveryTen() {
        let counted = Self.time(0)
        #expect(!OverviewFigures.totalsAreStale(computedAt: counted, now: Self.time(120)))
        #expect(OverviewFigures.totalsAreStale(computedAt: counted, now: Self.time(120.5)))
        #expect(!OverviewFigures.viewNeedsRecording(viewedAt: counted, now: Self.time(599)))
        #expect(OverviewFigures.viewNeedsRecording(viewedAt: counted, now: Self.time(600)))
    }
}
