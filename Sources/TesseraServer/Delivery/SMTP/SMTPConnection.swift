import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One connection to an SMTP server: owns the channel, writes command lines, and reads the
/// replies. Every wait is bounded twice: by the per-command timeout and by the deadline of
/// the whole message. Failures come out as `MailDeliveryError`s that say what was awaited.
final class SMTPConnection: Sendable {
    /// Timeouts and deadline for one message.
    struct Limits: Sendable {
        var command: TimeAmount
        var deadline: NIODeadline
    }

    let channel: any Channel
    private let reader: NIOLoopBound<SMTPReplyReader>
    private let limits: Limits
    private let logger: Logger

    private init(channel: any Channel, reader: NIOLoopBound<SMTPReplyReader>, limits: Limits, logger: Logger) {
        self.channel = channel
        self.reader = reader
        self.limits = limits
        self.logger = logger
    }

    /// Connects, with TLS from the first byte when `tls` is given.
    static func connect(host: String, port: Int, tls: (context: NIOSSLContext, serverHostname: String?)?,
                        group: any EventLoopGroup, connectTimeout: TimeAmount, limits: Limits, logger: Logger)
        async throws -> SMTPConnection
    {
        let timeout = min(connectTimeout, limits.deadline - .now())
        // The reader is created by the initializer and handed back with the channel: looking it
        // up in the pipeline afterwards would race a TLS handshake that fails and empties it.
        let (channel, reader) = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let handler = try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    let reader = SMTPReplyReader()
                    try channel.pipeline.syncOperations.addHandler(reader)
                    return (channel, NIOLoopBound(reader, eventLoop: channel.eventLoop))
                }
            }
        return SMTPConnection(channel: channel, reader: reader, limits: limits, logger: logger)
    }

    /// Whether the server is this machine: the one case where credentials may travel unencrypted.
    var isLoopback: Bool {
        guard let ip = channel.remoteAddress?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    /// The connection's own address as an EHLO address literal: `[192.0.2.1]` or `[IPv6:2001:db8::1]`.
    var localAddressLiteral: String {
        guard let local = channel.localAddress, let ip = local.ipAddress else { return "[127.0.0.1]" }
        return local.protocol == .inet6 ? "[IPv6:\(ip)]" : "[\(ip)]"
    }

    /// Sends one command line and waits for its reply. `redacted` replaces the line in logs
    /// and error messages (for AUTH, whose lines carry the credentials).
    func send(_ line: String, redacted: String? = nil) async throws -> SMTPReply {
        let shown = redacted ?? line
        logger.trace("smtp >", metadata: ["line": "\(shown)"])
        channel.writeAndFlush(ByteBuffer(string: line + "\r\n"), promise: nil)
        return try await reply(to: shown)
    }

    /// Sends the message of a DATA command (already dot-stuffed and ending in CRLF.CRLF).
    func sendMessage(_ bytes: [UInt8]) async throws -> SMTPReply {
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        return try await reply(to: "the end of DATA")
    }

    /// Waits for the next reply. `awaited` names what it answers, for error messages.
    func reply(to awaited: String) async throws -> SMTPReply {
        let remaining = limits.deadline - .now()
        let wait = min(limits.command, remaining)
        guard wait > .zero else { throw Self.timeoutError(awaited: awaited, byDeadline: true) }
        let future = channel.eventLoop.flatSubmit { [reader, channel] in
            reader.value.nextReply(on: channel, within: wait)
        }
        do {
            // Closing the channel is what ends a wait early, e.g. when the server shuts down.
            let reply = try await withTaskCancellationHandler {
                try await future.get()
            } onCancel: { [channel] in
                channel.close(promise: nil)
            }
            logger.trace("smtp <", metadata: ["reply": "\(reply)"])
            return reply
        } catch SMTPReplyWaitError.timedOut {
            throw Self.timeoutError(awaited: awaited, byDeadline: remaining <= limits.command)
        } catch SMTPReplyWaitError.connectionClosed {
            throw MailDeliveryError.temporary("the server closed the connection (waiting for the reply to \(awaited))")
        } catch let error as SMTPProtocolError {
            throw MailDeliveryError.temporary("protocol error: \(error) (waiting for the reply to \(awaited))")
        } catch let error as NIOSSLError {
            throw MailDeliveryError.temporary("TLS failed: \(error) (waiting for the reply to \(awaited))")
        } catch let error as NIOSSLExtraError {
            // A certificate for another host name lands here.
            throw MailDeliveryError.temporary("TLS failed: \(error) (waiting for the reply to \(awaited))")
        } catch {
            throw MailDeliveryError.temporary("connection failed: \(error) (waiting for the reply to \(awaited))")
        }
    }

    /// Turns the live connection into a TLS one after the server's 220 to STARTTLS: the TLS
    /// handler goes in front of the reply reader, so from now on the reader sees decrypted bytes.
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        try await channel.eventLoop.submit { [reader, channel] in
            // Anything already received would be plain text an attacker could have injected
            // to pass as a reply sent under TLS (RFC 3207 §4.2, CVE-2011-0411 in other clients).
            guard !reader.value.hasUnreadInput else {
                throw MailDeliveryError.temporary("the server sent more after agreeing to STARTTLS; not trusting the connection")
            }
            let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
    }

    /// Closes the channel; safe to call on a channel the server already closed.
    func close() async {
        try? await channel.close()
    }

    private static func timeoutError(awaited: String, byDeadline: Bool) -> MailDeliveryError {
        .temporary(byDeadline
            ? "the message ran out of time (waiting for the reply to \(awaited))"
            : "timed out waiting for the reply to \(awaited)")
    }
}
