import Foundation

/// How an organization shows itself to its customers on the claim page, in the portal and in
/// invitation emails (Tessera's own setting): a display name, a logo and an accent colour. Each
/// is optional; what is unset falls back to the organization's name and Tessera's own look.
///
/// Every part ends up in HTML or in a Content-Security-Policy header, so each is checked here,
/// the one place: the colour is `#rrggbb` and nothing else, and the logo's origin is plain
/// scheme, host and port, so neither can carry CSS or a policy directive.
public struct Branding: Sendable, Equatable {
    /// The name customers see instead of the organization's own (`name`).
    public var displayName: String?
    /// An absolute https URL (http only on a loopback host), shown as given.
    public var logoURL: String?
    /// `#rrggbb` in lower case.
    public var accentColor: String?

    public init(displayName: String? = nil, logoURL: String? = nil, accentColor: String? = nil) {
        self.displayName = displayName
        self.logoURL = logoURL
        self.accentColor = accentColor
    }

    public static let maximumDisplayNameLength = 100
    public static let maximumLogoURLLength = 2048

    /// The origin the logo is loaded from (`https://cdn.example.com:8443`), which the pages'
    /// `img-src` allows besides their own; nil without a logo.
    public var logoOrigin: String? { logoURL.flatMap(Self.origin(ofLogoURL:)) }

    /// The text colour on the accent (`#000000` or `#ffffff`, whichever contrasts more, as
    /// WCAG measures contrast), so a light accent keeps its buttons readable; nil without one.
    public var accentInk: String? {
        guard let accentColor, let value = UInt32(accentColor.dropFirst(), radix: 16) else { return nil }
        func linear(_ channel: UInt32) -> Double {
            let c = Double(channel) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let luminance = 0.2126 * linear(value >> 16 & 0xFF) + 0.7152 * linear(value >> 8 & 0xFF) + 0.0722 * linear(value & 0xFF)
        return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#000000" : "#ffffff"
    }

    /// Applies a change: a field the change leaves nil stays, one set to `.some(nil)` is cleared.
    public mutating func apply(_ change: BrandingUpdate) {
        if let displayName = change.displayName { self.displayName = displayName }
        if let logoURL = change.logoURL { self.logoURL = logoURL }
        if let accentColor = change.accentColor { self.accentColor = accentColor }
    }

    // MARK: Rules

    /// The three parts, each with its rule: what the operator API and the dashboard's form check.
    public enum Field: String, Sendable, CaseIterable {
        case displayName = "display_name"
        case logoURL = "logo_url"
        case accentColor = "accent_color"

        /// The value as stored (a colour in lower case), or nil when `text` breaks the rule.
        public func accepted(_ text: String) -> String? {
            switch self {
            case .displayName: Branding.isValidDisplayName(text) ? text : nil
            case .logoURL: Branding.isValidLogoURL(text) ? text : nil
            case .accentColor: Branding.accentColor(text)
            }
        }

        /// The rule, in words.
        public var rule: String {
            switch self {
            case .displayName: Branding.displayNameRule
            case .logoURL: Branding.logoURLRule
            case .accentColor: Branding.accentColorRule
            }
        }

        /// The longest text the rule can accept: longer input is refused before it is read.
        public var maximumLength: Int {
            switch self {
            case .displayName: Branding.maximumDisplayNameLength
            case .logoURL: Branding.maximumLogoURLLength
            case .accentColor: 7
            }
        }
    }

    /// The colour in lower case when `text` is exactly `#` and six hex digits; else nil.
    public static func accentColor(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[0] == UInt8(ascii: "#"),
              bytes.dropFirst().allSatisfy({ isHexDigit($0) }) else { return nil }
        return text.lowercased()
    }

    /// What `accentColor(_:)` accepts, in words.
    public static let accentColorRule = "an accent colour is # followed by six hex digits, as #1a2b3c"

    /// A display name: 1 to 100 characters, none of them a control character.
    public static func isValidDisplayName(_ text: String) -> Bool {
        let length = TextRules.length(of: text)
        return (1...maximumDisplayNameLength).contains(length)
            && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
            && !text.allSatisfy(\.isWhitespace)
    }

    /// What `isValidDisplayName(_:)` accepts, in words.
    public static let displayNameRule = "a display name has 1 to 100 characters and no control characters"

    /// Whether `text` may be a logo: see `origin(ofLogoURL:)`.
    public static func isValidLogoURL(_ text: String) -> Bool { origin(ofLogoURL: text) != nil }

    /// What `isValidLogoURL(_:)` accepts, in words.
    public static let logoURLRule =
        "a logo URL is an absolute https URL (http only for localhost or 127.0.0.1) of at most 2048 characters, with no user name, password or spaces"

    /// The origin of a logo URL, or nil when it is not one: `https://` (or `http://` to a
    /// loopback host), no user or password, a host of letters, digits, dots and dashes (or an
    /// IPv6 address in brackets), an optional port; then any path and query without spaces
    /// or control characters.
    static func origin(ofLogoURL text: String) -> String? {
        guard TextRules.length(of: text) <= maximumLogoURLLength,
              !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0.value > 0x7E })
        else { return nil }
        let lowered = text.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") { scheme = "https" } else if lowered.hasPrefix("http://") { scheme = "http" } else {
            return nil
        }
        let afterScheme = lowered.dropFirst(scheme.count + 3)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        let host: Substring
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            guard host.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                port = rest.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            port = parts.count == 2 ? parts[1] : nil
            guard !host.isEmpty, !host.hasPrefix("."), !host.hasPrefix("-"),
                  host.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" })
            else { return nil }
        }
        if let port {
            guard (1...5).contains(port.count), port.allSatisfy({ ("0"..."9").contains($0) }),
                  let number = Int(port), (1...65535).contains(number) else { return nil }
        }
        if scheme == "http" {
            guard ["localhost", "127.0.0.1", "[::1]"].contains(String(host)) else { return nil }
        }
        return port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}

/// An operator's change to an organization's branding: nil leaves a field as it is,
/// `.some(nil)` clears it. Values are already checked against `Branding`'s rules.
public struct BrandingUpdate: Sendable, Equatable {
    public var displayName: String??
    public var logoURL: String??
    public var accentColor: String??

    public init(displayName: String?? = nil, logoURL: String?? = nil, accentColor: String?? = nil) {
        self.displayName = displayName
        self.logoURL = logoURL
        self.accentColor = accentColor
    }
}
