import Foundation
import TesseraCore
import TesseraStore

/// Organizations and their access tokens: what the operator routes do. Each write is one
/// transaction; slugs are unique across organizations.
struct OrganizationOperations: Sendable {
    let database: TesseraDatabase
    /// What authentication remembers of tokens, told of each one deleted here.
    let recentTokens: RecentOrganizationTokens
    let now: @Sendable () -> Date

    // MARK: Organizations

    /// A new organization; `features` not given take their defaults (seats on, members off,
    /// invitation emails on, no branding).
    func create(name: String, slug: String, features: OrganizationUpdate) async throws -> Organization {
        var branding = Branding()
        branding.apply(features.branding)
        let organization = Organization(
            id: UUID.timeOrdered(), name: name, slug: slug, seatBasedPricingEnabled: features.seatBasedPricingEnabled ?? true,
            memberModelEnabled: features.memberModelEnabled ?? false,
            seatInvitationEmailsEnabled: features.seatInvitationEmailsEnabled ?? true, branding: branding,
            createdAt: now(), modifiedAt: nil)
        try await database.transaction { tx in
            if try await tx.organizations.slugExists(organization.slug) {
                throw TesseraError.slugTaken(organization.slug)
            }
            try await tx.organizations.insert(organization)
        }
        return organization
    }

    func get(id: UUID) async throws -> Organization {
        try await database.read { try await $0.organizations.require(id: id) }
    }

    func update(id: UUID, with update: OrganizationUpdate) async throws -> Organization {
        let now = now()
        return try await database.transaction { tx in
            var organization = try await tx.organizations.require(id: id)
            if let slug = update.slug, slug != organization.slug,
               try await tx.organizations.slugExists(slug, except: id) {
                throw TesseraError.slugTaken(slug)
            }
            organization.apply(update, at: now)
            try await tx.organizations.update(organization)
            return organization
        }
    }

    // MARK: Access tokens

    /// Creates an organization access token. Returns the stored record and the secret, whose
    /// value is shown once and kept only as a hash.
    func createToken(organizationId: UUID, comment: String, scopes: [Scope],
                     expiresIn: Int?) async throws -> (token: AccessToken, secret: SecretToken) {
        let now = now()
        let secret = SecretToken.generate(.organizationAccess)
        let token = AccessToken.organization(id: UUID.timeOrdered(), organizationId: organizationId, comment: comment,
                                             scopes: scopes, expiresIn: expiresIn, now: now)
        try await database.transaction { tx in
            _ = try await tx.organizations.require(id: organizationId)
            try await tx.accessTokens.insert(token, hash: secret.hash)
        }
        return (token, secret)
    }

    /// Deletes an organization access token and ends the dashboard sessions it opened; other
    /// kinds of token are not found here. This process refuses it from then on, though it read
    /// it less than a second ago (`RecentOrganizationTokens`).
    func deleteToken(id: UUID) async throws {
        try await database.transaction { tx in
            _ = try await tx.accessTokens.require(id: id, kind: .organization)
            try await tx.accessTokens.deleteDashboardSessions(parentTokenId: id)
            try await tx.accessTokens.delete(id: id)
        }
        recentTokens.forget(tokenId: id)
    }
}
