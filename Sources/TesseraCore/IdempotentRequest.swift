import Crypto
import Foundation

/// A request sent with an `Idempotency-Key` (as Stripe's API takes one): the key, and a hash of
/// the request it came with. The first answer to a key is kept for `lifetime` and replayed for
/// the same request; the same key with another request is refused (`idempotencyKeyReused`).
///
/// Answers can carry secrets (a new access token, a session token, a handed-back invitation),
/// which Tessera otherwise keeps only as hashes. So the key itself is stored only as a hash, and
/// the answer sealed (AES-GCM) with a key derived from it: only a caller who presents the key
/// can read the answer back, and the database alone reveals none of it.
public struct IdempotentRequest: Sendable, Equatable {
    /// How long an answer is replayed.
    public static let lifetime: TimeInterval = 24 * 60 * 60
    public static let maximumKeyLength = 255
    public static let invalidKeyMessage = "Idempotency-Key must be 1 to 255 visible ASCII characters"

    public var key: String
    /// Whose key it is (keys of different callers never meet).
    public var scope: String
    /// SHA-256 of the method, the path with its query, and the body's bytes.
    public var requestHash: String

    /// Nil when the key is not 1 to 255 visible ASCII characters (no spaces or control bytes).
    public init?(key: String, scope: String, method: String, target: String, body: some Sequence<UInt8>) {
        guard (1...Self.maximumKeyLength).contains(key.utf8.count),
              key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        self.key = key
        self.scope = scope
        var hasher = SHA256()
        hasher.update(data: Array("\(method)\n\(target)\n".utf8))
        hasher.update(data: Array(body))
        requestHash = HexText.lowercase(hasher.finalize())
    }

    /// The key as stored and looked up: a hash of the scope and the key.
    public var storedKey: String { SecretToken.hash(scope + "\u{0}" + key) }

    /// The answer's body sealed for storage, readable only with this key.
    public func seal(_ body: some Sequence<UInt8>) throws -> String {
        try AES.GCM.seal(Array(body), using: sealingKey).combined.map { $0.base64EncodedString() } ?? ""
    }

    /// A stored body opened again; throws when it was not sealed with this key.
    public func open(_ sealed: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: sealed) else { throw CryptoKitError.incorrectParameterSize }
        return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: sealingKey))
    }

    private var sealingKey: SymmetricKey {
        SymmetricKey(data: SHA256.hash(data: Data("tessera idempotent answer\u{0}\(scope)\u{0}\(key)".utf8)))
    }

    /// Whether an answer stored at `storedAt` is still replayed at `now`.
    public static func isReplayed(storedAt: Date, at now: Date) -> Bool {
        now.timeIntervalSince(storedAt) < lifetime
    }
}
