import ArgumentParser
import Foundation
import TesseraClient

// The client commands (`tessera seats …`, `tessera customers …`, …) talk to a running server
// through the TesseraClient SDK. This file holds what they share: where the server is, the
// token, `--json`, one-line error reporting with exit codes, and table output. How a command
// makes its call and prints the answer is in Responses.swift.

/// Exit codes of the client commands. Usage errors (a missing or invalid option) are
/// ArgumentParser's: 64 (EX_USAGE).
enum ClientExitCode {
    /// The server answered with an error (4xx, 5xx, or a body the SDK could not read).
    static let apiError = ExitCode(1)
    /// No usable answer: the server could not be reached, or the request timed out.
    static let transportError = ExitCode(3)
}

/// Where the server is and how to authenticate: shared by every client command.
struct ClientOptions: ParsableArguments {
    static let defaultServerURL = "http://127.0.0.1:8000"

    @Option(name: .customLong("server-url"),
            help: ArgumentHelp("The Tessera (or Polar) API to talk to (env TESSERA_SERVER_URL; default \(defaultServerURL)).",
                               valueName: "url"))
    var serverURL: String?

    @Option(help: ArgumentHelp("An organization access token, or the operator token for organizations and tokens (env TESSERA_ACCESS_TOKEN).",
                               valueName: "token"))
    var token: String?

    @Flag(help: "Print the API's JSON exactly as the server sent it instead of a table, for scripts.")
    var json = false

    private static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// `--server-url`, else `TESSERA_SERVER_URL`, else the local default; no trailing slash.
    var resolvedServerURL: String {
        var url = serverURL ?? Self.environment["TESSERA_SERVER_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultServerURL
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `--token`, else `TESSERA_ACCESS_TOKEN`; nil when neither is set.
    var resolvedToken: String? {
        if let token, !token.isEmpty { return token }
        return Self.environment["TESSERA_ACCESS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        let url = resolvedServerURL
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw ValidationError("--server-url (or TESSERA_SERVER_URL) must be an http:// or https:// URL, not '\(url)'")
        }
    }

    /// How long one request may take, unless a command says otherwise.
    static let requestTimeout: Duration = .seconds(30)

    /// A client for the server. Commands that need a token get a usage error without one.
    func makeClient(tokenRequired: Bool, timeout: Duration = Self.requestTimeout) throws -> TesseraClient {
        let token = resolvedToken
        if tokenRequired && token == nil {
            Output.error("this command needs an access token: pass --token or set TESSERA_ACCESS_TOKEN")
            throw ExitCode.validationFailure
        }
        // The SDK's shared HTTP client needs no shutdown. Retries are kept short so that a
        // command line never hangs for minutes, and a refused connection fails at once.
        let retries = RetryConfig.backoff(
            BackoffStrategy(initialInterval: .milliseconds(500), maxInterval: .seconds(4), exponent: 2,
                            maxElapsedTime: .seconds(10)),
            retryConnectionErrors: false)
        return TesseraClient(accessToken: token, server: .url(resolvedServerURL), retryConfig: retries,
                             timeout: timeout)
    }

    /// Runs `body` with a client, turning the SDK's errors into one line on stderr and an exit code.
    func execute(tokenRequired: Bool = true, timeout: Duration = Self.requestTimeout,
                 _ body: (TesseraClient) async throws -> Void) async throws {
        let client = try makeClient(tokenRequired: tokenRequired, timeout: timeout)
        do {
            try await body(client)
        } catch let error as HTTPValidationError {
            Output.error(Self.describe(error))
            throw ClientExitCode.apiError
        } catch let error as APIError {
            Output.error(Self.describe(error))
            throw ClientExitCode.apiError
        } catch let error as TransportError {
            Output.error(describe(error))
            throw ClientExitCode.transportError
        } catch let error as ResponseDecodingError {
            Output.error("unexpected answer from \(resolvedServerURL) (HTTP \(error.statusCode)): "
                + "not a valid \(error.expectedType)")
            throw ClientExitCode.apiError
        } catch let error as EncodingError {
            Output.error("cannot encode the request: \(error)")
            throw ClientExitCode.apiError
        }
    }

    /// `invalid request: body.email: value is not a valid email address; …`
    static func describe(_ error: HTTPValidationError) -> String {
        describe(problems: error.detail)
    }

    static func describe(problems: [HTTPValidationError.Detail]) -> String {
        let problems = problems.map { detail -> String in
            let path = detail.path.joined(separator: ".")
            return path.isEmpty ? detail.msg : "\(path): \(detail.msg)"
        }
        return "invalid request: " + (problems.isEmpty ? "HTTP 422" : problems.joined(separator: "; "))
    }

    /// A bulk assignment row's error, in the words of the same error for a single call.
    static func describe(_ error: BulkSeatError) -> String {
        if let problems = error.validationProblems { return describe(problems: problems) }
        var line = error.error ?? "HTTP \(error.statusCode)"
        if let message = error.message ?? error.detail.map({ "\($0)" }), !message.isEmpty { line += ": \(message)" }
        return error.error == nil ? line : line + " (HTTP \(error.statusCode))"
    }

    /// `SeatNotAvailable: No available seats … (HTTP 400)`
    static func describe(_ error: APIError) -> String {
        let name = error.error ?? "HTTP \(error.statusCode)"
        var message = error.message
        if message == nil, let detail = error.detail { message = "\(detail)" }
        if message == nil, !error.body.isEmpty { message = String(error.body.prefix(200)) }
        var line = name
        if let message, !message.isEmpty { line += ": \(message)" }
        if error.error != nil { line += " (HTTP \(error.statusCode))" }
        return line
    }

    /// `cannot reach http://127.0.0.1:8000: connection refused`
    func describe(_ error: TransportError) -> String {
        let underlying = String(describing: error.underlying)
        let reason: String
        switch error.kind {
        case .connectionFailed:
            let lowered = underlying.lowercased()
            if lowered.contains("refused") {
                reason = "connection refused"
            } else if lowered.contains("reset") {
                reason = "connection reset"
            } else if lowered.contains("resolve") || lowered.contains("lookup") || lowered.contains("dns") {
                reason = "host name not found (\(underlying))"
            } else {
                reason = "connection failed (\(underlying))"
            }
        case .timeout: reason = "timed out"
        case .shutDown: reason = "the HTTP client was shut down"
        case .invalidRequest: reason = "invalid request (\(underlying))"
        case .other: reason = underlying
        }
        return "cannot reach \(resolvedServerURL): \(reason)"
    }
}

/// Printing: JSON for scripts, aligned tables for people, one-line errors on stderr.
enum Output {
    /// Prints an API answer's body exactly as the server sent it (`--json`), ending the line.
    static func raw(_ body: Data) {
        var bytes = body
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        FileHandle.standardOutput.write(bytes)
    }

    /// Prints `value` as pretty JSON with sorted keys: for the answers the API sends no body for.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// `error: …` on stderr, on one line.
    static func error(_ message: String) {
        let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("error: \(line)\n".utf8))
    }

    /// Columns padded to their widest cell, two spaces apart; the last column is not padded.
    static func table(_ headers: [String], _ rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                if index == cells.count - 1 {
                    text += cell
                } else {
                    let width = index < widths.count ? widths[index] : cell.count
                    text += cell + String(repeating: " ", count: max(0, width - cell.count)) + "  "
                }
            }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    /// `Label:  value` lines, labels aligned.
    static func fields(_ pairs: [(String, String)]) -> String {
        let width = pairs.map { $0.0.count }.max() ?? 0
        return pairs.map { label, value in
            "\(label):" + String(repeating: " ", count: width - label.count + 2) + value
        }.joined(separator: "\n")
    }

    /// A date as `2026-04-01T12:00:00Z`, or `-`.
    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(Date.ISO8601FormatStyle())
    }

    /// Cents as `15.00 USD`.
    static func money(_ cents: Int, _ currency: String?) -> String {
        let sign = cents < 0 ? "-" : ""
        let absolute = abs(cents)
        let fraction = absolute % 100
        let amount = "\(sign)\(absolute / 100).\(fraction < 10 ? "0" : "")\(fraction)"
        guard let currency, !currency.isEmpty else { return amount }
        return "\(amount) \(currency.uppercased())"
    }

    /// `page 1 of 3, 25 in all`
    static func pagination(_ pagination: Pagination, page: Int?, noun: String) -> String {
        let total = pagination.totalCount
        let label = "\(total) \(noun)\(total == 1 ? "" : "s")"
        guard pagination.maxPage > 1 else { return label }
        return "\(label) (page \(page ?? 1) of \(pagination.maxPage); use --page)"
    }

    static func or(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "-" }
        return value
    }
}

/// `--page` and `--limit` for list commands.
struct PageOptions: ParsableArguments {
    @Option(help: "The page to show, from 1.")
    var page: Int?

    @Option(help: "Items per page, 1 to 100 (the server's default is 10).")
    var limit: Int?

    func validate() throws {
        if let page, page < 1 { throw ValidationError("--page must be 1 or more") }
        if let limit, !(1...100).contains(limit) { throw ValidationError("--limit must be between 1 and 100") }
    }
}

/// What `--json` prints for commands whose API answer has no body (deletes).
struct DeletedResult: Encodable {
    var id: String
    var deleted = true
}
