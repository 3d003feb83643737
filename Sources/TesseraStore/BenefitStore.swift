import Foundation
import SQLKit
import TesseraCore

/// Benefits of an organization, and which products grant them. A deleted benefit keeps its
/// row, but no lookup here finds it and it belongs to no product.
public struct BenefitStore: Sendable {
    let session: SQLSession

    public func insert(_ benefit: Benefit) async throws {
        try await session.execute("""
            INSERT INTO benefits (id, organization_id, type, description, visibility, properties, metadata,
                                  created_at, modified_at)
            VALUES (\(bind: benefit.id.wire), \(bind: benefit.organizationId.wire), \(bind: benefit.kind.rawValue),
                    \(bind: benefit.description), \(bind: benefit.visibility.rawValue),
                    \(bind: benefit.properties.json.serialized()), \(bind: benefit.metadata.stored),
                    \(bind: benefit.createdAt.micros), \(bind: benefit.modifiedAt.micros))
            """)
    }

    public func update(_ benefit: Benefit) async throws {
        try await session.execute("""
            UPDATE benefits SET description = \(bind: benefit.description), visibility = \(bind: benefit.visibility.rawValue),
                properties = \(bind: benefit.properties.json.serialized()), metadata = \(bind: benefit.metadata.stored),
                modified_at = \(bind: benefit.modifiedAt.micros)
            WHERE id = \(bind: benefit.id.wire) AND organization_id = \(bind: benefit.organizationId.wire)
            """)
    }

    /// Marks the benefit deleted and takes it off every product.
    public func delete(id: UUID, organizationId: UUID, at now: Date) async throws {
        try await session.execute("""
            UPDATE benefits SET deleted_at = \(bind: now.micros), modified_at = \(bind: now.micros)
            WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            """)
        try await session.execute("DELETE FROM product_benefits WHERE benefit_id = \(bind: id.wire)")
    }

    public func find(id: UUID, organizationId: UUID) async throws -> Benefit? {
        try await session.first("""
            SELECT * FROM benefits WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
              AND deleted_at IS NULL
            """).map(Self.benefit)
    }

    /// The organization's live benefit with this id; `notFound(.benefit)` when there is none.
    public func require(id: UUID, organizationId: UUID) async throws -> Benefit {
        guard let benefit = try await find(id: id, organizationId: organizationId) else {
            throw TesseraError.notFound(.benefit)
        }
        return benefit
    }

    /// The organization's live benefits with these ids, keyed by id, in one query.
    public func find(ids: Set<UUID>, organizationId: UUID) async throws -> [UUID: Benefit] {
        guard !ids.isEmpty else { return [:] }
        let benefits = try await session.rows("""
            SELECT * FROM benefits WHERE id IN (\(binds: ids.map(\.wire))) AND organization_id = \(bind: organizationId.wire)
              AND deleted_at IS NULL
            """, Self.benefit)
        return Dictionary(benefits.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Benefits by id, deleted ones included (grants outlive them), keyed by id, one query per
    /// `SQLSession.idsPerStatement` ids.
    public func findIncludingDeleted(ids: Set<UUID>) async throws -> [UUID: Benefit] {
        try await session.rows(of: "benefits", ids: ids, Self.benefit, id: \.id)
    }

    /// A page of the organization's live benefits, oldest first, optionally of one type and
    /// with `text` in their description (case-insensitive).
    public func list(organizationId: UUID, kind: Benefit.Kind?, text: String?, page: PageRequest) async throws -> Page<Benefit> {
        var filter: SQLQueryString = "organization_id = \(bind: organizationId.wire) AND deleted_at IS NULL"
        if let kind { filter += " AND type = \(bind: kind.rawValue)" }
        if let text {
            filter += " AND LOWER(description) LIKE \(bind: LikePattern.containing(text.lowercased())) ESCAPE '\\'"
        }
        let benefits = try await session.rows("""
            SELECT * FROM benefits WHERE \(filter)
            ORDER BY created_at, id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """, Self.benefit)
        let count = try await session.first("SELECT COUNT(*) AS n FROM benefits WHERE \(filter)")
        return Page(items: benefits, totalCount: try count?.int("n") ?? 0)
    }

    /// Each product's live benefits in the order the merchant set them, keyed by product id
    /// (a product without any is absent), in one query however many products.
    public func benefits(ofProducts productIds: Set<UUID>) async throws -> [UUID: [Benefit]] {
        guard !productIds.isEmpty else { return [:] }
        let pairs = try await session.rows("""
            SELECT pb.product_id AS granting_product_id, b.* FROM product_benefits pb
            JOIN benefits b ON b.id = pb.benefit_id
            WHERE pb.product_id IN (\(binds: productIds.map(\.wire))) AND b.deleted_at IS NULL
            ORDER BY pb.product_id, pb.position
            """) { row in (try row.uuid("granting_product_id"), try Self.benefit(row)) }
        return Dictionary(grouping: pairs, by: \.0).mapValues { $0.map(\.1) }
    }

    /// Makes `benefitIds`, in this order, the product's benefits.
    public func setBenefits(_ benefitIds: [UUID], ofProduct productId: UUID) async throws {
        try await session.execute("DELETE FROM product_benefits WHERE product_id = \(bind: productId.wire)")
        try await session.insert("INSERT INTO product_benefits (product_id, benefit_id, position) VALUES",
                                 rows: benefitIds.enumerated().map { position, id in
            "(\(bind: productId.wire), \(bind: id.wire), \(bind: position))"
        })
    }

    static func benefit(_ row: StoredRow) throws -> Benefit {
        let kind = try row.choice("type", as: Benefit.Kind.self)
        let stored = try row.string("properties")
        guard let json = try? JSONValue.parse(bytes: stored.utf8), let properties = Benefit.Properties(kind: kind, json: json) else {
            throw DatabaseError.unexpected("unreadable properties of a \(kind.rawValue) benefit")
        }
        return Benefit(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"),
            description: try row.string("description"), visibility: try row.choice("visibility", as: Benefit.Visibility.self),
            properties: properties, metadata: try row.metadata("metadata"), createdAt: try row.date("created_at"),
            modifiedAt: try row.optionalDate("modified_at"), isDeleted: try row.optionalDate("deleted_at") != nil)
    }
}
