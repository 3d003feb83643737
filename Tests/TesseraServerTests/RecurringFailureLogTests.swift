import Logging
import NIOConcurrencyHelpers
import Testing
@testable import TesseraServer
import TesseraStore

/// A failure that repeats every round is logged once, then once a minute with the count of
/// failures since, and its end once.
@Suite struct RecurringFailureLogTests {
    @Test func failuresAreReportedOncePerIntervalWithTheirCount() {
        var log = RecurringFailureLog(interval: .seconds(60))
        let start = ContinuousClock.now
        #expect(log.success() == nil)
        #expect(log.failure(at: start) == 1)
        // 59 more failures within the minute: held back.
        for second in 1...59 { #expect(log.failure(at: start + .seconds(second)) == nil) }
        // The next line, a minute after the first, counts them all and itself.
        #expect(log.failure(at: start + .seconds(60)) == 60)
        #expect(log.failure(at: start + .seconds(61)) == nil)
        // The end of the run counts every failure in it.
        #expect(log.success() == 62)
        #expect(log.success() == nil)
        // A new run is logged at once, whenever it starts.
        #expect(log.failure(at: start + .seconds(62)) == 1)
    }

    /// A delivery worker whose rounds fail 200 times in a row (a database that is down) writes
    /// one line for them, not 200, and one when its rounds work again.
    @Test func aDeliveryWorkerLogsRepeatedFailuresOnce() async {
        struct Down: Error {}
        let logs = CollectedLogs()
        let rounds = NIOLockedValueBox(0)
        // Its own task, which the 210th round cancels to end the loop.
        await Task {
            await DeliveryRounds.run(logger: logs.logger, worker: "test", idlePause: .milliseconds(1)) {
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
