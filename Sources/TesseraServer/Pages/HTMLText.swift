import Mustache

/// Text made safe for HTML, in element content and in quoted attribute values: the one HTML
/// escaping of every page and of the invitation email.
///
/// Escaped Unicode scalar by scalar, not `Character` by `Character`: a quote followed by a
/// combining mark is one `Character` unequal to `"`, yet HTML still reads the quote, which
/// would end an attribute and let the rest become markup. (swift-mustache's own HTML escaping
/// compares `Character`s, so the templates use ``HTMLText/ContentType`` instead.)
enum HTMLText {
    static func escape(_ text: String) -> String {
        // Most of what a page shows (addresses, names, links) has nothing to escape.
        let needsEscaping = text.utf8.contains {
            switch $0 {
            case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"): true
            default: false
            }
        }
        guard needsEscaping else { return text }
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    /// What `{{value}}` escapes with in every template: ``escape(_:)``.
    struct ContentType: MustacheContentType {
        /// The name templates select it by (`{{% CONTENT_TYPE: … }}`).
        static let name = "TESSERA_HTML"

        func escapeText(_ text: String) -> String { HTMLText.escape(text) }
    }
}
