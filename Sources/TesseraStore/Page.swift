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
