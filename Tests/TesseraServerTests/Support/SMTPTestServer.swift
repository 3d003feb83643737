import Foundation
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real SMTP server (aiosmtpd, run by `Support/smtp_server.py` with the conformance venv's
/// Python) for one test: started by `run`, stopped when the test's body returns or throws.
struct SMTPTestServer: Sendable {
    let port: Int
    /// Where the server writes each accepted message as N.eml and N.json.
    let messageDirectory: URL
    /// The test CA's certificate (PEM), when the server uses TLS.
    let caFile: String

    static let user = "tessera"
    static let password = "s3cret"

    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let setupHint =
        "the SMTP tests need aiosmtpd and trustme: run `python3 -m venv conformance/.venv && "
        + "conformance/.venv/bin/pip install -r conformance/requirements.txt` in the package root "
        + "(or point TESSERA_TEST_PYTHON at a Python that has them)"

    /// Starts the server with `arguments` (see smtp_server.py), runs `body`, stops the server.
    static func run(_ arguments: [String] = [], _ body: (SMTPTestServer) async throws -> Void) async throws {
        let python = ProcessInfo.processInfo.environment["TESSERA_TEST_PYTHON"]
            ?? packageRoot.appendingPathComponent("conformance/.venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("no Python at \(python): \(setupHint)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let errorLog = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)

        let server = SMTPTestServer(port: 0, messageDirectory: directory.appendingPathComponent("messages"),
                                    caFile: directory.appendingPathComponent("ca.pem").path)
        let process = try ChildProcess(
            executable: python,
            arguments: [packageRoot.appendingPathComponent("Tests/TesseraServerTests/Support/smtp_server.py").path,
                        "--out", server.messageDirectory.path, "--ca", server.caFile] + arguments,
            standardErrorFile: errorLog.path)

        let stop = {
            // Closing stdin and SIGTERM both stop the script; SIGKILL if it is still there in 10 s.
            process.closePipes()
            process.signal(SIGTERM)
            let killer = DispatchWorkItem { process.signal(SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: killer)
            await process.waitForExit()
            killer.cancel()
        }

        let port: Int
        do {
            port = try await readPort(from: process)
        } catch {
            await stop()
            let log = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw TestFailure("the test SMTP server did not start (\(error)); \(setupHint)\n\(log)")
        }
        do {
            try await body(SMTPTestServer(port: port, messageDirectory: server.messageDirectory, caFile: server.caFile))
            await stop()
        } catch {
            await stop()
            throw error
        }
    }

    /// The first line the script prints, its port; bounded by SIGTERM to the script after 30 s.
    private static func readPort(from process: ChildProcess) async throws -> Int {
        let gotPort = NIOLockedValueBox(false)
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) {
            if !gotPort.withLockedValue({ $0 }) { process.signal(SIGTERM) }
        }
        guard let line = await process.firstLine() else { throw TestFailure("the script exited without printing its port") }
        gotPort.withLockedValue { $0 = true }
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else { throw TestFailure("expected a port, got \(line)") }
        return port
    }

    /// Every message the server accepted, in order of arrival.
    func messages() throws -> [ReceivedMessage] {
        guard FileManager.default.fileExists(atPath: messageDirectory.path) else { return [] }
        let numbers = try FileManager.default.contentsOfDirectory(atPath: messageDirectory.path)
            .filter { $0.hasSuffix(".json") }.compactMap { Int($0.dropLast(5)) }.sorted()
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try numbers.map { number in
            var message = try decoder.decode(
                ReceivedMessage.self, from: Data(contentsOf: messageDirectory.appendingPathComponent("\(number).json")))
            message.raw = try Data(contentsOf: messageDirectory.appendingPathComponent("\(number).eml"))
            return message
        }
    }

    /// The only message the server accepted.
    func onlyMessage() throws -> ReceivedMessage {
        let all = try messages()
        guard all.count == 1, let message = all.first else { throw TestFailure("expected one message, got \(all.count)") }
        return message
    }
}

/// What smtp_server.py recorded about one accepted message.
struct ReceivedMessage: Decodable {
    var mailFrom: String
    var rcptTos: [String]
    var tls: Bool
    var authenticated: Bool
    var login: String?
    var message: Parsed
    /// The message as received (after the server undid dot-stuffing).
    var raw = Data()

    /// The message as Python's email package reads it.
    struct Parsed: Decodable {
        var headers: [[String]]
        var contentType: String
        var defects: [String]
        var parts: [Part]
    }

    struct Part: Decodable {
        var contentType: String
        var charset: String?
        var transferEncoding: String?
        var payloadBase64: String

        var text: String? { Data(base64Encoded: payloadBase64).map { String(decoding: $0, as: UTF8.self) } }
    }

    enum CodingKeys: String, CodingKey {
        case mailFrom, rcptTos, tls, authenticated, login, message
    }

    /// Every value of the header `name` (case-insensitive), decoded by Python.
    func headers(_ name: String) -> [String] {
        message.headers.filter { $0.first?.lowercased() == name.lowercased() }.compactMap { $0.last }
    }
}
