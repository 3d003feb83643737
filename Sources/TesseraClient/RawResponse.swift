import Foundation
import NIOConcurrencyHelpers
import NIOHTTP1

/// A call's decoded answer together with the answer as it came over the wire.
///
/// Made by ``TesseraClient/withRawResponse(isolation:_:)`` for programs that pass the API's JSON
/// on unchanged, as the `tessera` command line's `--json` does: ``body`` holds every field the
/// server sent, including any the SDK's models do not have.
public struct RawResponse<Value> {
    /// What the call returned: the decoded model.
    public let value: Value
    /// The HTTP status of the answer; 0 when the call made no request.
    public let statusCode: Int
    /// The answer's headers; empty when the call made no request.
    public let headers: HTTPHeaders
    /// The body exactly as received: empty for a `204 No Content`, or when the call made no request.
    public let body: Data

    /// Whether Tessera answered from its idempotency store (the header `Idempotent-Replayed: true`):
    /// a request with this `Idempotency-Key` had already run, and this is its first answer again.
    public var isReplayed: Bool {
        headers.first(name: "Idempotent-Replayed")?.lowercased() == "true"
    }
}

extension RawResponse: Sendable where Value: Sendable {}

extension TesseraClient {
    /// Runs `call` and returns what it returned together with the status, headers and exact
    /// body of the answer it decoded.
    ///
    /// ```swift
    /// let answer = try await client.withRawResponse { try await $0.subscriptions.get(id: id) }
    /// print(answer.value.status)                     // the SDK's model
    /// FileHandle.standardOutput.write(answer.body)   // the JSON exactly as the server sent it
    /// ```
    ///
    /// `call` is given a client that is this one (same server, token, connections and retries)
    /// but that also keeps its last successful answer; use that client, and only inside `call`.
    /// Make one SDK call there: after several, the answer is the last successful one. Errors are
    /// thrown as the call throws them (``APIError`` and the others carry their own body).
    public func withRawResponse<Value>(
        isolation: isolated (any Actor)? = #isolation, _ call: (TesseraClient) async throws -> Value
    ) async throws -> RawResponse<Value> {
        let recorder = ResponseRecorder()
        var executor = self.executor
        executor.recorder = recorder
        let recording = TesseraClient(server: server, retryConfig: retryConfig, httpClient: httpClient,
                                      ownsHTTPClient: false, executor: executor)
        let value = try await call(recording)
        let answer = recorder.last
        return RawResponse(value: value, statusCode: answer?.status ?? 0, headers: answer?.headers ?? [:],
                           body: answer?.body ?? Data())
    }
}

/// Where a client made by ``TesseraClient/withRawResponse(isolation:_:)`` keeps its last
/// successful answer. Locked because the client is `Sendable`: a caller may share it with
/// other tasks, against the documentation, and that must not be a data race.
final class ResponseRecorder: Sendable {
    private let answer = NIOLockedValueBox<HTTPAnswer?>(nil)

    func record(_ response: HTTPAnswer) {
        answer.withLockedValue { $0 = response }
    }

    var last: HTTPAnswer? {
        answer.withLockedValue { $0 }
    }
}
