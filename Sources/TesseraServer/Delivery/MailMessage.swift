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
            "From: \(address(sender))",
            "To: \(address(message.to))",
            "Subject: \(header(message.subject))",
            "Date: \(Timestamp.emailDate(date))",
            "Message-ID: <\(UUID().wire)@\(messageIDDomain(sender))>",
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

    /// An unstructured header value (a subject): plain when it is printable ASCII of a
    /// sensible length, else RFC 2047 encoded words. CR, LF and every other control
    /// character force the encoding (and become spaces in it), so a value can never start
    /// a header of its own.
    static func header(_ value: String) -> String {
        if isPrintableASCII(value) && value.utf8.count <= 900 { return value }
        return encodedWords(value)
    }

    /// Control characters (CR, LF, tab …) as spaces: a header cannot express a line break,
    /// and some decoders (Python's email package, for one) reject a decoded name holding one.
    private static func spacingControls(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// An address header value. `Name <addr>` keeps the address readable by mail software
    /// and encodes only the name when it needs it; anything that does not look like an
    /// address is encoded whole, which is safe if useless.
    static func address(_ value: String) -> String {
        guard let address = bareAddress(value) else { return header(value) }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let open = trimmed.lastIndex(of: "<") else { return address }
        let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? "<\(address)>" : "\(displayName(name)) <\(address)>"
    }

    /// The address alone: `kim@example.com` from `Kim <kim@example.com>` or from itself;
    /// nil when it is not printable ASCII with an `@` and nothing that could end an
    /// address, a header or an SMTP command.
    static func bareAddress(_ value: String) -> String? {
        var address = value.trimmingCharacters(in: .whitespaces)
        if let open = address.lastIndex(of: "<"), address.hasSuffix(">") {
            address = String(address[address.index(after: open)..<address.index(before: address.endIndex)])
        }
        let valid = address.contains("@") && address.utf8.count <= 254
            && address.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !"<>,".unicodeScalars.contains($0) }
        return valid ? address : nil
    }

    /// A display name: bare when it is a plain phrase, quoted when it holds specials such
    /// as `,` or `.`, encoded when it is not printable ASCII.
    static func displayName(_ name: String) -> String {
        guard isPrintableASCII(name), name.utf8.count <= 200 else { return encodedWords(name) }
        let specials = Set("()<>[]:;@\\,.\"")
        if !name.contains(where: { specials.contains($0) }) { return name }
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    /// RFC 2047 `B` encoded words of at most 75 characters (45 bytes of UTF-8 each, never
    /// splitting a character), folded onto continuation lines so no line grows too long.
    static func encodedWords(_ value: String) -> String {
        var words: [[UInt8]] = []
        var chunk: [UInt8] = []
        for scalar in spacingControls(value).unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(chunk) }
        return words.map { "=?utf-8?B?\(Data($0).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    private static func isPrintableASCII(_ value: some StringProtocol) -> Bool {
        value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
    }

    /// The sender's domain, so Message-IDs look like the sender's own; `tessera` otherwise.
    private static func messageIDDomain(_ sender: String) -> String {
        guard let address = bareAddress(sender), let at = address.lastIndex(of: "@") else { return "tessera" }
        let domain = address[address.index(after: at)...]
        let isHostname = domain.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-"
        }
        return !domain.isEmpty && isHostname ? String(domain) : "tessera"
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
}
