import Crypto
import Foundation

/// The server's secret key for the anti-forgery tokens of its HTML forms.
///
/// A form token is the HMAC-SHA256, under this key, of who is filling the form in (a portal
/// session, or one visit to a claim page). Without the key nobody can make a token for a value
/// of their choosing, so a cookie and form field that an attacker planted together never pass,
/// unlike a plain double-submit pair.
///
/// The key never appears in descriptions or logs: `description`, `debugDescription` and
/// reflection all print a placeholder.
public struct FormTokenKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Why a configured secret cannot be used as a key (the message never repeats the secret).
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The shortest configured secret accepted: 32 characters, for example `openssl rand -hex 32`
    /// (64) or `openssl rand -base64 32` (44).
    public static let minimumSecretLength = 32

    private let key: SymmetricKey

    private init(key: SymmetricKey) { self.key = key }

    /// A fresh random 256-bit key. Forms then work on this process only, and only until it stops:
    /// several processes serving the same pages need one configured key (`init(secret:)`).
    public static func random() -> FormTokenKey {
        FormTokenKey(key: SymmetricKey(size: .bits256))
    }

    /// The key derived (HKDF-SHA256) from a configured secret, the same on every process given it.
    /// Derived rather than used as is so that a secret reused elsewhere still yields a key of its own.
    public init(secret: String) throws(Problem) {
        guard secret.count >= Self.minimumSecretLength else {
            throw Problem(description: "the CSRF key must be at least \(Self.minimumSecretLength) characters long")
        }
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), salt: Data("tessera form token key".utf8),
            info: Data(), outputByteCount: 32)
    }

    /// The token for `identity`: URL-safe base64 (43 characters) of its HMAC-SHA256.
    public func token(for identity: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(identity.utf8), using: key)).base64URLEncoded()
    }

    /// Whether `token` is this key's token for `identity`, compared in constant time.
    public func isValid(_ token: String, for identity: String) -> Bool {
        guard let mac = Self.base64URLDecoded(token) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(identity.utf8), using: key)
    }

    private static func base64URLDecoded(_ text: String) -> Data? {
        // A 32-byte MAC is 43 characters; anything longer is not one of ours, and not worth decoding.
        guard text.utf8.count <= 64 else { return nil }
        return Data(base64URLEncoded: text)
    }

    public var description: String { "FormTokenKey(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
