import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// A tiny HTTP server that answers every request, whatever its path, with the next of a list
/// of scripted answers (the last one again once the list runs out), and records each request.
final class ScriptedServer: Sendable {
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPFields = [:]
        var body: String = ""
        /// How long to wait before answering.
        var delay: Duration?

        /// A JSON answer.
        static func json(_ status: Int, _ body: String, headers: HTTPFields = [:]) -> Answer {
            var fields = headers
            fields[.contentType] = "application/json"
            return Answer(status: status, headers: fields, body: body)
        }

        /// A JSON error answer with `status`.
        static func status(_ status: Int, headers: HTTPFields = [:]) -> Answer {
            .json(status, #"{"error": "ServiceUnavailable", "detail": "try again"}"#, headers: headers)
        }
    }

    struct Received: Sendable {
        var method: String
        /// Path and query.
        var uri: String
        /// Header values by lower-case name.
        var headers: [String: String]
        var body: String
    }

    private let script: NIOLockedValueBox<[Answer]>
    private let log = NIOLockedValueBox<[Received]>([])

    private init(script: [Answer]) {
        self.script = NIOLockedValueBox(script)
    }

    /// Every request received so far.
    var received: [Received] { log.withLockedValue { $0 } }
    /// How many requests arrived.
    var attempts: Int { received.count }

    private func next(_ request: Received) -> Answer {
        log.withLockedValue { $0.append(request) }
        return script.withLockedValue { answers in
            answers.count > 1 ? answers.removeFirst() : (answers.first ?? Answer(status: 200))
        }
    }

    /// Runs the server for the duration of `body`, which gets it and its base URL.
    static func run(_ answers: [Answer], _ body: @escaping @Sendable (ScriptedServer, String) async throws -> Void)
        async throws
    {
        let server = ScriptedServer(script: answers)
        let router = Router()
        router.add(middleware: ScriptMiddleware(server: server))
        let app = Application(router: router, logger: Logger(label: "scripted-server"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await body(server, "http://localhost:\(port)")
        }
    }

    /// Answers every request from the script; no route is ever reached.
    private struct ScriptMiddleware: RouterMiddleware {
        let server: ScriptedServer

        func handle(_ request: Request, context: BasicRequestContext,
                    next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
            let body = try await request.body.collect(upTo: 1 << 20)
            let headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) },
                                     uniquingKeysWith: { first, _ in first })
            let answer = server.next(Received(method: request.method.rawValue, uri: request.uri.description,
                                              headers: headers, body: String(buffer: body)))
            if let delay = answer.delay { try await Task.sleep(for: delay) }
            return Response(status: .init(code: answer.status), headers: answer.headers,
                            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
    }
}
