import Foundation
import Hummingbird
import Logging
import NIOCore
import TesseraCore
import TesseraStore

/// Turns every error into Tessera's documented JSON error bodies. It is the outermost
/// middleware, so nothing — not an unknown route, not a bug — leaves as an HTML page or a
/// bare 500; an unexpected error is logged and answered with a generic 500 body.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error where Self.answer(for: error) != nil {
            guard let response = Self.response(for: error) else { throw error }
            return response
        } catch is NIOTooManyBytesError {
            let limit = BodyFields.maximumSize
            return .json(["error": "RequestTooLarge",
                          "detail": .string("The request body is larger than the limit of \(limit) bytes (1 MiB).")],
                         status: .contentTooLarge)
        } catch let error as AuthError {
            return Self.response(for: error)
        } catch let refusal as TooManyRequests {
            var response = Response.json(["error": "TooManyRequests", "detail": .string(refusal.detail)],
                                         status: .tooManyRequests)
            response.headers[.retryAfter] = String(refusal.retryAfter)
            return response
        } catch let error as MethodNotAllowed {
            var response = Response.json(
                ["error": "MethodNotAllowed", "detail": .string("Method \(request.method) is not allowed here")],
                status: .methodNotAllowed)
            response.headers[.allow] = error.allowed.map(\.rawValue).sorted().joined(separator: ", ")
            return response
        } catch let error as HTTPError where error.status == .notFound {
            return .json(["error": "ResourceNotFound", "detail": "Not found"], status: .notFound)
        } catch let error as HTTPError {
            return .json(["error": .string(error.status.reasonPhrase.replacingOccurrences(of: " ", with: "")),
                          "detail": .string(error.body ?? error.status.reasonPhrase)],
                         status: error.status)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(loggableDescription(of: error))"])
            return .json(["error": "InternalServerError", "detail": "An unexpected error occurred."],
                         status: .internalServerError)
        }
    }

    /// The status and body of the errors a request's own content causes: a domain refusal, a
    /// validation failure, a conflict with a concurrent change; and of a database that another
    /// process or transaction kept locked, that cancelled a statement past its timeout, that is
    /// full, or that is not answering. A bulk operation answers each row's error with the same.
    /// Nil for any other error.
    static func answer(for error: any Error) -> (HTTPResponse.Status, JSONValue)? {
        if let (detail, _) = unavailability(of: error) {
            return (.serviceUnavailable, ["error": "ServiceUnavailable", "detail": .string(detail)])
        }
        return switch error {
        case let error as TesseraError:
            (error.http.status, ["error": .string(error.http.name), "detail": .string(error.message)])
        case let failure as ValidationFailure:
            (.unprocessableContent, Wire.validationError(failure))
        case let error as DatabaseError where error.isConcurrentChange:
            (.conflict, ["error": "Conflict", "detail": "The request conflicts with a concurrent change. Retry it."])
        default:
            nil
        }
    }

    /// The JSON answer of `answer(for:)`, as a response; a 503 says when to retry.
    static func response(for error: any Error) -> Response? {
        guard let (status, body) = answer(for: error) else { return nil }
        var response = Response.json(body, status: status)
        if let (_, retryAfter) = unavailability(of: error) { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    /// What a 503 says of a database that cannot take the request now, and the seconds after
    /// which to retry it; nil for any other error.
    private static func unavailability(of error: any Error) -> (detail: String, retryAfter: Int)? {
        switch error as? DatabaseError {
        case .busy?:
            ("The database is locked by another process or transaction. Retry the request shortly.",
             databaseRetryAfterSeconds)
        case .statementTimeout?:
            ("The database cancelled the request's statement: it ran past the database's statement timeout. Nothing was changed. Retry the request shortly.",
             databaseRetryAfterSeconds)
        case .unavailable?:
            ("The database is not answering. Retry the request shortly.", databaseRetryAfterSeconds)
        case .storageFull?:
            ("The server's database has no space left for this change; nothing was changed. Reads still work. Retry once an operator has freed space.",
             storageFullRetryAfterSeconds)
        default:
            nil
        }
    }

    /// Seconds a client is told to wait before retrying a request the database refused (locked,
    /// past its statement timeout, or not answering): the lock was already waited for up to the
    /// busy timeout, and the pool reconnects by itself, so soon is enough.
    static let databaseRetryAfterSeconds = 1
    /// The same for a full disk, which lasts until an operator frees space: retrying every
    /// second would only add load to a server that needs a person.
    static let storageFullRetryAfterSeconds = 60

    static func response(for error: AuthError) -> Response {
        switch error {
        case .unauthorized:
            var response = Response.json(["error": "Unauthorized", "detail": "Unauthorized"], status: .unauthorized)
            response.headers[.wwwAuthenticate] = #"Bearer realm="tessera""#
            return response
        case .invalidToken:
            var response = Response.json(
                ["error": "invalid_token",
                 "error_description": "The access token provided is expired, revoked, malformed, or invalid for other reasons."],
                status: .unauthorized)
            response.headers[.wwwAuthenticate] = #"Bearer realm="tessera", error="invalid_token""#
            return response
        case .insufficientScope(let scope):
            var response = Response.json(
                ["error": "insufficient_scope",
                 "error_description": .string("The request requires higher privileges than provided by the access token: \(scope)")],
                status: .forbidden)
            response.headers[.wwwAuthenticate] = #"Bearer realm="tessera", error="insufficient_scope", scope="\#(scope)""#
            return response
        }
    }
}

extension Response {
    /// A JSON response of `value`.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: value.serializedBytes())))
    }

    /// A JSON response of text already written.
    static func json(_ json: JSONWriter, status: HTTPResponse.Status = .ok) -> Response {
        .json(ByteBuffer(bytes: json.bytes), status: status)
    }

    /// A JSON response of text already written into its buffer.
    static func json(_ text: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: text))
    }

    static var noContent: Response { Response(status: .noContent) }
}

/// A known path asked for with a method it does not take.
struct MethodNotAllowed: Error {
    let allowed: Set<HTTPRequest.Method>
}

/// Sits in front of the router's not-found answer only (it is added after every route):
/// a path that exists under other methods gets 405 instead of 404.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(allowedFor: request.uri.path)
            if allowed.isEmpty { throw error }
            throw MethodNotAllowed(allowed: allowed)
        }
    }
}

/// The method and path pattern of every route, so a known path with the wrong method gets
/// 405 rather than the router's 404.
struct RouteTable: Sendable {
    private let patterns: [(method: HTTPRequest.Method, segments: [Substring])]

    init(_ routes: [(HTTPRequest.Method, String)]) {
        patterns = routes.map { ($0.0, $0.1.split(separator: "/")) }
    }

    func methods(allowedFor path: String) -> Set<HTTPRequest.Method> {
        let segments = path.split(separator: "/")
        return Set(patterns.filter { pattern in
            pattern.segments.count == segments.count
                && zip(pattern.segments, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.map(\.method))
    }
}
