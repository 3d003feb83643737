import Foundation
import TesseraCore
import TesseraStore

/// Benefits of an organization, and the benefits each product grants.
struct BenefitOperations: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func create(description: String, visibility: Benefit.Visibility, properties: Benefit.Properties,
                metadata: [String: JSONValue], organizationId: UUID) async throws -> Benefit {
        let now = now()
        let benefit = Benefit(id: UUID(), organizationId: organizationId, description: description, visibility: visibility,
                              properties: properties, metadata: metadata, createdAt: now, modifiedAt: nil)
        try await database.transaction { tx in
            try await tx.benefits.insert(benefit)
            try await WebhookEvents(tx: tx).emit(.benefitCreated, data: Wire.benefit(benefit), organizationId: organizationId,
                                                 at: now)
        }
        return benefit
    }

    func list(organizationId: UUID, kind: Benefit.Kind?, text: String?, page: PageRequest) async throws -> Page<Benefit> {
        try await database.read { try await $0.benefits.list(organizationId: organizationId, kind: kind, text: text, page: page) }
    }

    func get(id: UUID, organizationId: UUID) async throws -> Benefit {
        try await database.read { try await $0.benefits.require(id: id, organizationId: organizationId) }
    }

    /// Changes a benefit. `kind` is the type the request names, which must be the benefit's own:
    /// a benefit's type never changes.
    func update(id: UUID, organizationId: UUID, kind: Benefit.Kind, with update: BenefitUpdate) async throws -> Benefit {
        let now = now()
        return try await database.transaction { tx in
            var benefit = try await tx.benefits.require(id: id, organizationId: organizationId)
            guard kind == benefit.kind else {
                throw ValidationFailure([.valueError([.key("body"), .key("type")],
                                                     "The type of a benefit cannot be changed: it is \(benefit.kind.rawValue).",
                                                     input: .string(kind.rawValue))])
            }
            benefit.apply(update, at: now)
            try await tx.benefits.update(benefit)
            try await WebhookEvents(tx: tx).emit(.benefitUpdated, data: Wire.benefit(benefit), organizationId: organizationId,
                                                 at: now)
            return benefit
        }
    }

    func delete(id: UUID, organizationId: UUID) async throws {
        let now = now()
        try await database.transaction { tx in
            _ = try await tx.benefits.require(id: id, organizationId: organizationId)
            try await tx.benefits.delete(id: id, organizationId: organizationId, at: now)
        }
    }

    /// Makes `benefitIds` (in this order, repeats dropped) the product's benefits. An id that
    /// names no live benefit of the organization is refused at its place in the list.
    func setBenefits(_ benefitIds: [UUID], ofProduct productId: UUID, organizationId: UUID) async throws -> ProductWithBenefits {
        var seen = Set<UUID>()
        let ordered = benefitIds.filter { seen.insert($0).inserted }
        let now = now()
        return try await database.transaction { tx in
            var product = try await tx.products.require(id: productId, organizationId: organizationId)
            let known = try await tx.benefits.find(ids: Set(ordered), organizationId: organizationId)
            let unknown = benefitIds.enumerated().filter { known[$0.element] == nil }
            guard unknown.isEmpty else {
                throw ValidationFailure(unknown.map { index, id in
                    .valueError([.key("body"), .key("benefits"), .index(index)], "Benefit does not exist.", input: .string(id.wire))
                })
            }
            try await tx.benefits.setBenefits(ordered, ofProduct: productId)
            product.modifiedAt = now
            try await tx.products.update(product)
            return ProductWithBenefits(product: product, benefits: ordered.compactMap { known[$0] })
        }
    }
}

/// A product with the benefits it grants, in the merchant's order: how the API shows a product.
struct ProductWithBenefits: Sendable {
    var product: Product
    var benefits: [Benefit]
}
