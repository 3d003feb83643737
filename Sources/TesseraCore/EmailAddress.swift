import Foundation

/// Email syntax rules. Tessera checks syntax only (no DNS), accepts international local
/// parts, and compares addresses case-insensitively through `normalized`.
public enum EmailAddress {
    /// The form used to compare and to enforce uniqueness: ASCII letters folded to lower case,
    /// every other character kept exactly. Unicode case folding would let a look-alike such as
    /// KELVIN SIGN (U+212A) in `\u{212A}im@…` fold to `kim@…` and squat that address.
    public static func normalized(_ email: String) -> String {
        var bytes = Array(email.utf8)
        for index in bytes.indices where (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[index]) {
            bytes[index] += 32
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What may not appear before the @-sign: made once, not for every address checked.
    private static let forbiddenLocal = CharacterSet(charactersIn: " \t\r\n\"(),:;<>@[\\]").union(.controlCharacters)

    /// Returns nil when valid, or the reason it is not.
    public static func problem(with email: String) -> String? {
        guard TextRules.length(of: email) <= 254 else { return "The email address is too long." }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return "An email address must have an @-sign." }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty else { return "There must be something before the @-sign." }
        guard !domain.isEmpty else { return "There must be something after the @-sign." }
        guard local.utf8.count <= 64 else { return "The email address is too long before the @-sign." }
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") {
            return "The email address contains a period in an invalid position."
        }
        if local.unicodeScalars.contains(where: forbiddenLocal.contains) {
            return "The email address contains invalid characters before the @-sign."
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "The part after the @-sign is not valid. It should have a period." }
        for label in labels {
            guard !label.isEmpty, TextRules.length(of: label) <= 63 else {
                return "The part after the @-sign is not valid."
            }
            if label.hasPrefix("-") || label.hasSuffix("-") {
                return "The part after the @-sign is not valid."
            }
            let allowed = label.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || $0 == "-"
            }
            guard allowed else { return "The part after the @-sign contains invalid characters." }
        }
        if let top = labels.last, top.allSatisfy(\.isNumber) {
            return "The part after the @-sign is not valid."
        }
        return nil
    }
}
