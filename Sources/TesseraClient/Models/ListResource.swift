import Foundation

/// One page of a list: its items and where it stands among all pages.
public struct ListResource<Item: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var items: [Item]
    public var pagination: Pagination

    enum CodingKeys: String, CodingKey {
        case items, pagination
    }
}

/// Where a page stands: lists take `page` (from 1) and `limit` (1–100, default 10).
public struct Pagination: Codable, Sendable, Hashable {
    /// Items across all pages.
    public var totalCount: Int
    /// The last page number (0 when there are no items).
    public var maxPage: Int

    enum CodingKeys: String, CodingKey {
        case totalCount = "total_count"
        case maxPage = "max_page"
    }
}
