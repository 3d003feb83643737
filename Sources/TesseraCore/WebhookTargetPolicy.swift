import Foundation

/// Which URLs Tessera posts webhooks to.
///
/// A webhook endpoint is a URL a merchant chooses, and the server fetches it: left unchecked,
/// it would reach services on the server's own networks (request forgery). So only http and
/// https URLs without user-info are accepted, numeric hosts only in canonical form, and, unless
/// the operator allows private networks, no `localhost` name and no address outside the public
/// internet. The same rules run when an endpoint is created or changed and again before every
/// delivery, then once more against the addresses the host name resolves to (DNS can change).
public struct WebhookTargetPolicy: Sendable, Equatable {
    /// Allows loopback, private and other non-public addresses and `localhost` names: for
    /// development and tests, where receivers run on the same machine. The URL's form is
    /// still checked.
    public var allowsPrivateNetworks: Bool

    /// The default refuses private networks; tests and development pass `true`.
    public init(allowsPrivateNetworks: Bool = false) {
        self.allowsPrivateNetworks = allowsPrivateNetworks
    }

    /// Checks a URL without the network: its form, and its host when that is an address.
    public func target(for text: String) throws(WebhookTargetRefusal) -> WebhookTarget {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { throw WebhookTargetRefusal(.notHTTP, "the URL must be an absolute http or https URL") }
        guard let rawHost = url.host, !rawHost.isEmpty else {
            throw WebhookTargetRefusal(.notHTTP, "the URL must be an absolute http or https URL")
        }
        // `http://@host` has an empty user, so test for presence, not for content.
        if url.user != nil || url.password != nil {
            throw WebhookTargetRefusal(.userInfo, "the URL must not carry a user name or password")
        }
        if let port = url.port, !(1...65535).contains(port) {
            throw WebhookTargetRefusal(.invalidHost, "the port must be between 1 and 65535")
        }
        // `URL.host` is percent-decoded (and IDNA-encoded), which is what HTTP clients connect
        // to; brackets around an IPv6 address are dropped on some platforms and not on others.
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let hostKind = try Self.classify(host)
        if case .address(let address) = hostKind {
            try check(address, host: host, resolved: false)
        } else if !allowsPrivateNetworks && Self.isLocalhostName(host) {
            throw WebhookTargetRefusal(.localhostName, "\(host) names this machine")
        }
        return WebhookTarget(isHTTPS: scheme == "https", host: host, kind: hostKind, port: port)
    }

    /// Checks the addresses a host name resolved to: one forbidden address refuses them all,
    /// since a connection could go to any of them.
    public func check(resolved addresses: [NetworkAddress], of host: String) throws(WebhookTargetRefusal) {
        guard !addresses.isEmpty else { throw WebhookTargetRefusal(.unresolved, "\(host) has no address") }
        for address in addresses { try check(address, host: host, resolved: true) }
    }

    private func check(_ address: NetworkAddress, host: String, resolved: Bool) throws(WebhookTargetRefusal) {
        guard !allowsPrivateNetworks, let use = address.specialUse else { return }
        let subject = resolved ? "\(host) resolves to \(address), \(use.phrase)" : "\(host) is \(use.phrase)"
        throw WebhookTargetRefusal(.forbiddenAddress(use), "\(subject), not a public internet address")
    }

    /// An address in canonical form, or a host name; anything else that a resolver might read
    /// as a number ("127.1", "2130706433", "0x7f000001", "0177.0.0.1", "1.2.3.4.5") is refused.
    static func classify(_ host: String) throws(WebhookTargetRefusal) -> WebhookTarget.HostKind {
        if host.contains(":") {
            guard let address = NetworkAddress(host) else {
                throw WebhookTargetRefusal(.invalidHost, "\(host) is not a valid IPv6 address")
            }
            return .address(address)
        }
        if let address = NetworkAddress(host) { return .address(address) }
        if let address = NetworkAddress.legacyIPv4(host) {
            throw WebhookTargetRefusal(.nonCanonicalNumber, "\(host) is an IPv4 address (\(address)) in a non-standard form; "
                                       + "write addresses as four decimal numbers")
        }
        if endsInANumber(host) {
            throw WebhookTargetRefusal(.nonCanonicalNumber, "\(host) looks like a numeric address but is not one")
        }
        guard isHostName(host) else {
            throw WebhookTargetRefusal(.invalidHost, "\(host) is not a valid host name")
        }
        return .name(host)
    }

    /// The URL Standard's test for hosts that browsers parse as IPv4: the last label (a
    /// trailing dot aside) is decimal digits or `0x` and hex digits. No top-level domain is
    /// numeric, so no real host name is refused by it.
    static func endsInANumber(_ host: String) -> Bool {
        var labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.last?.isEmpty == true && labels.count > 1 { labels.removeLast() }
        guard let last = labels.last?.lowercased(), !last.isEmpty else { return false }
        if last.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        return last.hasPrefix("0x") && last.dropFirst(2).allSatisfy { $0.isASCII && $0.isHexDigit }
    }

    /// Letters, digits, `-` and `_` in labels of 1 to 63 characters, at most 253 in all and
    /// one optional trailing dot. (`URL` has already turned international names into `xn--`.)
    static func isHostName(_ host: String) -> Bool {
        let name = host.hasSuffix(".") ? host.dropLast() : Substring(host)
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count)
                && label.utf8.allSatisfy { byte in
                    switch byte {
                    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                         UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
                    default: false
                    }
                }
        }
    }

    /// `localhost` and every name under it (RFC 6761: they always mean this machine).
    static func isLocalhostName(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name == "localhost" || name.hasSuffix(".localhost")
    }
}

/// Where a webhook URL points, once `WebhookTargetPolicy` has accepted its form.
public struct WebhookTarget: Sendable, Equatable {
    /// An address written in the URL, or a name still to resolve.
    public enum HostKind: Sendable, Equatable {
        case address(NetworkAddress)
        case name(String)
    }

    /// https (TLS) rather than http.
    public var isHTTPS: Bool
    /// The host exactly as `URL` reads it, without brackets: what an HTTP client looks up,
    /// sends as `Host` and checks the certificate against.
    public var host: String
    /// Whether the host is an address already judged, or a name to resolve and judge.
    public var kind: HostKind
    /// The URL's port, or the scheme's default.
    public var port: Int
}

/// Why a webhook URL is refused; `message` says it in a sentence for people.
public struct WebhookTargetRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is, for code that reacts differently to each.
    public enum Reason: Sendable, Equatable {
        /// Not an absolute http or https URL with a host.
        case notHTTP
        /// A user name or password in the URL.
        case userInfo
        /// A host or port that is not well-formed.
        case invalidHost
        /// A number a resolver would read as an IPv4 address, in a form other than the dotted quad.
        case nonCanonicalNumber
        /// `localhost` or a name under it.
        case localhostName
        /// An address (written, or resolved) in a range the policy refuses.
        case forbiddenAddress(SpecialUse)
        /// The host name resolved to no address at all.
        case unresolved
    }

    /// Which rule refused the URL.
    public var reason: Reason
    /// A sentence naming the host and the rule, such as "127.0.0.1 is a loopback address, …".
    public var message: String

    /// A refusal for `reason`, explained by `message`.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}
