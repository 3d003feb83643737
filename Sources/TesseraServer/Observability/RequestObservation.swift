import Foundation
import HTTPTypes
import Hummingbird
import Logging
import TesseraCore
import NIOConcurrencyHelpers

/// Who made a request, as the access log names them: a kind and, where there is one, the id of
/// the credential's record. Never the token itself.
struct AccessLogCaller: Sendable, Equatable {
    /// `operator`, `organization_token`, `portal_session` or `anonymous`.
    var kind: String
    /// The access token's or session's id; nil for the operator token of the environment and
    /// for anonymous callers.
    var id: UUID?

    static let anonymous = AccessLogCaller(kind: "anonymous", id: nil)
}

/// What the layers inside the observation middleware learn about a request that it reports
/// when the request ends. A reference, because request contexts are values: a middleware's
/// change to its own copy never reaches the middleware outside it.
final class RequestObservation: Sendable {
    private let recordedCaller = NIOLockedValueBox(AccessLogCaller.anonymous)

    /// The caller, once authentication has resolved one.
    var caller: AccessLogCaller {
        get { recordedCaller.withLockedValue { $0 } }
        set { recordedCaller.withLockedValue { $0 = newValue } }
    }
}

/// The id of one request: the one the client (or a proxy) sent in `X-Request-Id` when it is
/// safe to repeat in logs and headers, else a new random one.
enum RequestId {
    static let headerName = HTTPField.Name("X-Request-Id")

    /// The most characters an incoming id may have.
    static let maximumLength = 128

    /// `incoming` when it is 1 to 128 characters of `A-Z a-z 0-9 . _ : -` (nothing that could
    /// break a log line or a header), else a fresh id.
    static func accept(_ incoming: String?) -> String {
        if let incoming, isSane(incoming) { return incoming }
        return generate()
    }

    static func isSane(_ id: String) -> Bool {
        let bytes = id.utf8
        guard (1...maximumLength).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                 UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// 16 random bytes in lower-case hex: unique enough to find one request among a server's
    /// lifetime of them, and unguessable, though nothing relies on that.
    static func generate() -> String {
        HexText.lowercase(RandomBytes.generate(16))
    }
}
