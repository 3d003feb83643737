/// When a loop that retries by itself (a background checkpoint, a delivery worker) should log
/// a failure that keeps happening: the first at once, then at most one line per `interval`
/// counting the failures since the last line, and one line when a round succeeds again.
/// Logged every round, a database that stays down wrote several lines a second per loop,
/// burying whatever else the log had to say.
public struct RecurringFailureLog: Sendable {
    public let interval: Duration
    private var unlogged = 0
    private var inRun = 0
    private var lastLine: ContinuousClock.Instant?

    public init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    /// A round failed at `now`. Returns how many failures the line to write now reports (this
    /// one and those held back since the last line), or nil to write nothing.
    public mutating func failure(at now: ContinuousClock.Instant = .now) -> Int? {
        unlogged += 1
        inRun += 1
        if let lastLine, now - lastLine < interval { return nil }
        lastLine = now
        defer { unlogged = 0 }
        return unlogged
    }

    /// A round succeeded. Returns how many rounds had failed in a row before it, to say that the
    /// failures are over, or nil when none had.
    public mutating func success() -> Int? {
        guard inRun > 0 else { return nil }
        defer { inRun = 0; unlogged = 0; lastLine = nil }
        return inRun
    }
}
