import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import Testing
import TesseraCore
@testable import TesseraServer
import TesseraStore

/// The SMTP transport against a real SMTP server (aiosmtpd, see Support/smtp_server.py):
/// what arrives, TLS, AUTH, certificate checks, and how refusals are classified.
@Suite struct SMTPTransportTests {
    static let sender = "Tessera Seats <seats@example.test>"
    static let logger = Logger(label: "tessera-smtp-test")

    static func transport(_ url: String, caFile: String? = nil) throws -> SMTPMailTransport {
        try SMTPMailTransport(configuration: SMTPConfiguration(url: url, caFile: caFile), logger: logger)
    }

    static func message(to: String = "kim@example.com", subject: String = "Your seat is waiting") -> MailMessage {
        MailMessage(to: to, subject: subject,
                    text: "Hello Kim,\n\nclaim your seat: https://seats.example.test/claim/abc\n",
                    html: "<p>Hello Kim,</p>\n<p><a href=\"https://seats.example.test/claim/abc\">Claim your seat</a></p>\n")
    }

    // MARK: What arrives

    @Test func aPlainDeliveryArrivesWithItsHeadersAndBothPartsIntact() async throws {
        try await SMTPTestServer.run { server in
            let subject = "Ihr Platz für Ünïcødé Prø — 席 ✓"
            var mail = Self.message(subject: subject)
            mail.text = "Grüße aus Zürich 👋\r\nZeile zwei\n"
            try await Self.transport("smtp://127.0.0.1:\(server.port)").send(mail, from: Self.sender)

            let received = try server.onlyMessage()
            #expect(received.mailFrom == "seats@example.test")
            #expect(received.rcptTos == ["kim@example.com"])
            #expect(!received.tls)
            #expect(received.message.defects.isEmpty)
            #expect(received.headers("From") == ["Tessera Seats <seats@example.test>"])
            #expect(received.headers("To") == ["kim@example.com"])
            #expect(received.headers("Subject") == [subject])
            let date = try #require(received.headers("Date").first)
            #expect(date.wholeMatch(of: /[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000/) != nil)
            let messageID = try #require(received.headers("Message-ID").first)
            #expect(messageID.wholeMatch(of: /<[0-9a-f-]{36}@example\.test>/) != nil)
            #expect(received.message.contentType == "multipart/alternative")
            #expect(received.message.parts.map(\.contentType) == ["text/plain", "text/html"])
            #expect(received.message.parts.map(\.charset) == ["utf-8", "utf-8"])
            #expect(received.message.parts.first?.text == mail.text)
            #expect(received.message.parts.last?.text == mail.html)
            // The non-ASCII subject travels as RFC 2047 encoded words.
            let raw = String(decoding: received.raw, as: UTF8.self)
            #expect(raw.contains("Subject: =?utf-8?B?"))
        }
    }

    @Test func aNameOrSubjectWithALineBreakCannotAddAHeader() async throws {
        try await SMTPTestServer.run { server in
            let mail = Self.message(subject: "Welcome\r\nBcc: evil@example.com")
            try await Self.transport("smtp://127.0.0.1:\(server.port)")
                .send(mail, from: "Acme\r\nBcc: evil@example.com <seats@example.test>")
            let received = try server.onlyMessage()
            #expect(received.headers("Bcc").isEmpty)
            // Encoded, with the line break turned into a space: no header, and no decoder trips on it.
            #expect(received.headers("Subject") == ["Welcome  Bcc: evil@example.com"])
            let from = try #require(received.headers("From").first)
            #expect(from.contains("Acme") && from.hasSuffix("<seats@example.test>"))
            #expect(received.rcptTos == ["kim@example.com"])
            let raw = String(decoding: received.raw, as: UTF8.self)
            #expect(raw.contains("Subject: =?utf-8?B?"))
        }
    }

    @Test func linesThatStartWithADotArriveIntact() async throws {
        try await SMTPTestServer.run { server in
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)")
            // A raw message, so the dots reach the wire as they are (MIME parts are base64).
            let raw = "Subject: dots\r\n\r\nbefore\r\n.\r\n..two dots\r\n.one dot\r\nafter\r\n"
            try await transport.deliver(raw, from: "seats@example.test", to: "kim@example.com")
            // And a real message whose text has such lines.
            var mail = Self.message()
            mail.text = "before\n.\n..two dots\n.one dot\n."
            try await transport.send(mail, from: Self.sender)

            let received = try server.messages()
            try #require(received.count == 2)
            #expect(String(decoding: received[0].raw, as: UTF8.self) == raw)
            #expect(received[1].message.parts.first?.text == mail.text)
        }
    }

    @Test func theDataPayloadDoublesLeadingDotsAndEndsWithADotLine() {
        let payload = SMTPMailTransport.dataPayload("a\r\n.\r\n..b\n.c\rd")
        #expect(String(decoding: payload, as: UTF8.self) == "a\r\n..\r\n...b\r\n..c\r\nd\r\n.\r\n")
        #expect(String(decoding: SMTPMailTransport.dataPayload(".\r\n"), as: UTF8.self) == "..\r\n.\r\n")
        #expect(String(decoding: SMTPMailTransport.dataPayload(""), as: UTF8.self) == ".\r\n")
    }

    @Test func headersNeverCarryALineBreakOrAnUnencodedNonASCIIName() throws {
        let rendered = MIMEMessage.render(
            MailMessage(to: "Kim\r\nBcc: x@example.com <kim@example.com>", subject: "Hi\nBcc: y@example.com\rX: z",
                        text: "t", html: "h"),
            from: "Zoë Ünïcødé <seats@example.test>")
        let head = try #require(rendered.components(separatedBy: "\r\n\r\n").first)
        let lines = head.components(separatedBy: "\r\n")
        // Every line is a header of our own or a folded continuation (leading space).
        let ours = ["From:", "To:", "Subject:", "Date:", "Message-ID:", "MIME-Version:", "Content-Type:"]
        #expect(lines.allSatisfy { line in line.hasPrefix(" ") || ours.contains { line.hasPrefix($0) } })
        #expect(lines.filter { $0.hasPrefix("From:") } == ["From: =?utf-8?B?\(Data("Zoë Ünïcødé".utf8).base64EncodedString())?= <seats@example.test>"])
        #expect(!head.contains("\n\n") && !head.contains("\r\r"))
        #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 } })
        #expect(MIMEMessage.address("Acme, Inc. <a@example.com>") == "\"Acme, Inc.\" <a@example.com>")
        #expect(MIMEMessage.header(String(repeating: "é", count: 100)).components(separatedBy: "\r\n ").count == 5)
    }

    // MARK: TLS

    @Test func startTLSIsUsedWhenTheServerOffersIt() async throws {
        try await SMTPTestServer.run(["--starttls"]) { server in
            try await Self.transport("smtp://localhost:\(server.port)", caFile: server.caFile)
                .send(Self.message(), from: Self.sender)
            #expect(try server.onlyMessage().tls)
        }
    }

    @Test func aServerThatInsistsOnStartTLSGetsIt() async throws {
        try await SMTPTestServer.run(["--require-starttls"]) { server in
            try await Self.transport("smtp://localhost:\(server.port)", caFile: server.caFile)
                .send(Self.message(), from: Self.sender)
            #expect(try server.onlyMessage().tls)
        }
    }

    @Test func starttlsRequiredRefusesAServerWithoutIt() async throws {
        try await SMTPTestServer.run { server in
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)?starttls=required")
            let error = await #expect(throws: MailDeliveryError.self) {
                try await transport.send(Self.message(), from: Self.sender)
            }
            #expect(error?.isPermanent == true)
            #expect(error?.reason.contains("STARTTLS") == true)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test func smtpsSpeaksTLSFromTheFirstByte() async throws {
        try await SMTPTestServer.run(["--implicit-tls"]) { server in
            try await Self.transport("smtps://localhost:\(server.port)", caFile: server.caFile)
                .send(Self.message(), from: Self.sender)
            #expect(try server.onlyMessage().tls)
        }
    }

    @Test func anIPAddressIsCheckedAgainstTheCertificatesIPEntries() async throws {
        try await SMTPTestServer.run(["--implicit-tls", "--cert-name", "127.0.0.1"]) { server in
            try await Self.transport("smtps://127.0.0.1:\(server.port)", caFile: server.caFile)
                .send(Self.message(), from: Self.sender)
            #expect(try server.onlyMessage().tls)
        }
    }

    @Test(arguments: ["--starttls", "--implicit-tls"])
    func withoutTheCAFileTheCertificateIsRejected(mode: String) async throws {
        try await SMTPTestServer.run([mode]) { server in
            let scheme = mode == "--implicit-tls" ? "smtps" : "smtp"
            let transport = try Self.transport("\(scheme)://localhost:\(server.port)")
            let error = await #expect(throws: MailDeliveryError.self) {
                try await transport.send(Self.message(), from: Self.sender)
            }
            #expect(error?.isPermanent == false)
            #expect(error?.reason.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(error.map(String.init(describing:)) ?? "")")
            #expect(try server.messages().isEmpty)
        }
    }

    @Test func aCertificateForAnotherHostIsRejected() async throws {
        try await SMTPTestServer.run(["--implicit-tls", "--cert-name", "mail.example.test"]) { server in
            let transport = try Self.transport("smtps://localhost:\(server.port)", caFile: server.caFile)
            let error = await #expect(throws: MailDeliveryError.self) {
                try await transport.send(Self.message(), from: Self.sender)
            }
            #expect(error?.isPermanent == false)
            #expect(try server.messages().isEmpty)
        }
    }

    // MARK: AUTH

    @Test(arguments: ["PLAIN", "LOGIN"])
    func authWithGoodCredentialsDelivers(mechanism: String) async throws {
        try await SMTPTestServer.run(["--starttls", "--auth", "--auth-mechanisms", mechanism]) { server in
            try await Self.transport("smtp://tessera:s3cret@localhost:\(server.port)", caFile: server.caFile)
                .send(Self.message(), from: Self.sender)
            let received = try server.onlyMessage()
            #expect(received.tls)
            #expect(received.authenticated)
            #expect(received.login == "tessera")
        }
    }

    @Test func userAndPasswordArePercentDecoded() async throws {
        // STARTTLS, not smtps: aiosmtpd offers AUTH only after STARTTLS, never on implicit TLS.
        try await SMTPTestServer.run(["--starttls", "--auth"]) { server in
            try await Self.transport("smtp://tess%65ra:s3%63ret@localhost:\(server.port)", caFile: server.caFile)
                .send(Self.message(), from: Self.sender)
            #expect(try server.onlyMessage().login == "tessera")
        }
    }

    @Test func wrongCredentialsArePermanent() async throws {
        try await SMTPTestServer.run(["--starttls", "--auth"]) { server in
            let transport = try Self.transport("smtp://tessera:wrong@localhost:\(server.port)", caFile: server.caFile)
            let error = await #expect(throws: MailDeliveryError.self) {
                try await transport.send(Self.message(), from: Self.sender)
            }
            #expect(error?.isPermanent == true)
            #expect(error?.reason.hasPrefix("535") == true)
            #expect(error?.reason.contains("wrong") == false)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test func credentialsMayTravelUnencryptedOnlyToThisMachine() async throws {
        // The server allows AUTH without TLS; the client does so only because it is loopback.
        try await SMTPTestServer.run(["--auth", "--auth-plaintext"]) { server in
            try await Self.transport("smtp://tessera:s3cret@127.0.0.1:\(server.port)")
                .send(Self.message(), from: Self.sender)
            let received = try server.onlyMessage()
            #expect(!received.tls)
            #expect(received.login == "tessera")
        }
    }

    // MARK: Refusals and failures

    @Test func aRecipientRefusedWith550IsPermanent() async throws {
        try await SMTPTestServer.run(["--reject-permanent", "gone@example.com"]) { server in
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)")
            let error = await #expect(throws: MailDeliveryError.self) {
                try await transport.send(Self.message(to: "gone@example.com"), from: Self.sender)
            }
            #expect(error?.isPermanent == true)
            #expect(error?.reason.hasPrefix("550 5.1.1 <gone@example.com>: no such user") == true)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test func aRecipientRefusedWith451IsTemporary() async throws {
        try await SMTPTestServer.run(["--reject-temporary", "busy@example.com"]) { server in
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)")
            let error = await #expect(throws: MailDeliveryError.self) {
                try await transport.send(Self.message(to: "busy@example.com"), from: Self.sender)
            }
            #expect(error?.isPermanent == false)
            #expect(error?.reason.hasPrefix("451") == true)
        }
    }

    @Test func nothingListeningIsTemporary() async throws {
        // A port bound but never listened on: connecting is refused, and no other test's server
        // can take the port meanwhile (a port bound and closed again was taken now and then).
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let transport = try Self.transport("smtp://127.0.0.1:\(port)")
        let error = await #expect(throws: MailDeliveryError.self) {
            try await transport.send(Self.message(), from: Self.sender)
        }
        #expect(error?.isPermanent == false)
        #expect(error?.reason.contains("cannot connect") == true)
    }

    @Test func plainTextAfterTheServersYesToSTARTTLSIsNotTrusted() async throws {
        try await SMTPTestServer.run(["--misbehave", "inject-after-starttls"]) { server in
            // Refused before any handshake, so no certificate is needed.
            let transport = try Self.transport("smtp://localhost:\(server.port)")
            let error = await #expect(throws: MailDeliveryError.self) {
                try await transport.send(Self.message(), from: Self.sender)
            }
            #expect(error?.isPermanent == false)
            #expect(error?.reason.contains("after agreeing to STARTTLS") == true)
        }
    }

    @Test func aServerThatSaysNothingTimesOut() async throws {
        try await SMTPTestServer.run(["--misbehave", "silent"]) { server in
            var timeouts = SMTPMailTransport.Timeouts()
            timeouts.command = .milliseconds(200)
            let transport = try SMTPMailTransport(
                configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)"), timeouts: timeouts, logger: Self.logger)
            let error = await #expect(throws: MailDeliveryError.self) {
                try await transport.send(Self.message(), from: Self.sender)
            }
            #expect(error == .temporary("timed out waiting for the reply to the greeting"))
        }
    }

    @Test func theWholeMessageHasADeadline() async throws {
        try await SMTPTestServer.run(["--misbehave", "silent"]) { server in
            var timeouts = SMTPMailTransport.Timeouts()
            // Long enough that even a loaded machine connects in time; the silent server never answers.
            timeouts.message = .seconds(1)
            let transport = try SMTPMailTransport(
                configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)"), timeouts: timeouts, logger: Self.logger)
            let error = await #expect(throws: MailDeliveryError.self) {
                try await transport.send(Self.message(), from: Self.sender)
            }
            #expect(error == .temporary("the message ran out of time (waiting for the reply to the greeting)"))
        }
    }

    @Test func anAddressThatIsNotOneIsPermanent() async throws {
        let transport = try Self.transport("smtp://127.0.0.1:1")
        let error = await #expect(throws: MailDeliveryError.self) {
            try await transport.send(Self.message(to: "kim@example.com>\r\nRCPT TO:<x@example.com"), from: Self.sender)
        }
        #expect(error?.isPermanent == true)
    }

    // MARK: The outbox

    @Test(arguments: Backend.all)
    func aPermanentRefusalFailsTheOutboxRowAtOnceWithTheReply(backend: Backend) async throws {
        try await SMTPTestServer.run(["--reject-permanent", "gone@example.com"]) { smtp in
            let transport = try Self.transport("smtp://127.0.0.1:\(smtp.port)")
            try await TestServer.run(backend) { server in
                let org = try await server.makeOrganization()
                let pool = try await server.makeSubscription(org, seats: 2)
                _ = try await server.assign(org, pool, ["email": "gone@example.com"])
                let worker = OutboxWorker(database: server.database, mail: transport, sender: Self.sender,
                                          logger: Self.logger, now: server.clock.closure)
                #expect(try await worker.deliverDue() == 1)
                let rows = try await server.database.withConnection { try await $0.outbox.all() }
                let row = try #require(rows.first)
                #expect(row.status == .failed)
                #expect(row.attempts == 1)
                #expect(row.lastError?.hasPrefix("550 5.1.1 <gone@example.com>: no such user") == true)
                // Nothing left to retry.
                server.clock.advance(by: 3600 * 24)
                #expect(try await worker.deliverDue() == 0)
            }
        }
    }

    @Test(arguments: Backend.all)
    func aTemporaryRefusalIsRetriedLater(backend: Backend) async throws {
        try await SMTPTestServer.run(["--reject-temporary", "busy@example.com"]) { smtp in
            let transport = try Self.transport("smtp://127.0.0.1:\(smtp.port)")
            try await TestServer.run(backend) { server in
                let org = try await server.makeOrganization()
                let pool = try await server.makeSubscription(org, seats: 2)
                _ = try await server.assign(org, pool, ["email": "busy@example.com"])
                let worker = OutboxWorker(database: server.database, mail: transport, sender: Self.sender,
                                          logger: Self.logger, now: server.clock.closure)
                #expect(try await worker.deliverDue() == 1)
                let row = try #require(try await server.database.withConnection { try await $0.outbox.all() }.first)
                #expect(row.status == .pending)
                #expect(row.lastError?.hasPrefix("451") == true)
            }
        }
    }
}

/// `smtp://` and `smtps://` URLs.
@Suite struct SMTPConfigurationTests {
    @Test func defaultsFollowTheScheme() throws {
        #expect(try SMTPConfiguration(url: "smtp://mail.example.com")
            == SMTPConfiguration(host: "mail.example.com", port: 25, security: .startTLSWhenOffered))
        #expect(try SMTPConfiguration(url: "smtps://mail.example.com")
            == SMTPConfiguration(host: "mail.example.com", port: 465, security: .implicitTLS))
        #expect(try SMTPConfiguration(url: "smtp://mail.example.com:587?starttls=required")
            == SMTPConfiguration(host: "mail.example.com", port: 587, security: .startTLSRequired))
        #expect(try SMTPConfiguration(url: "SMTP://mail.example.com:2525/").port == 2525)
        #expect(try SMTPConfiguration(url: "smtp://[::1]:2525").host == "::1")
        #expect(try SMTPConfiguration(url: "smtp://mail.example.com?ehlo=tessera.example.com").localName == "tessera.example.com")
    }

    @Test func userAndPasswordArePercentDecoded() throws {
        let configuration = try SMTPConfiguration(url: "smtp://me%40example.com:p%40ss%3Aw%2Frd%25@mail.example.com", caFile: "/ca.pem")
        #expect(configuration.username == "me@example.com")
        #expect(configuration.password == "p@ss:w/rd%")
        #expect(configuration.caFile == "/ca.pem")
        #expect(!configuration.description.contains("p@ss"))
        #expect(configuration.description == "smtp://me@example.com:***@mail.example.com:25")
        #expect(try SMTPConfiguration(url: "smtp://mail.example.com", caFile: "").caFile == nil)
    }

    @Test(arguments: [
        ("http://mail.example.com", "unsupported scheme"),
        ("smtp://", "no host"),
        ("smtp://mail.example.com:0", "out of range"),
        ("smtp://mail.example.com:70000", "out of range"),
        ("smtp://mail.example.com/inbox", "no path"),
        ("smtp://user@mail.example.com", "both a user and a password"),
        ("smtp://mail.example.com?starttls=maybe", "starttls"),
        ("smtps://mail.example.com?starttls=required", "smtps"),
        ("smtp://mail.example.com?tls=on", "unknown URL parameter"),
        ("not a url at all", "not a URL"),
    ])
    func badURLsSayWhatIsWrong(url: String, message: String) {
        let error = #expect(throws: SMTPConfigurationError.self) { try SMTPConfiguration(url: url) }
        #expect(error?.description.contains(message) == true, "\(error.map(String.init(describing:)) ?? "no error")")
    }

    @Test func anUnreadableCAFileIsAConfigurationError() {
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPMailTransport(configuration: SMTPConfiguration(url: "smtp://localhost", caFile: "/nonexistent/ca.pem"),
                                  logger: Logger(label: "test"))
        }
    }
}

/// Replies, one line or several.
@Suite struct SMTPReplyParserTests {
    @Test func multiLineRepliesEndAtTheLineWithASpace() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed("250-mail.example.com") == nil)
        #expect(try parser.feed("250-STARTTLS") == nil)
        #expect(parser.isMidReply)
        #expect(try parser.feed("250 AUTH PLAIN LOGIN") == SMTPReply(code: 250, lines: ["mail.example.com", "STARTTLS", "AUTH PLAIN LOGIN"]))
        #expect(!parser.isMidReply)
        #expect(try parser.feed("354") == SMTPReply(code: 354, lines: [""]))
        #expect(try parser.feed("550 5.1.1 no such user")?.description == "550 5.1.1 no such user")
    }

    @Test(arguments: ["", "25", "abc hello", "250xhello", "999 nope", "100 too low"])
    func linesThatAreNotRepliesAreRejected(line: String) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPProtocolError.self) { try parser.feed(line) }
    }
}
