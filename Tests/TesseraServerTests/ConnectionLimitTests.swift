import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import TesseraCore
import TesseraServer
import TesseraStore

/// Idle and request time-outs and the connection cap, on a real server over loopback. Each test
/// sets one limit small and the others large, so a close can only come from the one under test.
/// Waits are bounded (a test fails rather than hangs) and nothing is asserted about speed.
@Suite struct ConnectionLimitTests {
    /// Longest any test waits for something that should happen after a fraction of a second.
    static let patience: Duration = .seconds(20)

    @Test(arguments: Backend.all)
    func anIdleKeptAliveConnectionIsClosed(backend: Backend) async throws {
        // Long enough for the request to arrive on a busy machine (1 s was not, with the load
        // generator, compilers and a second test process sharing two cores), short enough to wait for.
        try await LiveServer.run(backend, configure: {
            $0.connections.idleTimeout = .seconds(5)
        }) { live in
            // On a machine so busy that the server reads nothing for the whole idle time (load 8.6
            // on two cores once did it), the time-out closes the connection before the request is
            // answered, which says nothing about a kept-alive one: then the test tries again.
            for _ in 1...3 {
                let connection = try await live.connect()
                try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                guard let answer = await connection.response(within: Self.patience) else {
                    try #require(!connection.isOpen, "no answer, and the connection is still open")
                    continue
                }
                #expect(answer.hasPrefix("HTTP/1.1 200"))
                #expect(!answer.lowercased().contains("connection: close"), "the server should keep the connection alive")
                #expect(await connection.closed(within: Self.patience), "an idle kept-alive connection stayed open")
                return
            }
            Issue.record("the idle time-out closed three connections before their requests were answered")
        }
    }

    @Test(arguments: Backend.all)
    func aBareConnectionThatSendsNothingIsClosed(backend: Backend) async throws {
        try await LiveServer.run(backend, configure: {
            $0.connections.idleTimeout = .seconds(1)
        }) { live in
            let connection = try await live.connect()
            #expect(await connection.closed(within: Self.patience))
            #expect(connection.received.isEmpty)
        }
    }

    @Test(arguments: Backend.all)
    func aHalfSentRequestHeadIsClosedAtTheRequestDeadline(backend: Backend) async throws {
        // The idle time-out is far longer than the wait: only the request deadline can close it.
        try await LiveServer.run(backend, configure: {
            $0.connections.idleTimeout = .seconds(120)
            $0.connections.requestTimeout = .milliseconds(300)
        }) { live in
            let connection = try await live.connect()
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: loc")
            #expect(await connection.closed(within: Self.patience), "a half-sent head kept its connection")
        }
    }

    @Test(arguments: Backend.all)
    func aTricklingBodyIsClosedAtTheRequestDeadline(backend: Backend) async throws {
        // Each byte restarts Hummingbird's idle timer; the request deadline does not restart.
        try await LiveServer.run(backend, configure: {
            $0.connections.idleTimeout = .seconds(120)
            $0.connections.requestTimeout = .milliseconds(500)
        }) { live in
            let connection = try await live.connect()
            try await connection.send(
                "POST /v1/customer-seats/claim HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000\r\n\r\n{")
            let clock = ContinuousClock()
            let giveUp = clock.now.advanced(by: Self.patience)
            while connection.isOpen, clock.now < giveUp {
                try? await connection.send(" ")
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(!connection.isOpen, "a trickled body kept its connection")
        }
    }

    @Test(arguments: Backend.all)
    func theRequestDeadlineDoesNotCutAConnectionBetweenRequests(backend: Backend) async throws {
        try await LiveServer.run(backend, configure: {
            $0.connections.idleTimeout = .seconds(120)
            $0.connections.requestTimeout = .milliseconds(200)
        }) { live in
            let connection = try await live.connect()
            for _ in 0..<2 {
                try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let answer = try #require(await connection.response(within: Self.patience))
                #expect(answer.hasPrefix("HTTP/1.1 200"))
                // Well past the request deadline, idle between requests.
                try await Task.sleep(for: .milliseconds(600))
                #expect(connection.isOpen)
            }
        }
    }

    @Test(arguments: Backend.all)
    func aConnectionOverTheLimitIsClosedAtOnceAndTheOthersKeepWorking(backend: Backend) async throws {
        let limit = 4
        try await LiveServer.run(backend, configure: {
            $0.connections.maximumConnections = limit
            $0.connections.idleTimeout = .seconds(120)
            $0.connections.requestTimeout = .seconds(120)
        }, holdOneConnection: true) { live in
            // The test framework's client holds the first of the `limit` places.
            var open: [RawConnection] = []
            for _ in 1..<limit {
                let connection = try await live.connect()
                // Answered, so the server has surely counted it before the next one connects.
                try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                #expect(try #require(await connection.response(within: Self.patience)).hasPrefix("HTTP/1.1 200"))
                open.append(connection)
            }

            let refused = try await live.connect()
            #expect(await refused.closed(within: Self.patience), "connection \(limit + 1) was not refused")
            #expect(refused.received.isEmpty)

            for connection in open.dropFirst() { await connection.close() }
            let kept = open[0]
            try await kept.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try #require(await kept.response(within: Self.patience)).hasPrefix("HTTP/1.1 200"))

            // The freed places take new connections again (once the server has seen the closes).
            let clock = ContinuousClock()
            let giveUp = clock.now.advanced(by: Self.patience * 2)
            var answered = false
            while !answered, clock.now < giveUp {
                let fresh = try await live.connect()
                try? await fresh.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                // A refused connection is closed at once; an accepted one may take a while to be
                // answered on a loaded machine (CI's 2 cores run the suites in parallel).
                answered = await fresh.response(within: .seconds(10))?.hasPrefix("HTTP/1.1 200") ?? false
                await fresh.close()
            }
            #expect(answered, "no new connection was accepted after the others closed")
            await kept.close()
        }
    }

    @Test func theOpenFileLimitIsRaisedToTheHardLimit() {
        let raised = OpenFileLimit.raiseToHardLimit()
        #expect(raised != nil)
        #expect(OpenFileLimit.current == raised)
        #expect(ConnectionLimits.defaultMaximumConnections(openFileLimit: 1_024) == 512)
        #expect(ConnectionLimits.defaultMaximumConnections(openFileLimit: 1_048_576) == 4_096)
        #expect(ConnectionLimits.defaultMaximumConnections(openFileLimit: nil) == 4_096)
    }
}

/// A real Tessera server on a free loopback port, over a fresh database.
enum LiveServer {
    /// - Parameter holdOneConnection: first have HummingbirdTesting's client (which connects in
    ///   the background) answered once, so that it surely holds exactly one open connection
    ///   while `body` runs: for tests that count connections. Not with a short idle time-out,
    ///   which may close it before it is used (that client does not reconnect).
    static func run(_ backend: Backend, configure: (inout ServerConfiguration) -> Void, holdOneConnection: Bool = false,
                    _ body: @escaping @Sendable (LiveConnections) async throws -> Void) async throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.publicURL = TestServer.publicURL
        configuration.adminTokenHash = SecretToken.hash(TestServer.adminToken)
        configure(&configuration)
        try await backend.withFreshDatabase { database, _ in
            let app = buildApplication(
                configuration: configuration, database: database, mail: RecordingMailTransport(),
                logger: Logger(label: "tessera-test"), runsBackgroundWorkers: false)
            try await app.test(.live) { client in
                if holdOneConnection {
                    try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
                }
                let live = LiveConnections(port: try #require(client.port))
                // The test's connections are closed before the server stops, whatever happened:
                // graceful shutdown waits for a request still being read.
                do {
                    try await body(live)
                } catch {
                    await live.closeAll()
                    throw error
                }
                await live.closeAll()
            }
        }
    }
}

/// Opens connections to a live server and remembers them, to close them all at the end.
final class LiveConnections: Sendable {
    let port: Int
    private let opened = NIOLockedValueBox<[RawConnection]>([])

    init(port: Int) { self.port = port }

    /// A new connection to the server (from `localAddress`, when given).
    func connect(from localAddress: String? = nil) async throws -> RawConnection {
        let connection = try await RawConnection.open(port: port, from: localAddress)
        opened.withLockedValue { $0.append(connection) }
        return connection
    }

    func closeAll() async {
        for connection in opened.withLockedValue({ $0 }) { await connection.close() }
    }
}

/// A plain TCP connection that writes raw bytes and records what comes back, so tests can send
/// half a request and see whether the server hangs up.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let bytes: NIOLockedValueBox<[UInt8]>

    private init(channel: any Channel, bytes: NIOLockedValueBox<[UInt8]>) {
        self.channel = channel
        self.bytes = bytes
    }

    /// Connects to 127.0.0.1 (from `localAddress`, when given).
    static func open(port: Int, from localAddress: String? = nil) async throws -> RawConnection {
        let bytes = NIOLockedValueBox<[UInt8]>([])
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(bytes: bytes))
                }
            }
        if let localAddress { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: localAddress, port: 0)) }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, bytes: bytes)
    }

    var isOpen: Bool { channel.isActive }

    /// Everything received so far.
    var received: String { String(decoding: bytes.withLockedValue { $0 }, as: UTF8.self) }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Waits for the server to close the connection; false if it is still open after `limit`.
    func closed(within limit: Duration) async -> Bool {
        await waitUntil(limit) { !self.isOpen }
    }

    /// Waits for one whole response (head and `Content-Length` body) and returns it, removing it
    /// from what was received; nil if none came within `limit`, or the server closed the
    /// connection without one.
    func response(within limit: Duration) async -> String? {
        var response: String?
        _ = await waitUntil(limit) {
            self.bytes.withLockedValue { bytes in
                guard let end = Self.endOfResponse(in: bytes) else { return !self.isOpen }
                response = String(decoding: bytes[..<end], as: UTF8.self)
                bytes.removeFirst(end)
                return true
            }
        }
        return response
    }

    func close() async {
        try? await channel.close()
    }

    private func waitUntil(_ limit: Duration, _ condition: () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let giveUp = clock.now.advanced(by: limit)
        while !condition() {
            if clock.now >= giveUp { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    private static func endOfResponse(in bytes: [UInt8]) -> Int? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= separator.count,
              let headEnd = (0...(bytes.count - separator.count)).first(where: {
                  bytes[$0..<($0 + separator.count)].elementsEqual(separator)
              })
        else { return nil }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self).lowercased()
        let length = head.split(separator: "\r\n")
            .first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let end = headEnd + separator.count + length
        return bytes.count >= end ? end : nil
    }

    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes: NIOLockedValueBox<[UInt8]>

        init(bytes: NIOLockedValueBox<[UInt8]>) { self.bytes = bytes }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = Self.unwrapInboundIn(data)
            bytes.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
        }
    }
}
