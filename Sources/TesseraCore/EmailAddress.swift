import Foundation

/// Email syntax rules. Tessera checks syntax only (no DNS), accepts international local
/// parts, and compares addresses case-insensitively through `normalized`.
public enum EmailAddress {
    /// The form used to compare and to enforce uniqueness.
    public static func normalized(_ email: String) -> String {
        email.lowercased()
    }

    /// Returns nil when valid, or the reason it is not.
    public static func problem(with email: String) -> String? {
        guard email.count <= 254 else { return "The email address is too long." }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return "An email address must have an @-sign." }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty else { return "There must be something before the @-sign." }
        guard !domain.isEmpty else { return "There must be something after the @-sign." }
        guard local.utf8.count <= 64 else { return "The email address is too long before the @-sign." }
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") {
            return "The email address contains a period in an invalid position."
        }
        let forbiddenLocal = CharacterSet(charactersIn: " \t\r\n\"(),:;<>@[\\]").union(.controlCharacters)
        if local.unicodeScalars.contains(where: forbiddenLocal.contains) {
            return "The email address contains invalid characters before the @-sign."
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "The part after the @-sign is not valid. It should have a period." }
        for label in labels {
            guard !label.isEmpty, label.count <= 63 else {
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
