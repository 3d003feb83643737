import NIOCore

/// One reply from an SMTP server: a three-digit code and its lines of text
/// (one line, or several sent as `250-…` continuation lines ending with a `250 …` line).
struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    var code: Int
    var lines: [String]

    /// 2 for success, 3 for "go on", 4 for a temporary failure, 5 for a permanent one.
    var kind: Int { code / 100 }

    /// The reply as the server wrote it, lines joined by spaces: "550 5.1.1 <kim@example.com>: no such user".
    var description: String {
        ([String(code)] + lines.filter { !$0.isEmpty }).joined(separator: " ")
    }
}

/// Assembles replies from lines. Pure, so the multi-line rules are testable without a socket.
struct SMTPReplyParser {
    /// Lines of a multi-line reply seen so far.
    private var pending: [String] = []

    /// True while a multi-line reply is incomplete.
    var isMidReply: Bool { !pending.isEmpty }

    /// Takes one line without its line ending; returns a reply once its last line arrives.
    mutating func feed(_ line: String) throws -> SMTPReply? {
        let scalars = Array(line.unicodeScalars)
        guard scalars.count >= 3, scalars[0..<3].allSatisfy({ ("0"..."9").contains($0) }),
              let code = Int(String(String.UnicodeScalarView(scalars[0..<3]))), (200...599).contains(code) else {
            throw SMTPProtocolError("not an SMTP reply: \(Self.printable(line))")
        }
        let separator = scalars.count > 3 ? scalars[3] : " "
        guard separator == " " || separator == "-" else {
            throw SMTPProtocolError("not an SMTP reply: \(Self.printable(line))")
        }
        let text = scalars.count > 4 ? Self.printable(String(String.UnicodeScalarView(scalars[4...]))) : ""
        pending.append(text)
        guard separator == " " else { return nil }
        defer { pending = [] }
        return SMTPReply(code: code, lines: pending)
    }

    /// Control characters removed: reply text ends up in logs and in the outbox's `last_error`.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(512)))
    }
}

/// The server broke the protocol (a line that is not a reply, a line without end).
struct SMTPProtocolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Why no reply came.
enum SMTPReplyWaitError: Error {
    case timedOut
    case connectionClosed
}

/// Cuts the byte stream into lines and lines into replies, and hands them one at a time to
/// `nextReply`. Runs on the channel's event loop; `SMTPConnection` reaches it through
/// `NIOLoopBound`. Sits behind the TLS handler when there is one, so it only sees plain text.
final class SMTPReplyReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// RFC 5321 allows 512 bytes per reply line; more than this is a broken or hostile server.
    static let maximumLineLength = 8192

    private var input = ByteBuffer()
    private var parser = SMTPReplyParser()
    private var replies = CircularBuffer<SMTPReply>()
    private var waiter: (promise: EventLoopPromise<SMTPReply>, timeout: Scheduled<Void>)?
    /// Set once the connection is unusable; every later wait fails with it.
    private var failure: (any Error)?

    /// Whether anything arrived that nobody has read. STARTTLS must begin from a clean slate:
    /// bytes sent in plain text after the server's 220 could otherwise pose as protected replies.
    var hasUnreadInput: Bool { input.readableBytes > 0 || !replies.isEmpty || parser.isMidReply }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        input.writeBuffer(&bytes)
        do {
            while let line = try nextLine() {
                if let reply = try parser.feed(line) { deliver(reply) }
            }
        } catch {
            fail(error)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPReplyWaitError.connectionClosed)
        context.fireChannelInactive()
    }

    /// The next reply; fails when none arrives within `timeout` (and then closes the channel,
    /// which nothing can use any more once a reply may still be on its way).
    func nextReply(on channel: any Channel, within timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        if let reply = replies.popFirst() { return channel.eventLoop.makeSucceededFuture(reply) }
        if let failure { return channel.eventLoop.makeFailedFuture(failure) }
        // One command at a time: SMTPConnection never waits for two replies at once.
        assert(waiter == nil, "a reply is already awaited")
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let timer = channel.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.fail(SMTPReplyWaitError.timedOut)
            channel.close(promise: nil)
        }
        waiter = (promise, timer)
        return promise.futureResult
    }

    private func nextLine() throws -> String? {
        guard let newline = input.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if input.readableBytes > Self.maximumLineLength { throw SMTPProtocolError("reply line too long") }
            return nil
        }
        let length = newline - input.readerIndex
        guard length <= Self.maximumLineLength, var line = input.readString(length: length) else {
            throw SMTPProtocolError("reply line too long")
        }
        input.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        input.discardReadBytes()
        return line
    }

    private func deliver(_ reply: SMTPReply) {
        guard let waiter else {
            replies.append(reply)
            return
        }
        self.waiter = nil
        waiter.timeout.cancel()
        waiter.promise.succeed(reply)
    }

    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
        guard let waiter else { return }
        self.waiter = nil
        waiter.timeout.cancel()
        waiter.promise.fail(failure ?? error)
    }
}
