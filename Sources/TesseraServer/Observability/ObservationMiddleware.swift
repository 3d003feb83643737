import Foundation
import Hummingbird
import Logging
import NIOCore
import TesseraCore
import TesseraStore

/// The outermost middleware: gives every request an id (echoed in `X-Request-Id` and put on the
/// request's logger as `request_id`), counts it in the HTTP metrics, and writes its access-log
/// line. Outermost, so that it sees every answer: unknown routes, refusals of the middleware
/// inside it, and errors that escape them all.
struct ObservationMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    let metrics: TesseraMetrics

    /// The route label of a request that matched no registered route.
    static let unmatchedRoute = "unmatched"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let requestId = RequestId.accept(RequestId.headerName.flatMap { request.headers[$0] })
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestId)
        // Hummingbird's own id (`context.id`) is made the same, so there is one id per request.
        context.logger[metadataKey: "hb.request.id"] = .string(requestId)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = Self.response(for: error, request: request, context: context)
        }
        if let name = RequestId.headerName { response.headers[name] = requestId }

        let elapsed = ContinuousClock.now - started
        let method = TesseraMetrics.normalizedMethod(request.method)
        let route = Self.route(of: context)
        let status = response.status.code
        metrics.requestFinished(method: method, route: route, status: status, duration: elapsed)
        // Built only when info is logged (the metadata is an autoclosure): benchmarks run at `error`.
        context.logger.info("request", metadata: Self.accessLine(
            method: method, route: route, status: status, elapsed: elapsed, caller: context.observation.caller))
        return response
    }

    /// The access line's fields: what was asked, how it ended, and by whom (never a secret).
    static func accessLine(method: String, route: String, status: Int, elapsed: Duration, caller: AccessLogCaller)
        -> Logger.Metadata
    {
        var line: Logger.Metadata = [
            "method": .string(method), "route": .string(route), "status": .stringConvertible(status),
            "duration_ms": .string(milliseconds(elapsed)), "principal": .string(caller.kind),
        ]
        if let id = caller.id { line["principal_id"] = .string(id.wire) }
        return line
    }

    /// The registered path pattern (`/v1/customer-seats/{seat_id}`), never the raw path: the
    /// raw path holds ids and tokens, and would give every request a label of its own.
    static func route(of context: Context) -> String {
        guard let path = context.endpointPath, path != "NotFound" else { return unmatchedRoute }
        return path
    }

    /// An error no middleware inside answered: Hummingbird's answer for its own errors, else a
    /// generic 500, so the id and the access line are there for it too.
    static func response(for error: any Error, request: Request, context: Context) -> Response {
        if let error = error as? any HTTPResponseError, let response = try? error.response(from: request, context: context) {
            return response
        }
        context.logger.error("unexpected error", metadata: ["error": "\(loggableDescription(of: error))"])
        return .json(["error": "InternalServerError", "detail": "An unexpected error occurred."],
                     status: .internalServerError)
    }

    /// Milliseconds with three decimals (microseconds), as text.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let whole = micros / 1000
        let fraction = String(micros % 1000)
        return "\(whole).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
