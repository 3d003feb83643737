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
        let benefit = Benefit(id: UUID.timeOrdered(), organizationId: organizationId, description: description, visibility: visibility,
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
            try await BenefitGrants(tx: tx, now: now).announceUpdate(of: benefit)
            return benefit
        }
    }

    func delete(id: UUID, organizationId: UUID) async throws {
        let now = now()
        try await database.transaction { tx in
            var benefit = try await tx.benefits.require(id: id, organizationId: organizationId)
            try await tx.benefits.delete(id: id, organizationId: organizationId, at: now)
            benefit.isDeleted = true
            try await BenefitGrants(tx: tx, now: now).revokeAll(of: benefit)
        }
    }

    /// Makes `benefitIds` (in this order, repeats dropped) the product's benefits. An id that
    /// names no live benefit of the organization is refused at its place in the list.
    func setBenefits(_ benefitIds: [UUID], ofProduct productId: UUID, organizationId: UUID) async throws -> ProductWithBenefits {
        var seen = Set<UUID>()
        let ordered = benefitIds.filter { seen.insert($0).inserted }
        let now = now()
        return try await database.transaction { tx in
            // Locked first: two requests writing the same product's benefits in different orders
            // otherwise wait on each other's rows (a deadlock on PostgreSQL).
            var product = try await tx.products.require(id: productId, organizationId: organizationId, locking: true)
            let known = try await tx.benefits.find(ids: Set(ordered), organizationId: organizationId)
            let unknown = benefitIds.enumerated().filter { known[$0.element] == nil }
            guard unknown.isEmpty else {
                throw ValidationFailure(unknown.map { index, id in
                    .valueError([.key("body"), .key("benefits"), .index(index)], "Benefit does not exist.", input: .string(id.wire))
                })
            }
            let before = try await tx.benefits.benefits(ofProducts: [productId])[productId] ?? []
            try await tx.benefits.setBenefits(ordered, ofProduct: productId)
            product.modifiedAt = now
            try await tx.products.update(product)
            // Holders of the product's claimed seats gain what was added and lose what was taken off.
            let grants = BenefitGrants(tx: tx, now: now)
            let kept = Set(ordered)
            for removed in before where !kept.contains(removed.id) {
                try await grants.revoke(removed.id, throughSeatsOf: productId, organizationId: organizationId)
            }
            let had = Set(before.map(\.id))
            for added in ordered where !had.contains(added) {
                if let benefit = known[added] { try await grants.grant(benefit, throughSeatsOf: productId) }
            }
            return ProductWithBenefits(product: product, benefits: ordered.compactMap { known[$0] })
        }
    }
}

extension BenefitOperations {
    /// What grants a list may be narrowed to.
    struct GrantFilter: Sendable {
        var benefitId: UUID?
        var customerId: UUID?
        var externalCustomerId: String?
        var memberId: UUID?
        var isGranted: Bool?
    }

    /// A page of the organization's grants, oldest first, each with what its answer embeds.
    /// A benefit named by id must be the organization's and not deleted.
    func grants(organizationId: UUID, filter: GrantFilter, page: PageRequest) async throws -> Page<BenefitGrantDetails> {
        try await database.read { session in
            if let benefitId = filter.benefitId {
                _ = try await session.benefits.require(id: benefitId, organizationId: organizationId)
            }
            var customerIds: [UUID]?
            if let customerId = filter.customerId { customerIds = [customerId] }
            if let externalId = filter.externalCustomerId {
                let customer = try await session.customers.find(externalId: externalId, organizationId: organizationId)
                // Both filters hold: an unknown external id, or another customer's, matches nothing.
                customerIds = [customer?.id].compactMap { $0 }.filter { customerIds?.contains($0) ?? true }
            }
            let grants = try await session.benefitGrants.list(
                organizationId: organizationId, benefitId: filter.benefitId, customerIds: customerIds,
                memberId: filter.memberId, isGranted: filter.isGranted, page: page)
            return Page(items: try await BenefitGrants.details(of: grants.items, tx: session), totalCount: grants.totalCount)
        }
    }
}

/// A product with the benefits it grants, in the merchant's order: how the API shows a product.
struct ProductWithBenefits: Sendable {
    var product: Product
    var benefits: [Benefit]
}
