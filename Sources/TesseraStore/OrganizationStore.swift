import Foundation
import SQLKit
import TesseraCore

/// Organizations and access tokens.
public struct OrganizationStore: Sendable {
    let session: SQLSession

    public func insert(_ organization: Organization) async throws {
        try await session.execute("""
            INSERT INTO organizations (id, name, slug, seat_based_pricing_enabled, member_model_enabled,
                                       seat_invitation_emails_enabled, created_at, modified_at,
                                       display_name, logo_url, accent_color)
            VALUES (\(bind: organization.id.wire), \(bind: organization.name), \(bind: organization.slug),
                    \(bind: organization.seatBasedPricingEnabled), \(bind: organization.memberModelEnabled),
                    \(bind: organization.seatInvitationEmailsEnabled),
                    \(bind: organization.createdAt.micros), \(bind: organization.modifiedAt.micros),
                    \(bind: organization.branding.displayName), \(bind: organization.branding.logoURL),
                    \(bind: organization.branding.accentColor))
            """)
    }

    public func update(_ organization: Organization) async throws {
        try await session.execute("""
            UPDATE organizations SET name = \(bind: organization.name), slug = \(bind: organization.slug),
                seat_based_pricing_enabled = \(bind: organization.seatBasedPricingEnabled),
                member_model_enabled = \(bind: organization.memberModelEnabled),
                seat_invitation_emails_enabled = \(bind: organization.seatInvitationEmailsEnabled),
                display_name = \(bind: organization.branding.displayName), logo_url = \(bind: organization.branding.logoURL),
                accent_color = \(bind: organization.branding.accentColor),
                modified_at = \(bind: organization.modifiedAt.micros)
            WHERE id = \(bind: organization.id.wire)
            """)
    }

    public func find(id: UUID) async throws -> Organization? {
        try await session.first("SELECT * FROM organizations WHERE id = \(bind: id.wire)").map(Self.organization)
    }

    /// The organization with this id; `notFound(.organization)` when there is none.
    public func require(id: UUID) async throws -> Organization {
        guard let organization = try await find(id: id) else { throw TesseraError.notFound(.organization) }
        return organization
    }

    public func find(slug: String) async throws -> Organization? {
        try await session.first("SELECT * FROM organizations WHERE slug = \(bind: slug)").map(Self.organization)
    }

    /// The first `limit` organizations in slug order (the slug's unique index).
    public func list(limit: Int) async throws -> [Organization] {
        try await session.rows("SELECT * FROM organizations ORDER BY slug LIMIT \(bind: limit)", Self.organization)
    }

    public func slugExists(_ slug: String, except id: UUID? = nil) async throws -> Bool {
        try await session.first("""
            SELECT id FROM organizations WHERE slug = \(bind: slug) AND id <> \(bind: id?.wire ?? "")
            """) != nil
    }

    /// An organization's columns in a query that joins it as `o` beside another table's `*`,
    /// named `o_…`: read back by ``joinedOrganization(_:)``.
    static let joinedColumns = ResultColumns.joinedSelectList(
        alias: "o", ["id", "name", "slug", "seat_based_pricing_enabled", "member_model_enabled",
                     "seat_invitation_emails_enabled", "display_name", "logo_url", "accent_color", "created_at", "modified_at"])

    static func organization(_ row: StoredRow) throws -> Organization {
        try organization(row, prefix: "", id: try row.uuid("id"))
    }

    /// The organization a query joined as `o` (``joinedColumns``), nil when the join found none;
    /// its id read once, as an id.
    static func joinedOrganization(_ row: StoredRow) throws -> Organization? {
        guard let id = try row.optionalUUID("o_id") else { return nil }
        return try organization(row, prefix: "o_", id: id)
    }

    /// An organization from its columns, named with `prefix` when a query joined them under one.
    private static func organization(_ row: StoredRow, prefix: String, id: UUID) throws -> Organization {
        Organization(
            id: id, name: try row.string(prefix + "name"), slug: try row.string(prefix + "slug"),
            seatBasedPricingEnabled: try row.bool(prefix + "seat_based_pricing_enabled"),
            memberModelEnabled: try row.bool(prefix + "member_model_enabled"),
            seatInvitationEmailsEnabled: try row.bool(prefix + "seat_invitation_emails_enabled"),
            branding: Branding(displayName: try row.optionalString(prefix + "display_name"),
                               logoURL: try row.optionalString(prefix + "logo_url"),
                               accentColor: try row.optionalString(prefix + "accent_color")),
            createdAt: try row.date(prefix + "created_at"), modifiedAt: try row.optionalDate(prefix + "modified_at"))
    }
}
