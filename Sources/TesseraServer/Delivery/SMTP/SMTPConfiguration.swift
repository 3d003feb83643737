import Foundation
import NIOSSL

/// Where an SMTP server is and how to talk to it, usually read from a mail URL:
///
/// - `smtp://[user:pass@]host[:port]` — port 25 by default; upgrades with STARTTLS whenever
///   the server offers it. Add `?starttls=required` to refuse delivery when it does not.
/// - `smtps://[user:pass@]host[:port]` — TLS from the first byte, port 465 by default.
///
/// User and password are percent-decoded (write `@` as `%40`). `?ehlo=name` sets the name
/// Tessera gives in EHLO; by default it sends its own address as an address literal.
/// Certificates are always verified, host name included; `caFile` adds CA certificates to
/// trust besides the system's (for a private CA, or a test one).
public struct SMTPConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is encrypted.
    public enum Security: Sendable, Equatable {
        /// STARTTLS when the server offers it, plain text otherwise (`smtp://`).
        case startTLSWhenOffered
        /// STARTTLS, and no delivery when the server does not offer it (`smtp://…?starttls=required`).
        case startTLSRequired
        /// TLS from the first byte (`smtps://`).
        case implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// A PEM file of CA certificates to trust in addition to the system's.
    public var caFile: String?
    /// The name sent in EHLO; nil sends the connection's local address as `[1.2.3.4]`.
    public var localName: String?

    public init(host: String, port: Int? = nil, security: Security = .startTLSWhenOffered,
                username: String? = nil, password: String? = nil, caFile: String? = nil, localName: String? = nil) {
        self.host = host
        self.port = port ?? (security == .implicitTLS ? 465 : 25)
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.localName = localName
    }

    /// Reads `smtp://` and `smtps://` URLs (see the type's documentation).
    /// - Throws: `SMTPConfigurationError` saying what is wrong with the URL.
    public init(url: String, caFile: String? = nil) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw SMTPConfigurationError("not a URL: expected smtp://[user:pass@]host[:port] or smtps://…")
        }
        let security: Security
        switch scheme {
        case "smtp": security = .startTLSWhenOffered
        case "smtps": security = .implicitTLS
        default: throw SMTPConfigurationError("unsupported scheme \(scheme)://: expected smtp:// or smtps://")
        }
        // URLComponents keeps the brackets of an IPv6 literal on some platforms and not on others.
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw SMTPConfigurationError("the URL names no host: smtp://host[:port]") }
        if let port = components.port, !(1...65535).contains(port) {
            throw SMTPConfigurationError("port \(port) is out of range 1-65535")
        }
        guard components.path.isEmpty || components.path == "/" else {
            throw SMTPConfigurationError("an SMTP URL has no path (found \(components.path))")
        }
        let username = components.user.flatMap { $0.isEmpty ? nil : $0 }
        let password = components.password
        if (username == nil) != (password == nil) {
            throw SMTPConfigurationError("give both a user and a password (smtp://user:pass@host), or neither")
        }

        var resolved = security
        var localName: String?
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("starttls", "required") where security == .startTLSWhenOffered:
                resolved = .startTLSRequired
            case ("starttls", _):
                throw SMTPConfigurationError(security == .implicitTLS
                    ? "starttls does not apply to smtps://, which is encrypted from the start"
                    : "starttls takes only the value required")
            case ("ehlo", let name):
                guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                    throw SMTPConfigurationError("ehlo must be a host name")
                }
                localName = name
            default:
                throw SMTPConfigurationError("unknown URL parameter \(item.name): expected starttls=required or ehlo=name")
            }
        }
        self.init(host: host, port: components.port, security: resolved, username: username, password: password,
                  caFile: caFile.flatMap { $0.isEmpty ? nil : $0 }, localName: localName)
    }

    /// The URL with the password hidden: safe to log.
    public var description: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let credentials = username.map { "\($0):***@" } ?? ""
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(credentials)\(hostPart):\(port)" + (security == .startTLSRequired ? "?starttls=required" : "")
    }

    /// The TLS settings every connection uses: full certificate verification against the
    /// system's trust roots plus `caFile`'s certificates.
    /// - Throws: `SMTPConfigurationError` when the CA file cannot be read.
    func makeTLSContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw SMTPConfigurationError("cannot read the CA file \(caFile): no such readable file")
            }
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw SMTPConfigurationError("cannot read CA certificates from \(caFile) (is it PEM?): \(error)")
            }
            guard !certificates.isEmpty else { throw SMTPConfigurationError("\(caFile) holds no PEM certificate") }
            tls.additionalTrustRoots = [.certificates(certificates)]
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SMTPConfigurationError("cannot set up TLS: \(error)")
        }
    }
}

/// A mail URL or CA file that cannot be used, with a message meant for the operator.
public struct SMTPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
