import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TesseraCore

/// A real HTTP server on loopback that records the webhooks it receives and answers with
/// the statuses a test asks for.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        /// Header values by lower-case name.
        var headers: [String: String]
        var body: String
        /// The `Host` the sender named (HTTP types keep it apart from the other headers).
        var authority: String?

        var json: JSONValue { JSONValue.parse(Data(body.utf8)) ?? .null }
        var type: String? { json["type"]?.stringValue }
        var data: JSONValue { json["data"] ?? .null }
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    private let received = NIOLockedValueBox<[Delivery]>([])
    private let statuses = NIOLockedValueBox<[Int]>([])
    private let answerBody = NIOLockedValueBox(ByteBuffer())
    private let port = NIOLockedValueBox<Int?>(nil)

    var deliveries: [Delivery] { received.withLockedValue { $0 } }
    var url: String { url(host: "127.0.0.1") }

    /// The receiver's URL under another name for this machine (such as `localhost`).
    func url(host: String) -> String { "http://\(host):\(port.withLockedValue { $0 } ?? 0)/hooks" }

    /// The next answers, in order; 200 once they run out.
    func answer(_ codes: [Int]) { statuses.withLockedValue { $0 = codes } }

    /// The body of every answer from now on (empty at first).
    func answerBody(_ body: ByteBuffer) { answerBody.withLockedValue { $0 = body } }

    /// Runs the receiver for the duration of `body`.
    static func run<T: Sendable>(_ body: @escaping @Sendable (WebhookReceiver) async throws -> T) async throws -> T {
        let receiver = WebhookReceiver()
        let router = Router()
        router.post("/hooks") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            receiver.received.withLockedValue {
                let headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { first, _ in first })
                $0.append(Delivery(headers: headers, body: String(buffer: bytes), authority: request.head.authority))
            }
            let code = receiver.statuses.withLockedValue { $0.isEmpty ? 200 : $0.removeFirst() }
            return Response(status: HTTPResponse.Status(code: code),
                            body: ResponseBody(byteBuffer: receiver.answerBody.withLockedValue { $0 }))
        }
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                receiver.port.withLockedValue { $0 = channel.localAddress?.port }
                startedContinuation.yield()
            },
            logger: Logger(label: "webhook-receiver"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            for await _ in started { break }
            defer { group.cancelAll() }
            return try await body(receiver)
        }
    }
}
