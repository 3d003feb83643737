import Logging
import NIOCore
import NIOEmbedded
import Testing
@testable import TesseraServer

/// `RequestDeadlineHandler` on an embedded channel, whose clock moves only when told: one timer
/// per connection, and still each request's whole deadline from its own first byte.
@Suite struct RequestDeadlineTests {
    private static let timeout = TimeAmount.seconds(1)

    private func connection() throws -> (EmbeddedChannel, RequestDeadlineHandler) {
        let handler = RequestDeadlineHandler(timeout: Self.timeout, logger: Logger(label: "tessera-test"))
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, handler)
    }

    private func send(_ text: String, on channel: EmbeddedChannel) throws {
        try channel.writeInbound(ByteBuffer(string: text))
        _ = try channel.readInbound(as: ByteBuffer.self)
    }

    @Test func aRequestNotReadInFullByItsDeadlineClosesTheConnection() throws {
        let (channel, _) = try connection()
        try send("GET /healthz HTTP/1.1\r\nHost: loc", on: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    /// The timer the first request armed fires during the second: it must wait for the second's
    /// own deadline rather than close at the first's.
    @Test func aLaterRequestGetsItsOwnWholeDeadline() throws {
        let (channel, handler) = try connection()
        try send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", on: channel)
        handler.requestEnded()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(600))
        try send("GET /healthz HTTP/1.1\r\nHost: loc", on: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(channel.isActive, "the first request's deadline closed the second request")
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test func aConnectionIdleBetweenRequestsIsNeverClosedByTheDeadline() throws {
        let (channel, handler) = try connection()
        for _ in 0..<3 {
            try send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", on: channel)
            handler.requestEnded()
            channel.embeddedEventLoop.advanceTime(by: .seconds(5))
            #expect(channel.isActive)
        }
        _ = try channel.finish()
    }
}
