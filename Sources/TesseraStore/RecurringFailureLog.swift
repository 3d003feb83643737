import Logging

/// How a loop that retries by itself (a background checkpoint, a delivery worker) logs a
/// failure that keeps happening: the first at once, then at most one line per `interval`
/// counting the failures since the last line (`failed_rounds`), and one line when a round
/// succeeds again. Logged every round, a database that stays down wrote several lines a second
/// per loop, burying whatever else the log had to say.
public struct RecurringFailureLog: Sendable {
    private let logger: Logger
    private let level: Logger.Level
    private let failedMessage: String
    private let recoveredMessage: String
    private let interval: Duration
    private var unlogged = 0
    private var inRun = 0
    private var lastLine: ContinuousClock.Instant?

    /// `failed` is logged at `level` with the error; `recovered` at `notice`.
    public init(logger: Logger, level: Logger.Level, failed: String, recovered: String,
                interval: Duration = .seconds(60)) {
        self.logger = logger
        self.level = level
        failedMessage = failed
        recoveredMessage = recovered
        self.interval = interval
    }

    /// A round failed with `error` at `now`: logged unless a line was written less than
    /// `interval` before, counting this failure and those held back since the last line.
    public mutating func failure(_ error: any Error, at now: ContinuousClock.Instant = .now) {
        unlogged += 1
        inRun += 1
        if let lastLine, now - lastLine < interval { return }
        lastLine = now
        logger.log(level: level, "\(failedMessage)", metadata: [
            "error": "\(loggableDescription(of: error))", "failed_rounds": "\(unlogged)",
        ])
        unlogged = 0
    }

    /// A round succeeded: after failures, one line counting the rounds that failed in a row.
    public mutating func success() {
        guard inRun > 0 else { return }
        logger.notice("\(recoveredMessage)", metadata: ["failed_rounds": "\(inRun)"])
        inRun = 0
        unlogged = 0
        lastLine = nil
    }
}
