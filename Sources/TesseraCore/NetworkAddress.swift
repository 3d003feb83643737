/// An IPv4 or IPv6 address, and which special-purpose range (if any) it falls in.
///
/// Webhook delivery uses it to keep merchants' endpoints off loopback, private and other
/// non-public networks (see `WebhookTargetPolicy`). Parsing is deliberately strict: only the
/// canonical text forms are addresses, so "127.1" or "0x7f000001" never slip through as
/// host names; `legacyIPv4(_:)` recognises those forms so they can be refused by name.
public struct NetworkAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    public let bytes: [UInt8]

    /// An address from its bytes: 4 for IPv4, 16 for IPv6; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses the canonical text forms only, as `inet_pton` does: a dotted quad of four
    /// decimal numbers 0–255 without leading zeros, or RFC 4291 IPv6 text (hex groups, at most
    /// one `::`, optionally ending in a dotted quad), without brackets or a zone.
    public init?(_ text: String) {
        if text.contains(":") {
            guard let bytes = Self.parseIPv6(Array(text.utf8)) else { return nil }
            self.bytes = bytes
        } else {
            guard let bytes = Self.parseDottedQuad(Array(text.utf8)) else { return nil }
            self.bytes = bytes
        }
    }

    /// True for a 4-byte IPv4 address, false for IPv6.
    public var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address an IPv6 address carries and stands for: IPv4-mapped (`::ffff:0:0/96`),
    /// NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`) addresses all lead to it.
    public var embeddedIPv4: NetworkAddress? {
        guard bytes.count == 16 else { return nil }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return NetworkAddress(bytes: Array(bytes[12..<16]))
        }
        if bytes[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] {
            return NetworkAddress(bytes: Array(bytes[12..<16]))
        }
        if bytes[0] == 0x20 && bytes[1] == 0x02 {
            return NetworkAddress(bytes: Array(bytes[2..<6]))
        }
        return nil
    }

    /// The special-purpose range the address is in, or nil for an ordinary public address.
    /// IPv6 addresses that carry an IPv4 address (see `embeddedIPv4`) are judged by it.
    public var specialUse: SpecialUse? {
        if let embedded = embeddedIPv4 { return embedded.specialUse }
        return isIPv4 ? Self.ipv4SpecialUse(bytes) : Self.ipv6SpecialUse(bytes)
    }

    /// Dotted quad for IPv4; for IPv6 the RFC 5952 form (lower-case, longest run of zero
    /// groups shortened to `::`), which `inet_pton` reads back.
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
        // The longest run of two or more zero groups (the first such run on a tie).
        var best: Range<Int>?
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index >= 2 && end - index > (best?.count ?? 0) { best = index..<end }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard let best else { return hex.joined(separator: ":") }
        return hex[..<best.lowerBound].joined(separator: ":") + "::" + hex[best.upperBound...].joined(separator: ":")
    }

    // MARK: Legacy numeric forms

    /// Reads `text` the way the C resolver's `inet_aton` does: one to four parts separated by
    /// dots, each decimal, octal (a leading `0`) or hex (`0x`), the last part filling the
    /// remaining bytes ("127.1" is 127.0.0.1, "2130706433" and "0x7f000001" too).
    /// `getaddrinfo` accepts these forms, so a host name written this way is an address.
    public static func legacyIPv4(_ text: String) -> NetworkAddress? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            guard let value = legacyNumber(part) else { return nil }
            values.append(value)
        }
        // All parts but the last are one byte each; the last fills what is left.
        let leading = values.dropLast()
        guard leading.allSatisfy({ $0 <= 0xff }), let last = values.last else { return nil }
        let lastBytes = 4 - leading.count
        guard last < (UInt64(1) << (8 * UInt64(lastBytes))) else { return nil }
        var bytes = leading.map { UInt8($0) }
        for shift in stride(from: 8 * (lastBytes - 1), through: 0, by: -8) {
            bytes.append(UInt8((last >> UInt64(shift)) & 0xff))
        }
        return NetworkAddress(bytes: bytes)
    }

    /// One `inet_aton` part; nil when it is not a number or too large to matter.
    private static func legacyNumber(_ part: Substring) -> UInt64? {
        let text = part.lowercased()
        let digits: Substring
        let radix: Int
        if text.hasPrefix("0x") {
            digits = text.dropFirst(2)
            radix = 16
            // inet_aton reads a bare "0x" as zero.
            if digits.isEmpty { return 0 }
        } else if text.hasPrefix("0") && text.count > 1 {
            digits = text.dropFirst()
            radix = 8
        } else {
            digits = Substring(text)
            radix = 10
        }
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        return UInt64(digits, radix: radix)
    }

    // MARK: Strict parsing

    private static func parseDottedQuad(_ text: [UInt8]) -> [UInt8]? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return nil }
            // A leading zero means octal to inet_aton: not canonical, so not accepted here.
            if part.count > 1 && part.first == UInt8(ascii: "0") { return nil }
            let value = part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard value <= 255 else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    private static func parseIPv6(_ text: [UInt8]) -> [UInt8]? {
        // Split on "::" at most once; each side is a list of groups.
        let colon = UInt8(ascii: ":")
        var doubleColon: Int?
        var index = 0
        while index + 1 < text.count {
            if text[index] == colon && text[index + 1] == colon {
                guard doubleColon == nil else { return nil }
                doubleColon = index
                index += 2
            } else {
                index += 1
            }
        }
        func groups(_ part: ArraySlice<UInt8>, allowsIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: colon, omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (position, piece) in pieces.enumerated() {
                if allowsIPv4Tail && position == pieces.count - 1 && piece.contains(UInt8(ascii: ".")) {
                    guard let quad = parseDottedQuad(Array(piece)) else { return nil }
                    result.append(UInt16(quad[0]) << 8 | UInt16(quad[1]))
                    result.append(UInt16(quad[2]) << 8 | UInt16(quad[3]))
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(isHexDigit),
                      let value = UInt16(String(decoding: piece, as: UTF8.self), radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        var all: [UInt16]
        if let doubleColon {
            guard let head = groups(text[..<doubleColon], allowsIPv4Tail: false),
                  let tail = groups(text[(doubleColon + 2)...], allowsIPv4Tail: true),
                  head.count + tail.count <= 7 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let only = groups(text[...], allowsIPv4Tail: true), only.count == 8 else { return nil }
            all = only
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    // MARK: Special-purpose ranges

    /// IPv4 ranges that are not ordinary public unicast (IANA's special-purpose registry).
    private static let ipv4Ranges: [(prefix: [UInt8], length: Int, use: SpecialUse)] = [
        ([0, 0, 0, 0], 8, .unspecified),
        ([10, 0, 0, 0], 8, .privateNetwork),
        ([100, 64, 0, 0], 10, .sharedAddressSpace),
        ([127, 0, 0, 0], 8, .loopback),
        ([169, 254, 0, 0], 16, .linkLocal),
        ([172, 16, 0, 0], 12, .privateNetwork),
        ([192, 0, 0, 0], 24, .protocolAssignment),
        ([192, 0, 2, 0], 24, .documentation),
        ([192, 88, 99, 0], 24, .reserved),
        ([192, 168, 0, 0], 16, .privateNetwork),
        ([198, 18, 0, 0], 15, .benchmarking),
        ([198, 51, 100, 0], 24, .documentation),
        ([203, 0, 113, 0], 24, .documentation),
        ([224, 0, 0, 0], 4, .multicast),
        ([255, 255, 255, 255], 32, .broadcast),
        ([240, 0, 0, 0], 4, .reserved),
    ]

    /// IPv6 ranges inside global unicast (`2000::/3`) that are not public; everything outside
    /// `2000::/3` is classified in `ipv6SpecialUse`.
    private static let ipv6GlobalRanges: [(prefix: [UInt8], length: Int, use: SpecialUse)] = [
        ([0x20, 0x01, 0x0d, 0xb8], 32, .documentation),
        ([0x3f, 0xff], 20, .documentation),
        // Teredo, benchmarking, ORCHID and other IETF protocol assignments: not plain hosts.
        ([0x20, 0x01, 0x00, 0x00], 23, .protocolAssignment),
    ]

    private static func ipv4SpecialUse(_ bytes: [UInt8]) -> SpecialUse? {
        ipv4Ranges.first { matches(bytes, $0.prefix, $0.length) }?.use
    }

    private static func ipv6SpecialUse(_ bytes: [UInt8]) -> SpecialUse? {
        if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
        if bytes[0] == 0xff { return .multicast }
        if bytes[0] & 0xfe == 0xfc { return .privateNetwork }
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return .linkLocal }
        // Site-local (fec0::/10, deprecated but still private in practice).
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0xc0 { return .privateNetwork }
        // Only 2000::/3 is allocated as global unicast; the rest (IPv4-compatible ::/96,
        // discard 100::/64, local-use NAT64 64:ff9b:1::/48, …) is reserved.
        guard bytes[0] & 0xe0 == 0x20 else { return .reserved }
        return ipv6GlobalRanges.first { matches(bytes, $0.prefix, $0.length) }?.use
    }

    private static func matches(_ bytes: [UInt8], _ prefix: [UInt8], _ length: Int) -> Bool {
        for bit in 0..<length {
            let byte = bit / 8
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            let prefixByte = byte < prefix.count ? prefix[byte] : 0
            if bytes[byte] & mask != prefixByte & mask { return false }
        }
        return true
    }
}

/// The special-purpose ranges `NetworkAddress` tells apart: none of them is a public host.
public enum SpecialUse: String, Sendable, CaseIterable {
    /// 0.0.0.0/8 and `::`: "this host" (connecting to it reaches the local machine).
    case unspecified
    /// 127.0.0.0/8 and `::1`.
    case loopback
    /// RFC 1918 networks and IPv6 unique-local (and site-local) addresses.
    case privateNetwork = "private"
    /// Carrier-grade NAT, 100.64.0.0/10.
    case sharedAddressSpace = "shared"
    /// 169.254.0.0/16 (where cloud metadata services live) and fe80::/10.
    case linkLocal = "link-local"
    /// 224.0.0.0/4 and ff00::/8.
    case multicast
    /// 255.255.255.255.
    case broadcast
    /// TEST-NET ranges, 2001:db8::/32 and 3fff::/20: examples, never real hosts.
    case documentation
    /// 198.18.0.0/15, for network benchmarks.
    case benchmarking
    /// Addresses IANA assigned to protocols (192.0.0.0/24, 2001::/23).
    case protocolAssignment = "protocol assignment"
    /// Anything else not allocated to public hosts: 240.0.0.0/4, IPv6 outside 2000::/3, …
    case reserved

    /// How error messages name the range: "a loopback address".
    public var phrase: String {
        switch self {
        case .unspecified: "an unspecified address"
        case .loopback: "a loopback address"
        case .privateNetwork: "a private network address"
        case .sharedAddressSpace: "a carrier-grade NAT address"
        case .linkLocal: "a link-local address"
        case .multicast: "a multicast address"
        case .broadcast: "the broadcast address"
        case .documentation: "a documentation address"
        case .benchmarking: "a benchmarking address"
        case .protocolAssignment: "an address reserved for protocol use"
        case .reserved: "a reserved address"
        }
    }
}
