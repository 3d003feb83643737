import Foundation
import TesseraCore
import TesseraStore

/// Products of an organization. Prices arrive already read and checked
/// (`ProductPrice.read`); each gets its id and creation time here, with the product's.
struct ProductOperations: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func create(name: String, description: String?, recurringInterval: Product.RecurringInterval?,
                prices: [ProductPrice.Kind], metadata: [String: JSONValue], organizationId: UUID) async throws -> ProductWithBenefits {
        let now = now()
        let product = Product(
            id: UUID.timeOrdered(), organizationId: organizationId, name: name, description: description,
            recurringInterval: recurringInterval, prices: ProductPrice.created(prices, at: now),
            metadata: metadata, isArchived: false, createdAt: now, modifiedAt: nil)
        try await database.transaction { try await $0.products.insert(product) }
        return ProductWithBenefits(product: product, benefits: [])
    }

    /// A page of products, each with its benefits (one query for the whole page).
    func list(organizationId: UUID, page: PageRequest) async throws -> Page<ProductWithBenefits> {
        try await database.read { session in
            let products = try await session.products.list(organizationId: organizationId, page: page)
            let benefits = try await session.benefits.benefits(ofProducts: Set(products.items.map(\.id)))
            return Page(items: products.items.map { ProductWithBenefits(product: $0, benefits: benefits[$0.id] ?? []) },
                        totalCount: products.totalCount)
        }
    }

    func get(id: UUID, organizationId: UUID) async throws -> ProductWithBenefits {
        try await database.read { session in
            let product = try await session.products.require(id: id, organizationId: organizationId)
            return ProductWithBenefits(product: product,
                                       benefits: try await session.benefits.benefits(ofProducts: [id])[id] ?? [])
        }
    }

    func update(id: UUID, organizationId: UUID, with update: ProductUpdate) async throws -> ProductWithBenefits {
        let now = now()
        return try await database.transaction { tx in
            var product = try await tx.products.require(id: id, organizationId: organizationId)
            product.apply(update, at: now)
            try await tx.products.update(product)
            return ProductWithBenefits(product: product, benefits: try await tx.benefits.benefits(ofProducts: [id])[id] ?? [])
        }
    }
}
