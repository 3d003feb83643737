import Logging
import NIOConcurrencyHelpers
import Testing
@testable import TesseraServer
import TesseraStore

/// A failure that repeats every round is logged once, then once a minute with the count of
/// failures since, and its end once.
@Suite struct RecurringFailureLogTests {
    @Test func failuresAreReportedOncePerIntervalWithTheirCount() {
        struct Down: Error {}
        let logs = CollectedLogs()
        var log = RecurringFailureLog(logger: logs.logger, level: .warning, failed: "failed", recovered: "again",
                                      interval: .seconds(60))
        func lines() -> [String] {
            logs.lines.map { "\($0.level) \($0.message) \($0.metadata["failed_rounds"] ?? "-")" }
        }
        let start = ContinuousClock.now
        log.success()
        #expect(lines().isEmpty)
        log.failure(Down(), at: start)
        // 59 more failures within the minute: held back.
        for second in 1...59 { log.failure(Down(), at: start + .seconds(second)) }
        #expect(lines() == ["warning failed 1"])
        #expect(logs.lines.first?.metadata["error"]?.contains("Down") == true)
        // The next line, a minute after the first, counts them all and itself.
        log.failure(Down(), at: start + .seconds(60))
        log.failure(Down(), at: start + .seconds(61))
        #expect(lines() == ["warning failed 1", "warning failed 60"])
        // The end of the run counts every failure in it, once.
        log.success()
        log.success()
        #expect(lines().last == "notice again 62" && lines().count == 3)
        // A new run is logged at once, whenever it starts.
        log.failure(Down(), at: start + .seconds(62))
        #expect(lines().last == "warning failed 1")
    }

    /// A delivery worker whose rounds fail 200 times in a row (a database that is down) writes
    /// one line for them, not 200, and one when its rounds work again. Its clock stands still, so
    /// that a slow machine does not see the minute pass (a second line, rightly).
    @Test func aDeliveryWorkerLogsRepeatedFailuresOnce() async {
        struct Down: Error {}
        let logs = CollectedLogs()
        let rounds = NIOLockedValueBox(0)
        let start = ContinuousClock.now
        // Its own task, which the 210th round cancels to end the loop.
        await Task {
            await DeliveryRounds.run(logger: logs.logger, worker: "test", idlePause: .milliseconds(1), now: { start }) {
                let round = rounds.withLockedValue { $0 += 1; return $0 }
                if round <= 200 { throw Down() }
                if round >= 210 { withUnsafeCurrentTask { $0?.cancel() } }
                return 0
            }
        }.value
        let lines = logs.lines
        #expect(lines.map(\.message) == ["test round failed", "test rounds working again"])
        #expect(lines.first?.metadata["failed_rounds"] == "1")
        #expect(lines.last?.metadata["failed_rounds"] == "200")
    }
}
