import Crypto
import Foundation

/// A bearer secret: an invitation token, an access token or a session token.
///
/// 256 bits from the system's secure generator, URL-safe base64, with a kind prefix for
/// access tokens. Only `hash` is ever stored; lookups compare hashes.
public struct SecretToken: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case invitation = ""
        case operatorAccess = "tsr_op_"
        case organizationAccess = "tsr_oat_"
        case customerSession = "tsr_cst_"
        case memberSession = "tsr_mst_"
        case dashboardSession = "tsr_dst_"
    }

    public let value: String

    public init(value: String) { self.value = value }

    /// A fresh random token of the given kind.
    public static func generate(_ kind: Kind) -> SecretToken {
        SecretToken(value: kind.rawValue + Data(RandomBytes.generate(32)).base64URLEncoded())
    }

    /// SHA-256 of the token, hex encoded: what the database keeps.
    public var hash: String { Self.hash(value) }

    public static func hash(_ value: String) -> String {
        HexText.lowercase(SHA256.hash(data: Data(value.utf8)))
    }
}

extension Data {
    /// Base64 with the URL-safe alphabet and no padding: tokens, cursors, form tokens.
    /// The alphabet is swapped byte by byte (Foundation's `replacingOccurrences` went through
    /// `NSString`, three times, for every token made).
    public func base64URLEncoded() -> String {
        let base64 = base64EncodedString()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(base64.utf8.count)
        for byte in base64.utf8 {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: "-"))
            case UInt8(ascii: "/"): bytes.append(UInt8(ascii: "_"))
            case UInt8(ascii: "="): break
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes URL-safe base64, padded or not; nil when `text` is not base64.
    public init?(base64URLEncoded text: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"): bytes.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): bytes.append(UInt8(ascii: "/"))
            default: bytes.append(byte)
            }
        }
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (4 - bytes.count % 4) % 4))
        self.init(base64Encoded: Data(bytes))
    }
}

/// How long the secrets live.
public enum SecretLifetime {
    public static let invitation: TimeInterval = 24 * 60 * 60
    public static let customerSession: TimeInterval = 60 * 60
    /// A dashboard session: a working day, and never longer than the token that opened it.
    public static let dashboardSession: TimeInterval = 8 * 60 * 60
    /// The longest `expires_in` an organization access token may ask for: ten years, in seconds.
    public static let maximumAccessTokenSeconds = 10 * 366 * 24 * 60 * 60
}
