import Foundation
import TesseraCore
import TesseraStore

/// The merchant dashboard's sessions. A merchant signs in once with an organization access
/// token (or the operator with the operator token) and gets a session of its own, kept in an
/// `HttpOnly` cookie, so the long-lived token never sits in the browser. The session carries
/// the token's organization and scopes, lives eight hours at most (never longer than the token),
/// and ends when the token is deleted.
struct DashboardSessions: Sendable {
    let database: TesseraDatabase
    /// The hash of `TESSERA_ADMIN_TOKEN`, when set: it signs the operator in too.
    let adminTokenHash: String?
    let now: @Sendable () -> Date

    /// A token that opens no dashboard session: unknown, expired, or not an access token.
    struct InvalidToken: Error {}

    /// Exchanges an access token for a new dashboard session. Returns the session's token,
    /// which is shown once (as the cookie) and kept only as a hash.
    func signIn(token: String) async throws -> (session: AccessToken, token: SecretToken) {
        let now = now()
        let hash = SecretToken.hash(token)
        return try await database.transaction { tx in
            let session: AccessToken
            if let adminTokenHash, hash == adminTokenHash {
                session = Self.session(kind: .operatorDashboardSession, organizationId: nil, scopes: [], parent: nil,
                                       parentExpiry: nil, comment: "operator", now: now)
            } else {
                guard let stored = try await tx.accessTokens.find(hash: hash), !stored.isExpired(at: now) else {
                    throw InvalidToken()
                }
                switch stored.kind {
                case .operatorAccess:
                    session = Self.session(kind: .operatorDashboardSession, organizationId: nil, scopes: [],
                                           parent: stored.id, parentExpiry: nil, comment: stored.comment, now: now)
                case .organization:
                    guard let organizationId = stored.organizationId else { throw InvalidToken() }
                    session = Self.session(kind: .dashboardSession, organizationId: organizationId,
                                           scopes: stored.scopes, parent: stored.id, parentExpiry: stored.expiresAt,
                                           comment: stored.comment, now: now)
                case .customerSession, .memberSession, .dashboardSession, .operatorDashboardSession:
                    throw InvalidToken()
                }
            }
            let secret = SecretToken.generate(.dashboardSession)
            try await tx.accessTokens.insert(session, hash: secret.hash)
            return (session, secret)
        }
    }

    /// A new session; its comment is the opening token's, so the pages can say which token it was.
    private static func session(kind: AccessToken.Kind, organizationId: UUID?, scopes: [String], parent: UUID?,
                                parentExpiry: Date?, comment: String, now: Date) -> AccessToken {
        let ownExpiry = now.addingTimeInterval(SecretLifetime.dashboardSession)
        return AccessToken(
            id: UUID.timeOrdered(), kind: kind, organizationId: organizationId, customerId: nil, memberId: nil,
            comment: comment, scopes: scopes, expiresAt: min(ownExpiry, parentExpiry ?? ownExpiry),
            lastUsedAt: nil, createdAt: now, modifiedAt: nil, parentTokenId: parent)
    }

    /// Who a session token signs into the dashboard; nil when it is no live dashboard session.
    func viewer(token: String) async throws -> DashboardViewer? {
        let now = now()
        let tokenHash = SecretToken.hash(token)
        return try await database.read { session -> DashboardViewer? in
            guard let stored = try await session.accessTokens.find(hash: tokenHash), !stored.isExpired(at: now),
                  stored.kind == .dashboardSession || stored.kind == .operatorDashboardSession else { return nil }
            var organization: Organization?
            if let organizationId = stored.organizationId {
                // An organization session without its organization is no session.
                guard let found = try await session.organizations.find(id: organizationId) else { return nil }
                organization = found
            } else if stored.kind == .dashboardSession {
                return nil
            }
            return DashboardViewer(session: stored, sessionTokenHash: tokenHash, organization: organization)
        }
    }

    /// The operator's session turns to the organization with this slug; nil when there is none.
    func choose(slug: String, for viewer: DashboardViewer) async throws -> Organization? {
        guard viewer.isOperator else { return nil }
        return try await database.transaction { tx in
            guard let organization = try await tx.organizations.find(slug: slug) else { return nil }
            try await tx.accessTokens.setDashboardOrganization(sessionId: viewer.session.id, organizationId: organization.id)
            return organization
        }
    }

    /// Ends the session.
    func signOut(_ viewer: DashboardViewer) async throws {
        try await database.transaction { tx in try await tx.accessTokens.delete(id: viewer.session.id) }
    }

    /// The first organizations in slug order, for the operator to pick from.
    func organizations(limit: Int) async throws -> [Organization] {
        try await database.read { try await $0.organizations.list(limit: limit) }
    }
}

/// Who is signed into the dashboard, and what the session may do.
struct DashboardViewer: Sendable {
    var session: AccessToken
    /// What the dashboard forms' anti-forgery token is bound to.
    var sessionTokenHash: String
    /// The organization the pages show; nil while the operator has not picked one.
    var organization: Organization?

    var isOperator: Bool { session.kind == .operatorDashboardSession }

    /// The operator may do everything; a merchant what its token's scopes allow.
    func may(_ scope: Scope) -> Bool {
        isOperator || scope.isGranted(by: session.grantedScopes)
    }

    /// Who acts, as seat history records it: the token that opened the session, or the operator.
    var actor: SeatActor {
        if !isOperator, let tokenId = session.parentTokenId { return .organizationToken(tokenId) }
        return .operator
    }
}
