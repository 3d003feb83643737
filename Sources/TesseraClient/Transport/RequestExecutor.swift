import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Sends API requests: builds the HTTP request, retries what may be retried, and turns the
/// answer into a model or one of the SDK's errors. Shared by every resource of a client.
struct RequestExecutor: Sendable {
    let baseURL: String
    let accessToken: String?
    let httpClient: HTTPClient
    let retryConfig: RetryConfig
    let clock: any RetryClock
    let timeout: TimeAmount
    let logger: Logger
    /// Whether the server replays a repeated `Idempotency-Key`
    /// (``TesseraClient/Server/honoursIdempotencyKeys``): only then are keyed writes retried
    /// under ``retryConfig`` by default.
    let honoursIdempotencyKeys: Bool
    /// Keeps the last successful answer, for ``TesseraClient/withRawResponse(isolation:_:)``; nil otherwise.
    var recorder: ResponseRecorder? = nil

    /// Largest response body read; a bigger one is a transport error.
    static let maximumBodySize = 16 << 20
    static let userAgent = "tessera-swift-sdk/1.0"

    // MARK: Entry points

    /// Sends `request` and decodes a 2xx body as `Response`.
    func send<Response: Decodable>(_ request: APIRequest, retries: RetryConfig?, as type: Response.Type = Response.self)
        async throws -> Response
    {
        let (response, summary) = try await execute(request, retries: retries)
        try Self.throwIfFailed(response, summary: summary)
        do {
            let value = try WireCoding.decoder().decode(Response.self, from: response.body)
            recorder?.record(response)
            return value
        } catch {
            throw ResponseDecodingError(
                statusCode: response.status, expectedType: String(describing: Response.self), underlying: error,
                body: response.text, headers: response.headers, request: summary)
        }
    }

    /// Sends `request`, expecting a success with no body worth reading (204 No Content).
    func sendExpectingNoContent(_ request: APIRequest, retries: RetryConfig?) async throws {
        let (response, summary) = try await execute(request, retries: retries)
        try Self.throwIfFailed(response, summary: summary)
        recorder?.record(response)
    }

    // MARK: Retries

    /// The configuration a call follows: its own `retries:`, else the client's for a request
    /// that is safe to repeat (by contract, or by its idempotency key on a server that honours
    /// keys), else none.
    func configuration(for request: APIRequest, retries: RetryConfig?) -> RetryConfig {
        if let retries { return retries }
        let keyed = request.idempotencyKey != nil && honoursIdempotencyKeys
        return request.safeToRetry || keyed ? retryConfig : .none
    }

    /// Sends the request, repeating it as the retry configuration says; returns the last answer
    /// or throws the last transport error.
    func execute(_ request: APIRequest, retries: RetryConfig?) async throws -> (HTTPAnswer, RequestSummary) {
        let config = configuration(for: request, retries: retries)
        let summary = RequestSummary(method: request.method.rawValue, url: url(for: request))
        let start = clock.now()
        var retry = 0
        while true {
            let outcome: Result<HTTPAnswer, TransportError>
            do {
                outcome = .success(try await sendOnce(request, summary: summary))
            } catch let error as TransportError {
                outcome = .failure(error)
            }
            guard let delay = retryDelay(after: outcome, retry: retry, config: config),
                  case .backoff(let backoff) = config.strategy,
                  clock.now() - start + delay <= backoff.maxElapsedTime
            else {
                return (try outcome.get(), summary)
            }
            logger.debug("retrying request", metadata: [
                "request": "\(summary)", "retry": "\(retry + 1)", "delay": "\(delay)",
                "after": "\(Self.describe(outcome))",
            ])
            try await clock.sleep(for: delay)
            retry += 1
        }
    }

    /// The wait before retrying after `outcome`, or nil when it is not to be retried.
    func retryDelay(after outcome: Result<HTTPAnswer, TransportError>, retry: Int, config: RetryConfig) -> Duration? {
        guard case .backoff(let backoff) = config.strategy else { return nil }
        switch outcome {
        case .success(let response):
            guard RetryConfig.retriedStatusCodes.contains(response.status) || Self.isKeyInUse(response)
            else { return nil }
            if let retryAfter = Self.retryAfter(response.headers, now: clock.currentDate()) { return retryAfter }
        case .failure(let error):
            guard config.retryConnectionErrors, error.isConnectionError else { return nil }
        }
        return backoff.delay(forRetry: retry, random: clock.random())
    }

    /// Whether the answer is Tessera's `409 IdempotencyKeyInUse`: an earlier attempt with the
    /// same key is still running, and a retry once it has finished gets its answer.
    static func isKeyInUse(_ response: HTTPAnswer) -> Bool {
        guard response.status == 409 else { return false }
        let json = try? WireCoding.decoder().decode(JSONValue.self, from: response.body)
        return json?["error"]?.stringValue == "IdempotencyKeyInUse"
    }

    /// A `Retry-After` header as a wait: whole seconds, or an HTTP date (a past date is no wait).
    static func retryAfter(_ headers: HTTPHeaders, now: Date) -> Duration? {
        guard let value = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces), !value.isEmpty
        else { return nil }
        if let seconds = Int(value) { return .seconds(max(seconds, 0)) }
        if let date = HTTPDate.parse(value) { return .seconds(max(date.timeIntervalSince(now), 0)) }
        return nil
    }

    private static func describe(_ outcome: Result<HTTPAnswer, TransportError>) -> String {
        switch outcome {
        case .success(let response): "HTTP \(response.status)"
        case .failure(let error): "\(error.kind)"
        }
    }

    // MARK: One attempt

    func url(for request: APIRequest) -> String {
        var url = baseURL + request.path
        if !request.query.isEmpty { url += "?" + URLEncoding.query(request.query) }
        return url
    }

    private func sendOnce(_ request: APIRequest, summary: RequestSummary) async throws -> HTTPAnswer {
        var http = HTTPClientRequest(url: summary.url)
        http.method = request.method
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "User-Agent", value: Self.userAgent)
        if request.authenticated, let accessToken {
            http.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        }
        if let idempotencyKey = request.idempotencyKey {
            http.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        }
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await httpClient.execute(http, timeout: timeout, logger: logger)
            let body = try await response.body.collect(upTo: Self.maximumBodySize)
            logger.debug("response", metadata: ["request": "\(summary)", "status": "\(response.status.code)"])
            return HTTPAnswer(status: Int(response.status.code), headers: response.headers,
                              body: Data(body.readableBytesView))
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw TransportError(kind: Self.kind(of: error), underlying: error, request: summary)
        }
    }

    /// Sorts an error from the HTTP layer into the kinds retries care about.
    static func kind(of error: any Error) -> TransportError.Kind {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout,
                 .getConnectionFromPoolTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout:
                return .timeout
            case .remoteConnectionClosed:
                return .connectionFailed
            case .alreadyShutdown:
                return .shutDown
            case .invalidURL, .emptyHost, .emptyScheme:
                return .invalidRequest
            default:
                return error.shortDescription.hasPrefix("Unsupported scheme") ? .invalidRequest : .other
            }
        }
        if let error = error as? ChannelError {
            if case .connectTimeout = error { return .timeout }
            return .connectionFailed
        }
        if error is IOError { return .connectionFailed }
        // NIOPosix's NIOConnectionError (refused, unreachable, name not resolved): matched by name
        // so that the SDK needs no dependency on NIOPosix.
        if String(describing: type(of: error)) == "NIOConnectionError" { return .connectionFailed }
        return .other
    }

    // MARK: Answers

    /// Throws ``HTTPValidationError`` or ``APIError`` for anything but a 2xx.
    static func throwIfFailed(_ response: HTTPAnswer, summary: RequestSummary) throws {
        guard !(200..<300).contains(response.status) else { return }
        let json = try? WireCoding.decoder().decode(JSONValue.self, from: response.body)
        if response.status == 422, let detail = json?["detail"], case .array = detail,
           let problems = try? detail.decode(as: [HTTPValidationError.Detail].self)
        {
            throw HTTPValidationError(
                statusCode: response.status, error: json?["error"]?.stringValue, detail: problems,
                body: response.text, headers: response.headers, request: summary)
        }
        throw APIError(
            statusCode: response.status, error: json?["error"]?.stringValue, detail: json?["detail"],
            body: response.text, headers: response.headers, request: summary)
    }
}

/// An HTTP answer, body read in full.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// HTTP dates as `Retry-After` carries them: IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
              let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])),
              let year = Int(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3, (1...31).contains(day), (0...9999).contains(year), time.allSatisfy({ $0 >= 0 })
        else { return nil }
        // Rewritten as an API timestamp, so that one parser (TesseraJSON's) does the calendar
        // arithmetic and checks the hour, minute and second.
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return Timestamp.parse("\(pad(year, 4))-\(pad(monthIndex + 1, 2))-\(pad(day, 2))T"
            + "\(pad(time[0], 2)):\(pad(time[1], 2)):\(pad(time[2], 2))Z")
    }
}
