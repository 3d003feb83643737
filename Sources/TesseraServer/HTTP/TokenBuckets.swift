import NIOConcurrencyHelpers
import NIOCore

/// A request budget: a client may send `burst` requests at once, and earns `perSecond` more
/// every second, up to `burst` again (a token bucket).
public struct RateLimit: Sendable, Equatable {
    /// Requests earned per second; more than zero.
    public var perSecond: Double
    /// Requests that may be sent at once; at least one.
    public var burst: Int

    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }
}

/// Token buckets for any number of clients, with no clock and no lock of its own: callers pass
/// the time (seconds on a monotonic clock), so the arithmetic is tested without sleeping.
///
/// Memory stays bounded: a bucket that has refilled completely is the same as no bucket, so
/// such buckets are dropped on a regular sweep; and when `maximumKeys` clients are still
/// mid-refill, only the most recently seen half is kept (the others start again with a full
/// burst, which errs on the side of letting requests through).
struct TokenBuckets<Key: Hashable & Sendable>: Sendable {
    /// What one request is told.
    enum Decision: Equatable, Sendable {
        case allowed
        /// Refused: one request's worth is earned again in this many whole seconds (at least 1).
        case limited(retryAfter: Int)
    }

    private struct Bucket: Sendable {
        var tokens: Double
        var updated: Double
    }

    let limit: RateLimit
    let maximumKeys: Int
    private var buckets: [Key: Bucket] = [:]
    private var lastSweep: Double?

    init(limit: RateLimit, maximumKeys: Int) {
        self.limit = limit
        self.maximumKeys = max(2, maximumKeys)
    }

    /// Clients currently remembered.
    var count: Int { buckets.count }

    /// Seconds an emptied bucket takes to fill up again.
    private var refillTime: Double { Double(limit.burst) / limit.perSecond }

    /// Spends one request of `key`'s budget at time `now`, if there is one.
    mutating func take(_ key: Key, now: Double) -> Decision {
        sweepIfDue(now: now)
        var bucket = buckets[key].map { refilled($0, now: now) } ?? Bucket(tokens: Double(limit.burst), updated: now)
        let decision: Decision
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            decision = .allowed
        } else {
            // A hair under, so floating-point dust (9.000000000000002) does not round up a second.
            let wait = (1 - bucket.tokens) / limit.perSecond - 1e-6
            decision = .limited(retryAfter: max(1, Int(min(wait.rounded(.up), Double(Int32.max)))))
        }
        buckets[key] = bucket
        return decision
    }

    private func refilled(_ bucket: Bucket, now: Double) -> Bucket {
        // A clock that steps back (it should not: callers use a monotonic one) earns nothing.
        let earned = max(0, now - bucket.updated) * limit.perSecond
        return Bucket(tokens: min(Double(limit.burst), bucket.tokens + earned), updated: max(now, bucket.updated))
    }

    /// Drops full buckets once per refill time (at most a minute, at least a second apart), or
    /// whenever the table is full; then, if it is still three quarters full, keeps only the most
    /// recently seen half, so the next full sweep is many requests away.
    private mutating func sweepIfDue(now: Double) {
        let interval = min(60, max(1, refillTime))
        let due = lastSweep.map { now - $0 >= interval } ?? false
        if lastSweep == nil { lastSweep = now }
        guard due || buckets.count >= maximumKeys else { return }
        lastSweep = now
        let burst = Double(limit.burst)
        buckets = buckets.filter { refilled($0.value, now: now).tokens < burst }
        if buckets.count >= maximumKeys / 4 * 3 {
            let keep = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(maximumKeys / 2)
            buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}

/// `TokenBuckets` shared by concurrent requests, on a monotonic clock.
final class RateLimiter<Key: Hashable & Sendable>: Sendable {
    private let buckets: NIOLockedValueBox<TokenBuckets<Key>>
    private let now: @Sendable () -> Double

    /// - Parameter now: seconds on a monotonic clock; tests pass their own.
    init(limit: RateLimit, maximumKeys: Int, now: @escaping @Sendable () -> Double = RateLimiter.monotonicSeconds) {
        self.buckets = NIOLockedValueBox(TokenBuckets(limit: limit, maximumKeys: maximumKeys))
        self.now = now
    }

    func take(_ key: Key) -> TokenBuckets<Key>.Decision {
        let now = now()
        return buckets.withLockedValue { $0.take(key, now: now) }
    }

    /// Seconds since an arbitrary start, never going back (unlike the wall clock).
    @Sendable static func monotonicSeconds() -> Double {
        Double(NIODeadline.now().uptimeNanoseconds) / 1_000_000_000
    }
}
