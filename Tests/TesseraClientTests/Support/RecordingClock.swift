import Foundation
import NIOConcurrencyHelpers
import TesseraClient

/// A retry clock that never waits: it records each requested delay and moves its own time
/// forward by it, so elapsed-time limits behave as if the waits had happened.
final class RecordingClock: RetryClock {
    private let state = NIOLockedValueBox<(now: Duration, delays: [Duration])>((.zero, []))
    /// The wall-clock time at the start (for `Retry-After` dates).
    let start: Date
    /// What `random()` returns (jitter).
    let randomValue: Double

    init(start: Date = Date(timeIntervalSince1970: 1_800_000_000), random: Double = 0.5) {
        self.start = start
        self.randomValue = random
    }

    /// The delays asked for, in order.
    var delays: [Duration] { state.withLockedValue { $0.delays } }

    /// The delays in seconds.
    var delaySeconds: [Double] {
        delays.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
    }

    func now() -> Duration { state.withLockedValue { $0.now } }

    func currentDate() -> Date {
        let elapsed = now().components
        return start.addingTimeInterval(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
    }

    func sleep(for duration: Duration) async throws {
        state.withLockedValue {
            $0.now += duration
            $0.delays.append(duration)
        }
    }

    func random() -> Double { randomValue }
}
