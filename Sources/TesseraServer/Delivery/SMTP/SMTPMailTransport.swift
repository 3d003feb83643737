import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Delivers each message over a fresh SMTP connection (SwiftNIO, TLS through swift-nio-ssl).
///
/// The conversation: greeting, EHLO, STARTTLS and EHLO again when offered (or required),
/// AUTH PLAIN or LOGIN when credentials are configured, MAIL FROM, RCPT TO, DATA, QUIT.
/// A 4xx reply, a connection or TLS failure and a timeout throw `MailDeliveryError.temporary`
/// (the outbox retries later); a 5xx reply throws `.permanent` with the server's reply.
public struct SMTPMailTransport: MailTransport {
    /// How long each step may take.
    public struct Timeouts: Sendable {
        /// Establishing the TCP connection.
        public var connect: TimeAmount = .seconds(10)
        /// Each reply, from sending a command (or the message) to its reply.
        public var command: TimeAmount = .seconds(30)
        /// The whole message, from connecting to the reply to DATA.
        public var message: TimeAmount = .seconds(60)

        public init() {}
    }

    public let configuration: SMTPConfiguration
    let timeouts: Timeouts
    let tlsContext: NIOSSLContext
    let group: any EventLoopGroup
    let logger: Logger

    /// - Throws: `SMTPConfigurationError` when the CA file cannot be read.
    public init(configuration: SMTPConfiguration, timeouts: Timeouts = Timeouts(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) throws {
        self.configuration = configuration
        self.timeouts = timeouts
        self.tlsContext = try configuration.makeTLSContext()
        self.group = group
        self.logger = logger
    }

    public func send(_ message: MailMessage, from sender: String) async throws {
        guard let from = MIMEMessage.bareAddress(sender) else {
            throw MailDeliveryError.permanent("the sender \(SMTPReplyParser.printable(sender)) is not an email address")
        }
        guard let to = MIMEMessage.bareAddress(message.to) else {
            throw MailDeliveryError.permanent("the recipient \(SMTPReplyParser.printable(message.to)) is not an email address")
        }
        try await deliver(MIMEMessage.render(message, from: sender), from: from, to: to)
    }

    /// Sends an already rendered RFC 5322 message from and to bare addresses.
    func deliver(_ rendered: String, from: String, to: String) async throws {
        let data = Self.dataPayload(rendered)
        let limits = SMTPConnection.Limits(command: timeouts.command, deadline: .now() + timeouts.message)
        let server = "\(configuration.host):\(configuration.port)"

        let connection: SMTPConnection
        do {
            connection = try await SMTPConnection.connect(
                host: configuration.host, port: configuration.port,
                tls: configuration.security == .implicitTLS ? (tlsContext, tlsServerName) : nil,
                group: group, connectTimeout: timeouts.connect, limits: limits, logger: logger)
        } catch {
            throw MailDeliveryError.temporary("cannot connect to \(server): \(error)")
        }
        do {
            try await converse(over: connection, from: from, to: to, data: data)
            await connection.close()
            logger.debug("email handed to the SMTP server", metadata: ["server": "\(server)"])
        } catch {
            await connection.close()
            // Anything not already classified (a TLS handler that cannot start, say) is worth a retry.
            throw error as? MailDeliveryError ?? MailDeliveryError.temporary("\(server): \(error)")
        }
    }

    /// The name to check the server's certificate against: the host name, or nil for an IP
    /// address, which swift-nio-ssl then checks against the certificate's IP entries.
    var tlsServerName: String? {
        (try? SocketAddress(ipAddress: configuration.host, port: 0)) == nil ? configuration.host : nil
    }

    private func converse(over connection: SMTPConnection, from: String, to: String, data: [UInt8]) async throws {
        try Self.check(try await connection.reply(to: "the greeting"), is: 2, after: "the greeting")
        let name = configuration.localName ?? connection.localAddressLiteral
        var extensions = try await hello(connection, name: name)

        var encrypted = configuration.security == .implicitTLS
        if !encrypted && extensions["STARTTLS"] != nil {
            try Self.check(try await connection.send("STARTTLS"), is: 2, after: "STARTTLS")
            try await connection.startTLS(context: tlsContext, serverHostname: tlsServerName)
            encrypted = true
            // RFC 3207: what the server said before TLS does not count; ask again.
            extensions = try await hello(connection, name: name)
        } else if !encrypted && configuration.security == .startTLSRequired {
            throw MailDeliveryError.permanent(
                "\(configuration.host) does not offer STARTTLS, and the mail URL requires it (starttls=required)")
        }

        if let username = configuration.username, let password = configuration.password {
            guard encrypted || connection.isLoopback else {
                throw MailDeliveryError.permanent(
                    "refusing to send the SMTP password to \(configuration.host) unencrypted: it offers no STARTTLS (use smtps:// or a server with STARTTLS)")
            }
            try await authenticate(connection, username: username, password: password, offered: extensions["AUTH"])
        }

        try Self.check(try await connection.send("MAIL FROM:<\(from)>"), is: 2, after: "MAIL FROM")
        try Self.check(try await connection.send("RCPT TO:<\(to)>"), is: 2, after: "RCPT TO")
        try Self.check(try await connection.send("DATA"), is: 3, after: "DATA")
        try Self.check(try await connection.sendMessage(data), is: 2, after: "the message")
        // The message is accepted: whatever QUIT brings changes nothing.
        _ = try? await connection.send("QUIT")
    }

    /// EHLO, or HELO for a server that does not know EHLO; returns the extensions it
    /// announced (keyword, upper-cased → parameters).
    private func hello(_ connection: SMTPConnection, name: String) async throws -> [String: [String]] {
        let reply = try await connection.send("EHLO \(name)")
        if reply.kind == 5 {
            try Self.check(try await connection.send("HELO \(name)"), is: 2, after: "HELO")
            return [:]
        }
        try Self.check(reply, is: 2, after: "EHLO")
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            // "AUTH=PLAIN LOGIN" is an old spelling of "AUTH PLAIN LOGIN".
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map { String($0).uppercased() }
            if let keyword = words.first { extensions[keyword] = Array(words.dropFirst()) }
        }
        return extensions
    }

    /// AUTH PLAIN when offered, else AUTH LOGIN. The credentials never reach a log or an error.
    private func authenticate(_ connection: SMTPConnection, username: String, password: String,
                              offered: [String]?) async throws {
        let mechanisms = offered ?? []
        if mechanisms.contains("PLAIN") {
            let token = Self.base64([0] + Array(username.utf8) + [0] + Array(password.utf8))
            let reply = try await connection.send("AUTH PLAIN \(token)", redacted: "AUTH PLAIN")
            try Self.check(reply, is: 2, after: "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            try Self.check(try await connection.send("AUTH LOGIN"), is: 3, after: "AUTH LOGIN")
            let user = try await connection.send(Self.base64(Array(username.utf8)), redacted: "the AUTH LOGIN user name")
            try Self.check(user, is: 3, after: "the AUTH LOGIN user name")
            let pass = try await connection.send(Self.base64(Array(password.utf8)), redacted: "the AUTH LOGIN password")
            try Self.check(pass, is: 2, after: "the AUTH LOGIN password")
        } else {
            throw MailDeliveryError.permanent(offered == nil
                ? "\(configuration.host) offers no AUTH, but the mail URL has credentials"
                : "\(configuration.host) offers AUTH \(mechanisms.joined(separator: " ")), and Tessera speaks only PLAIN and LOGIN")
        }
    }

    /// Success when the reply is of the expected kind (2 or 3); else 5xx is permanent and
    /// everything else (4xx, a reply that makes no sense here) is temporary.
    static func check(_ reply: SMTPReply, is kind: Int, after command: String) throws {
        guard reply.kind != kind else { return }
        let text = "\(reply) (reply to \(command))"
        throw reply.kind == 5 ? MailDeliveryError.permanent(text) : MailDeliveryError.temporary(text)
    }

    /// The bytes sent after DATA: every line ending made CRLF (SMTP knows no other), a dot
    /// doubled at the start of a line so the server does not read it as the end (RFC 5321
    /// §4.5.2), and the terminating CRLF.CRLF.
    static func dataPayload(_ message: String) -> [UInt8] {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), dot = UInt8(ascii: ".")
        var out: [UInt8] = []
        out.reserveCapacity(message.utf8.count + 64)
        var atLineStart = true
        var previousWasCR = false
        for byte in message.utf8 {
            if byte == lf && previousWasCR {
                previousWasCR = false
                continue  // the LF of a CRLF already written
            }
            previousWasCR = byte == cr
            if byte == cr || byte == lf {
                out += [cr, lf]
                atLineStart = true
                continue
            }
            if atLineStart && byte == dot { out.append(dot) }
            out.append(byte)
            atLineStart = false
        }
        if !atLineStart { out += [cr, lf] }
        out += [dot, cr, lf]
        return out
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
