import Foundation
import Logging
import TesseraCore

/// An email ready to send: what the outbox stores and a transport delivers.
public struct MailMessage: Sendable, Equatable {
    public var to: String
    public var subject: String
    public var text: String
    public var html: String

    public init(to: String, subject: String, text: String, html: String) {
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
    }

    var payload: JSONValue {
        ["to": .string(to), "subject": .string(subject), "text": .string(text), "html": .string(html)]
    }

    init?(payload: JSONValue) {
        guard let to = payload["to"]?.stringValue, let subject = payload["subject"]?.stringValue,
              let text = payload["text"]?.stringValue, let html = payload["html"]?.stringValue else { return nil }
        self.init(to: to, subject: subject, text: text, html: html)
    }

    /// What stays in the outbox after delivery: who and what, but not the body, whose claim
    /// link would let anyone holding a database copy claim the seat.
    var deliveredRecord: JSONValue {
        ["to": .string(to), "subject": .string(subject), "body_removed": true]
    }
}

/// Delivers email. `log` and `file://` ship with the server; SMTP can be added as another.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage, from sender: String) async throws
}

/// Writes each message to the server log, links included: for development.
public struct LogMailTransport: MailTransport {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func send(_ message: MailMessage, from sender: String) async throws {
        logger.notice("""
            email to \(message.to): \(message.subject)
            \(message.text)
            """)
    }
}

/// Writes each message as an RFC 5322 `.eml` file into a folder.
public struct FileMailTransport: MailTransport {
    let directory: URL

    public init(directory: URL) { self.directory = directory }

    public func send(_ message: MailMessage, from sender: String) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = "\(Timestamp.micros(Date()))-\(UUID().wire).eml"
        let data = Data(MIMEMessage.render(message, from: sender).utf8)
        // Written under a temporary name and renamed, so a reader never sees half a message.
        let temporary = directory.appendingPathComponent("." + name + ".tmp")
        try data.write(to: temporary)
        try FileManager.default.moveItem(at: temporary, to: directory.appendingPathComponent(name))
    }
}

/// RFC 5322 / MIME rendering: multipart/alternative, UTF-8 parts in base64, and RFC 2047
/// encoded headers, so no name or subject can break out of its header.
enum MIMEMessage {
    static func render(_ message: MailMessage, from sender: String, date: Date = Date()) -> String {
        let boundary = "tessera-" + UUID().wire
        let headers = [
            "From: \(header(sender))",
            "To: \(header(message.to))",
            "Subject: \(header(message.subject))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(UUID().wire)@tessera>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        return (headers + [
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines(message.text),
            "--\(boundary)",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines(message.html),
            "--\(boundary)--",
            "",
        ]).joined(separator: "\r\n")
    }

    /// A header value: plain when it is printable ASCII, else an RFC 2047 encoded word.
    /// Line breaks are never passed through.
    static func header(_ value: String) -> String {
        let isPlain = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        if isPlain { return value }
        return "=?utf-8?B?\(Data(value.utf8).base64EncodedString())?="
    }

    private static func base64Lines(_ text: String) -> String {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [Substring] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(encoded[index..<end])
            index = end
        }
        return lines.joined(separator: "\r\n")
    }

    private static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
