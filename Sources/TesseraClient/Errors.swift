import Foundation
import NIOHTTP1

/// Every error the SDK throws conforms, so `catch let error as any TesseraSDKError` catches
/// them all. The concrete types are:
///
/// - ``HTTPValidationError``: the server refused the request's input (HTTP 422), with the list
///   of problems;
/// - ``APIError``: any other answer that is not a success (4xx or 5xx), with the decoded
///   `error` name and `detail` when the body has them;
/// - ``TransportError``: no usable answer at all (connection refused, timeout, TLS failure);
/// - ``ResponseDecodingError``: a success whose body does not match the SDK's model.
///
/// Cancelling the calling task throws `CancellationError`, not one of these; a request body
/// that cannot be encoded (a non-finite number in metadata) throws Foundation's `EncodingError`.
public protocol TesseraSDKError: Error, CustomStringConvertible {
    /// The HTTP method and URL of the request that failed.
    var request: RequestSummary { get }
}

/// The method and URL of a request, for error messages and logs (never its credentials).
public struct RequestSummary: Sendable, Hashable, CustomStringConvertible {
    /// `GET`, `POST`, `PATCH` or `DELETE`.
    public var method: String
    /// The full URL, query included.
    public var url: String

    /// A summary of a request.
    public init(method: String, url: String) {
        self.method = method
        self.url = url
    }

    public var description: String { "\(method) \(url)" }
}

/// HTTP 422: the request's input was refused. `detail` lists every problem, each with where
/// it is (`loc`, such as `["body", "email"]`), a message, a machine-readable type and the
/// offending input. Tessera also sends `error: "RequestValidationError"`; Polar sends only
/// `detail`.
public struct HTTPValidationError: TesseraSDKError, Sendable {
    /// One problem with the input.
    public struct Detail: Sendable, Hashable, Codable {
        /// Where the problem is: `["body", "metadata"]`, `["query", "subscription_id"]`, …
        public var loc: [LocationPart]
        /// A human-readable message.
        public var msg: String
        /// A machine-readable kind, such as `missing`, `string_type` or `value_error`.
        public var type: String
        /// The input that was refused, when the server echoes it.
        public var input: JSONValue?

        enum CodingKeys: String, CodingKey {
            case loc, msg, type, input
        }

        /// A problem at `loc`.
        public init(loc: [LocationPart], msg: String, type: String, input: JSONValue? = nil) {
            self.loc = loc
            self.msg = msg
            self.type = type
            self.input = input
        }

        /// The location's string keys, numbers as decimal text: `["body", "prices", "0"]`.
        public var path: [String] { loc.map(\.description) }
    }

    /// One step of a location: an object key or an array index.
    public enum LocationPart: Sendable, Hashable, Codable, CustomStringConvertible {
        case key(String)
        case index(Int)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let index = try? container.decode(Int.self) {
                self = .index(index)
            } else {
                self = .key(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .key(let key): try container.encode(key)
            case .index(let index): try container.encode(index)
            }
        }

        public var description: String {
            switch self {
            case .key(let key): key
            case .index(let index): String(index)
            }
        }
    }

    /// Always 422.
    public let statusCode: Int
    /// `RequestValidationError` from Tessera; nil from Polar.
    public let error: String?
    /// Every problem found.
    public let detail: [Detail]
    /// The response body as received.
    public let body: String
    /// The response headers.
    public let headers: HTTPHeaders
    public let request: RequestSummary

    /// Creates the error (the SDK makes these; tests and wrappers may too).
    public init(statusCode: Int = 422, error: String?, detail: [Detail], body: String, headers: HTTPHeaders,
                request: RequestSummary) {
        self.statusCode = statusCode
        self.error = error
        self.detail = detail
        self.body = body
        self.headers = headers
        self.request = request
    }

    public var description: String {
        let problems = detail.map { "\($0.path.joined(separator: ".")): \($0.msg)" }.joined(separator: "; ")
        return "HTTP 422 validation error on \(request): \(problems)"
    }
}

/// An answer with a status that is neither a success nor a 422 validation error.
///
/// Tessera's bodies are `{"error": "SeatNotAvailable", "detail": "…"}`; authentication errors
/// are `{"error": "invalid_token", "error_description": "…"}`; Polar's are `{"error", "detail"}`
/// or `{"detail"}`, where `detail` may be a string or structured JSON. Whatever arrived is kept
/// in `body`, and `message` is the best human-readable line.
public struct APIError: TesseraSDKError, Sendable {
    /// The HTTP status code.
    public let statusCode: Int
    /// The error's name (`ResourceNotFound`, `SeatNotAvailable`, `insufficient_scope`, …), when the body has one.
    public let error: String?
    /// The `detail` member of the body, when present: usually a string, sometimes structured.
    public let detail: JSONValue?
    /// The response body as received (empty when there was none).
    public let body: String
    /// The response headers (`WWW-Authenticate`, `Retry-After`, …).
    public let headers: HTTPHeaders
    public let request: RequestSummary

    /// Creates the error (the SDK makes these; tests and wrappers may too).
    public init(statusCode: Int, error: String?, detail: JSONValue?, body: String, headers: HTTPHeaders,
                request: RequestSummary) {
        self.statusCode = statusCode
        self.error = error
        self.detail = detail
        self.body = body
        self.headers = headers
        self.request = request
    }

    /// `detail` when it is a string, else the body's `error_description`, else nil.
    public var message: String? {
        if let text = detail?.stringValue { return text }
        return JSONValue.parse(body)?["error_description"]?.stringValue
    }

    public var description: String {
        var text = "HTTP \(statusCode)"
        if let error { text += " \(error)" }
        if let message {
            text += ": \(message)"
        } else if let detail {
            text += ": \(detail)"
        } else if !body.isEmpty {
            text += ": \(body.prefix(200))"
        }
        return text + " (\(request))"
    }
}

/// No usable answer: the connection could not be made or broke, a timeout passed, or the
/// client was shut down. Distinct from ``APIError``: the server may never have seen the request.
public struct TransportError: TesseraSDKError, Sendable {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The connection was refused, reset or closed early, or a name did not resolve.
        case connectionFailed
        /// Connecting, or waiting for the answer, took too long.
        case timeout
        /// The client's `HTTPClient` was already shut down.
        case shutDown
        /// The request could not be built (an invalid server URL, for example).
        case invalidRequest
        /// Anything else below HTTP (a TLS failure, a malformed answer, …).
        case other
    }

    public let kind: Kind
    /// The error from the HTTP layer.
    public let underlying: any Error
    public let request: RequestSummary

    /// Creates the error (the SDK makes these; tests and wrappers may too).
    public init(kind: Kind, underlying: any Error, request: RequestSummary) {
        self.kind = kind
        self.underlying = underlying
        self.request = request
    }

    /// Whether `RetryConfig.retryConnectionErrors` applies to it.
    public var isConnectionError: Bool { kind == .connectionFailed || kind == .timeout }

    public var description: String { "transport error (\(kind)) on \(request): \(underlying)" }
}

/// A success (2xx) whose body does not match the SDK's model.
public struct ResponseDecodingError: TesseraSDKError, Sendable {
    /// The HTTP status code.
    public let statusCode: Int
    /// The model the body should have matched.
    public let expectedType: String
    /// The `DecodingError` (or other error) the decoder threw.
    public let underlying: any Error
    /// The response body as received.
    public let body: String
    /// The response headers.
    public let headers: HTTPHeaders
    public let request: RequestSummary

    /// Creates the error (the SDK makes these; tests and wrappers may too).
    public init(statusCode: Int, expectedType: String, underlying: any Error, body: String, headers: HTTPHeaders,
                request: RequestSummary) {
        self.statusCode = statusCode
        self.expectedType = expectedType
        self.underlying = underlying
        self.body = body
        self.headers = headers
        self.request = request
    }

    public var description: String {
        "HTTP \(statusCode) body is not a valid \(expectedType) (\(request)): \(underlying)"
    }
}

extension JSONValue {
    /// Parses JSON text, or nil when it is not JSON.
    static func parse(_ text: String) -> JSONValue? {
        try? WireCoding.decoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}
