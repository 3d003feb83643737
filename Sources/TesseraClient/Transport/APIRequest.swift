import Foundation
import NIOHTTP1

/// One API call, before it is sent: method, path, query, body, and whether repeating it is safe.
struct APIRequest: Sendable {
    var method: HTTPMethod
    /// The path, starting with `/`, each dynamic segment already percent-encoded.
    var path: String
    var query: [(name: String, value: String)] = []
    var body: Data?
    /// Whether to send the access token (the claim endpoints take none).
    var authenticated = true
    /// Whether the client's retry configuration applies: true for reads and for writes that
    /// are idempotent by contract. A call's own `retries:` applies either way. A request with an
    /// ``idempotencyKey`` is retried by default too, on servers that honour keys.
    var safeToRetry: Bool
    /// The `Idempotency-Key` header, the same on every attempt of the call; nil sends none.
    var idempotencyKey: String?

    init(_ method: HTTPMethod, _ path: String, query: [(name: String, value: String?)] = [], authenticated: Bool = true,
         safeToRetry: Bool) {
        self.method = method
        self.path = path
        self.query = query.compactMap { item in item.value.map { (item.name, $0) } }
        self.authenticated = authenticated
        self.safeToRetry = safeToRetry
    }

    /// A write that a repeat could make act twice (assign, create, claim, …): it carries the
    /// caller's `key`, or a new random one, as its `Idempotency-Key`. The request is made once per
    /// call, so every retry of the call sends the same key, and the server replays its first answer.
    static func keyed(_ method: HTTPMethod, _ path: String, key: String?, authenticated: Bool = true) -> APIRequest {
        var request = APIRequest(method, path, authenticated: authenticated, safeToRetry: false)
        request.idempotencyKey = key ?? newIdempotencyKey()
        return request
    }

    /// A fresh key: a random UUID, in lower case.
    static func newIdempotencyKey() -> String {
        UUID().uuidString.lowercased()
    }

    /// The request with `body` encoded as its JSON body (nil fields are left out).
    func with<Body: Encodable>(body: Body) throws -> APIRequest {
        var copy = self
        copy.body = try WireCoding.encoder().encode(body)
        return copy
    }
}

/// Percent-encoding for path segments and query values: everything but RFC 3986's unreserved
/// characters is encoded, so ids, emails and tokens always stay one segment or one value.
enum URLEncoding {
    private static let unreserved: CharacterSet = {
        var set = CharacterSet()
        set.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return set
    }()

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func query(_ items: [(name: String, value: String)]) -> String {
        items.map { "\(segment($0.name))=\(segment($0.value))" }.joined(separator: "&")
    }
}
