import Foundation
import SQLKit
import TesseraCore

/// A page of results and the total across all pages.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var totalCount: Int

    public init(items: [Item], totalCount: Int) {
        self.items = items
        self.totalCount = totalCount
    }
}

/// Page number (from 1) and size, already validated.
public struct PageRequest: Sendable {
    public var page: Int
    public var limit: Int

    public init(page: Int, limit: Int) {
        self.page = page
        self.limit = limit
    }

    var offset: Int { (page - 1) * limit }
}

/// Where a cursor-paginated list goes on: past the item created at `createdAtMicros` with
/// `id`. Callers see it as opaque text.
public struct ListCursor: Sendable, Equatable {
    /// In the stored unit, as the query compares it (lists in time order).
    public var createdAtMicros: Int64
    /// The text the list is sorted by, for a list in that text's order (an email prefix
    /// search); nil for a list in time order.
    public var sortKey: String?
    public var id: UUID

    /// The cursor after an item created at `createdAt` (exactly its stored microseconds).
    public init(createdAt: Date, id: UUID) {
        self.init(createdAtMicros: Timestamp.micros(createdAt), id: id)
    }

    public init(createdAtMicros: Int64, id: UUID) {
        self.createdAtMicros = createdAtMicros
        self.sortKey = nil
        self.id = id
    }

    /// The cursor after an item of a list sorted by text, whose text is `sortKey`.
    public init(sortKey: String, id: UUID) {
        self.createdAtMicros = 0
        self.sortKey = sortKey
        self.id = id
    }

    /// The cursor as callers pass it back: base64url of `micros:id`, or `k:key:id` with the key
    /// in base64url; opaque by intent.
    public var text: String {
        let plain = sortKey.map { "k:\(Data($0.utf8).base64URLEncoded()):\(id.wire)" } ?? "\(createdAtMicros):\(id.wire)"
        return Data(plain.utf8).base64URLEncoded()
    }

    /// Reads `text`; nil for anything `text` could not have written.
    public init?(text: String) {
        guard text.utf8.count <= 1024, let decoded = Self.fromBase64URL(text) else { return nil }
        let parts = decoded.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0] == "k", let key = Self.fromBase64URL(String(parts[1])),
           let id = UUID(wire: String(parts[2])) {
            self.init(sortKey: key, id: id)
            return
        }
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(wire: String(parts[1])) else { return nil }
        self.init(createdAtMicros: micros, id: id)
    }

    private static func fromBase64URL(_ text: String) -> String? {
        Data(base64URLEncoded: text).flatMap { String(data: $0, encoding: .utf8) }
    }
}

/// A page of a cursor-paginated list and the cursor of the next one (nil on the last page).
public struct CursorPage<Item: Sendable>: Sendable {
    public var items: [Item]
    public var next: ListCursor?

    public init(items: [Item], next: ListCursor?) {
        self.items = items
        self.next = next
    }

    /// A page from rows read with one more than `limit`: the extra row only says that another
    /// page follows, which then starts after the page's last item.
    init(overRead rows: [Item], limit: Int, cursor: (Item) -> ListCursor) {
        guard rows.count > limit else {
            self.init(items: rows, next: nil)
            return
        }
        let items = Array(rows.prefix(limit))
        self.init(items: items, next: items.last.map(cursor))
    }
}

/// `LIKE` patterns whose text matches only itself: LIKE's own wildcards (and the escape
/// character) in it are escaped, for a query written with `ESCAPE '\\'`.
enum LikePattern {
    static func containing(_ text: String) -> String { "%" + escaped(text) + "%" }
    static func startingWith(_ text: String) -> String { escaped(text) + "%" }

    /// The least text greater than every text that starts with `prefix`, in code point (UTF-8
    /// byte) order: with `prefix` itself, the bounds of an index range walk of a prefix search.
    /// Nil when no such bound exists (a prefix of only U+10FFFF).
    static func upperBound(ofPrefix prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            let next = last.value == 0xD7FF ? 0xE000 : last.value + 1
            if let scalar = Unicode.Scalar(next) {
                scalars.append(scalar)
                return String(String.UnicodeScalarView(scalars))
            }
        }
        return nil
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
