import Foundation

/// When and how the SDK repeats a request that failed in a way worth repeating.
///
/// A request is retried when the server answers 429, 500, 502, 503 or 504, or (with
/// `retryConnectionErrors`) when the connection fails or times out. A request with an
/// `Idempotency-Key` is also retried on Tessera's `409 IdempotencyKeyInUse`: an earlier attempt
/// with the key is still running, and the retry gets its answer once it has finished. A
/// `Retry-After` header, in seconds or as an HTTP date, replaces the computed delay.
///
/// Set one on ``TesseraClient`` for every call and override it per call with `retries:`.
/// The client's configuration applies only to requests that are safe to repeat: reads, writes
/// that are idempotent by contract (such as revoking a seat), and writes that carry an
/// `Idempotency-Key` (assigning a seat, creating a customer, …) on a server that honours keys;
/// see ``TesseraClient`` for the list. On Polar's APIs, which do not document the header,
/// passing `retries:` to a keyed write opts that one call in: do it only when a duplicate is
/// harmless to you. Pass ``RetryConfig/none`` to turn retries off for one call.
public struct RetryConfig: Sendable, Hashable {
    /// Whether to retry at all.
    public enum Strategy: Sendable, Hashable {
        /// Never retry.
        case none
        /// Retry with exponential backoff.
        case backoff(BackoffStrategy)
    }

    /// Backoff, or no retries at all.
    public var strategy: Strategy
    /// Whether a failed or timed-out connection is retried like a 503.
    public var retryConnectionErrors: Bool

    /// A configuration with this strategy.
    public init(strategy: Strategy, retryConnectionErrors: Bool) {
        self.strategy = strategy
        self.retryConnectionErrors = retryConnectionErrors
    }

    /// Exponential backoff with `backoff`, retrying connection errors unless told not to.
    public static func backoff(_ backoff: BackoffStrategy, retryConnectionErrors: Bool = true) -> RetryConfig {
        RetryConfig(strategy: .backoff(backoff), retryConnectionErrors: retryConnectionErrors)
    }

    /// No retries.
    public static let none = RetryConfig(strategy: .none, retryConnectionErrors: false)

    /// The client's default: backoff from 0.5 s growing 1.5× per retry up to 30 s, for at most
    /// 2 minutes in all, each delay shortened by up to 20 % at random; connection errors retried.
    public static let `default` = RetryConfig.backoff(BackoffStrategy(
        initialInterval: .milliseconds(500), maxInterval: .seconds(30), exponent: 1.5,
        maxElapsedTime: .seconds(120), jitter: 0.2))

    /// The status codes that are retried: 429, 500, 502, 503 and 504 (and, for a request with an
    /// `Idempotency-Key`, a 409 whose error is `IdempotencyKeyInUse`).
    public static let retriedStatusCodes: Set<Int> = [429, 500, 502, 503, 504]
}

/// Exponential backoff: the wait before retry *n* (from 0) is
/// `min(initialInterval × exponentⁿ, maxInterval)`, shortened by up to `jitter` (a fraction)
/// at random so that many clients do not retry in lockstep.
///
/// No retry starts once `maxElapsedTime` has passed since the first attempt: a wait that would
/// end after it ends the retries instead, and the last failure is thrown.
public struct BackoffStrategy: Sendable, Hashable {
    /// The wait before the first retry.
    public var initialInterval: Duration
    /// The longest wait between two attempts (a `Retry-After` from the server may be longer).
    public var maxInterval: Duration
    /// How much each wait grows over the previous one.
    public var exponent: Double
    /// How long retrying may go on, counted from the first attempt.
    public var maxElapsedTime: Duration
    /// How much shorter than computed a wait may be, from 0 (exactly as computed) to 1.
    public var jitter: Double

    /// A backoff; `jitter` is clamped to 0…1.
    public init(initialInterval: Duration, maxInterval: Duration, exponent: Double, maxElapsedTime: Duration,
                jitter: Double = 0) {
        self.initialInterval = initialInterval
        self.maxInterval = maxInterval
        self.exponent = exponent
        self.maxElapsedTime = maxElapsedTime
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The computed wait before retry `retry` (0 for the first), before jitter.
    public func baseDelay(forRetry retry: Int) -> Duration {
        let initial = initialInterval.seconds
        guard initial > 0 else { return .zero }
        let grown = initial * pow(max(exponent, 0), Double(max(retry, 0)))
        let capped = min(grown.isFinite ? grown : maxInterval.seconds, maxInterval.seconds)
        return .seconds(max(capped, 0))
    }

    /// The wait before retry `retry`, with jitter drawn from `random` (a number in 0..<1).
    func delay(forRetry retry: Int, random: Double) -> Duration {
        let base = baseDelay(forRetry: retry).seconds
        return .seconds(base * (1 - jitter * random))
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Where the retry logic reads the time and waits. The default, ``SystemRetryClock``, uses the
/// system's clocks; tests pass one that records the requested waits and returns at once.
public protocol RetryClock: Sendable {
    /// A monotonic reading; only differences between two readings matter.
    func now() -> Duration
    /// The wall-clock time, to turn a `Retry-After` HTTP date into a wait.
    func currentDate() -> Date
    /// Waits `duration` (throws `CancellationError` if the task is cancelled).
    func sleep(for duration: Duration) async throws
    /// A random number in 0..<1 for jitter.
    func random() -> Double
}

extension RetryClock {
    /// `Date()`.
    public func currentDate() -> Date { Date() }
    /// `Double.random(in: 0..<1)`.
    public func random() -> Double { Double.random(in: 0..<1) }
}

/// Real time: `ContinuousClock` and `Task.sleep`.
public struct SystemRetryClock: RetryClock {
    private static let origin = ContinuousClock.now

    /// Creates the value.
    /// The system's clocks.
    public init() {}

    public func now() -> Duration { Self.origin.duration(to: ContinuousClock.now) }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
