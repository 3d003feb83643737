import Logging
import TesseraStore
import ServiceLifecycle

/// The rhythm shared by the delivery workers: rounds back to back while there is work, a
/// quarter-second pause when a round finds none, and a stop on shutdown. A failed round is
/// logged and the next one tries again, so a database hiccup never ends delivery; failures that
/// go on are logged at most once a minute, and their end once (`RecurringFailureLog`).
enum DeliveryRounds {
    static let idlePause: Duration = .milliseconds(250)

    /// `now` tells the failure log when a round failed (tests hold it still).
    static func run(logger: Logger, worker: String, idlePause: Duration = idlePause,
                    now: () -> ContinuousClock.Instant = { .now }, round: () async throws -> Int) async {
        var failures = RecurringFailureLog(logger: logger, level: .error, failed: "\(worker) round failed",
                                           recovered: "\(worker) rounds working again")
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let handled: Int
            do {
                handled = try await round()
                failures.success()
            } catch {
                failures.failure(error, at: now())
                handled = 0
            }
            if handled == 0 {
                // Cut short by a graceful shutdown: a worker that pauses a minute must not hold
                // the process that long after SIGTERM.
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: idlePause) }
            }
        }
    }
}

/// A background service of work that comes due with time (subscription endings, seat expiries,
/// old idempotent answers): `round` acts on what is due and says how much it handled; none
/// makes the service wait `pause` before it looks again.
struct DueWork: Service {
    let name: String
    let pause: Duration
    let logger: Logger
    let round: @Sendable () async throws -> Int

    func run() async throws {
        await DeliveryRounds.run(logger: logger, worker: name, idlePause: pause, round: round)
    }
}
