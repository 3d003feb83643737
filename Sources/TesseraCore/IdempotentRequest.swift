import Crypto
import Foundation

/// A request sent with an `Idempotency-Key` (as Stripe's API takes one): the key, and a hash of
/// the request it came with. The first answer to a key is kept for `lifetime` and replayed for
/// the same request; the same key with another request is refused (`idempotencyKeyReused`).
public struct IdempotentRequest: Sendable, Equatable {
    /// How long an answer is replayed.
    public static let lifetime: TimeInterval = 24 * 60 * 60
    public static let maximumKeyLength = 255
    public static let invalidKeyMessage = "Idempotency-Key must be 1 to 255 visible ASCII characters"

    public var key: String
    /// SHA-256 of the method, the path with its query, and the body's bytes.
    public var requestHash: String

    /// Nil when the key is not 1 to 255 visible ASCII characters (no spaces or control bytes).
    public init?(key: String, method: String, target: String, body: some Sequence<UInt8>) {
        guard (1...Self.maximumKeyLength).contains(key.utf8.count),
              key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        self.key = key
        var hasher = SHA256()
        hasher.update(data: Array("\(method)\n\(target)\n".utf8))
        hasher.update(data: Array(body))
        requestHash = SecretToken.hex(hasher.finalize())
    }

    /// Whether an answer stored at `storedAt` is still replayed at `now`.
    public static func isReplayed(storedAt: Date, at now: Date) -> Bool {
        now.timeIntervalSince(storedAt) < lifetime
    }
}
