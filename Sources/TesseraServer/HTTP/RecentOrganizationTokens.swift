import Foundation
import NIOConcurrencyHelpers
import TesseraCore

/// Organization access tokens this process read from the database in the last second, by
/// their hash: a merchant's backend calls with one token again and again, and reading it for
/// every call was one database round trip in two for the access check (4,700 checks/s on
/// PostgreSQL against 7,000 claim-info reads, which need no token).
///
/// Only organization tokens are kept (portal and dashboard sessions are read every time), only
/// their hashes are keys, and an unknown token is never remembered. A token deleted through this
/// process is forgotten at once (`forget(tokenId:)`); one deleted by another process sharing the
/// database stops working here within `lifetime`.
final class RecentOrganizationTokens: Sendable {
    private struct Entry {
        var token: AccessToken
        var readAt: Date
    }

    /// How long a token read is trusted without reading it again.
    let lifetime: TimeInterval
    /// The most tokens kept; past it, the memory starts over (a bound against many tokens, not
    /// a policy: a process sees a handful).
    let capacity: Int
    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    init(lifetime: TimeInterval = 1, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The organization token with this hash, if it was read less than `lifetime` before `now`.
    func token(hash: String, at now: Date) -> AccessToken? {
        entries.withLockedValue { entries in
            guard let entry = entries[hash] else { return nil }
            let age = now.timeIntervalSince(entry.readAt)
            guard age >= 0, age < lifetime else {
                entries[hash] = nil
                return nil
            }
            return entry.token
        }
    }

    /// Remembers `token`, just read from the database at `now`; other kinds are ignored.
    func remember(_ token: AccessToken, hash: String, readAt now: Date) {
        guard token.kind == .organization else { return }
        entries.withLockedValue { entries in
            if entries.count >= capacity, entries[hash] == nil { entries.removeAll(keepingCapacity: true) }
            entries[hash] = Entry(token: token, readAt: now)
        }
    }

    /// Notes that the token's use was recorded at `now`, so that the next calls within its
    /// lifetime do not record it again. It is trusted no longer for that.
    func recordedUse(hash: String, at now: Date) {
        entries.withLockedValue { entries in entries[hash]?.token.lastUsedAt = now }
    }

    /// Forgets the token with this id (deleted).
    func forget(tokenId: UUID) {
        entries.withLockedValue { entries in
            entries = entries.filter { $0.value.token.id != tokenId }
        }
    }
}
