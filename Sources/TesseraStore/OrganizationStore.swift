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

    static func organization(_ row: StoredRow) throws -> Organization {
        Organization(
            id: try row.uuid("id"), name: try row.string("name"), slug: try row.string("slug"),
            seatBasedPricingEnabled: try row.bool("seat_based_pricing_enabled"),
            memberModelEnabled: try row.bool("member_model_enabled"),
            seatInvitationEmailsEnabled: try row.bool("seat_invitation_emails_enabled"),
            branding: Branding(displayName: try row.optionalString("display_name"), logoURL: try row.optionalString("logo_url"),
                               accentColor: try row.optionalString("accent_color")),
            createdAt: try row.date("created_at"), modifiedAt: try row.optionalDate("modified_at"))
    }
}
