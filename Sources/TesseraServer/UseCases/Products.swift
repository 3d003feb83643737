import Foundation
import TesseraCore
import TesseraStore

/// Products of an organization. Prices arrive already read and checked
/// (`ProductPrice.read`); each gets its id and creation time here, with the product's.
struct ProductOperations: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func create(name: String, description: String?, recurringInterval: Product.RecurringInterval?,
                prices: [ProductPrice.Kind], metadata: [String: JSONValue], organizationId: UUID) async throws -> Product {
        let now = now()
        let product = Product(
            id: UUID(), organizationId: organizationId, name: name, description: description,
            recurringInterval: recurringInterval, prices: ProductPrice.created(prices, at: now),
            metadata: metadata, isArchived: false, createdAt: now, modifiedAt: nil)
        try await database.transaction { try await $0.products.insert(product) }
        return product
    }

    func list(organizationId: UUID, page: PageRequest) async throws -> Page<Product> {
        try await database.read { try await $0.products.list(organizationId: organizationId, page: page) }
    }

    func get(id: UUID, organizationId: UUID) async throws -> Product {
        try await database.read { try await $0.products.require(id: id, organizationId: organizationId) }
    }

    func update(id: UUID, organizationId: UUID, with update: ProductUpdate) async throws -> Product {
        let now = now()
        return try await database.transaction { tx in
            var product = try await tx.products.require(id: id, organizationId: organizationId)
            product.apply(update, at: now)
            try await tx.products.update(product)
            return product
        }
    }
}
