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
    /// In the stored unit, as the query compares it.
    public var createdAtMicros: Int64
    public var id: UUID

    /// The cursor after an item created at `createdAt` (exactly its stored microseconds).
    public init(createdAt: Date, id: UUID) {
        self.init(createdAtMicros: Timestamp.micros(createdAt), id: id)
    }

    public init(createdAtMicros: Int64, id: UUID) {
        self.createdAtMicros = createdAtMicros
        self.id = id
    }

    /// The cursor as callers pass it back: base64url of `micros:id`, opaque by intent.
    public var text: String {
        Data("\(createdAtMicros):\(id.wire)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads `text`; nil for anything `text` could not have written.
    public init?(text: String) {
        guard text.utf8.count <= 128 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8) else {
            return nil
        }
        let parts = decoded.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(wire: String(parts[1])) else { return nil }
        self.init(createdAtMicros: micros, id: id)
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

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
