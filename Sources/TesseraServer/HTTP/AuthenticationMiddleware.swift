import Foundation
import Hummingbird
import Logging
import TesseraCore
import TesseraStore

/// Resolves `Authorization: Bearer …` into a `Principal` before any route runs.
///
/// A presented token that is unknown, expired or deleted, or a session whose customer or member
/// is gone (the token store does not find those), is refused here on every route (401
/// `invalid_token`); each route group then admits only its kind of principal, in its request
/// context (`RouteGroups.swift`), before the handler reads anything, so authentication always
/// comes before validation. An organization token is read from the database at most once a
/// second (`RecentOrganizationTokens`), so one deleted by another process is refused within it.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    let database: TesseraDatabase
    /// The hash of `TESSERA_ADMIN_TOKEN`, when set.
    let adminTokenHash: String?
    /// Organization tokens read in the last second, shared with the route that deletes them.
    let recentTokens: RecentOrganizationTokens
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization] else {
            return try await next(request, context)
        }
        guard let token = Self.bearerToken(header) else { throw AuthError.invalidToken }
        var context = context
        let (principal, caller) = try await principal(for: token, logger: context.logger)
        context.principal = principal
        context.observation.caller = caller
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer <token>` value (the scheme in any case), without
    /// the spaces and tabs HTTP allows around it; nil for any other scheme or an empty token.
    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        // HTTP's optional whitespace is spaces and tabs only (RFC 9110), byte by byte: Foundation's
        // `trimmingCharacters(in: .whitespaces)` was 3% of every authenticated request.
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let bytes = parts[1].utf8
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return nil }
        return String(parts[1][first..<bytes.index(after: last)])
    }

    /// The caller, and how the access log names them (by the token's record, never the token).
    private func principal(for token: String, logger: Logger) async throws -> (Principal, AccessLogCaller) {
        let hash = SecretToken.hash(token)
        if let adminTokenHash, hash == adminTokenHash { return (.operatorAccess, AccessLogCaller(kind: "operator", id: nil)) }
        let now = now()
        let stored: AccessToken
        if let recent = recentTokens.token(hash: hash, at: now) {
            stored = recent
        } else {
            guard let found = try await database.read({ try await $0.accessTokens.find(hash: hash) }) else {
                throw AuthError.invalidToken
            }
            recentTokens.remember(found, hash: hash, readAt: now)
            stored = found
        }
        guard !stored.isExpired(at: now) else { throw AuthError.invalidToken }
        // A write only when the recorded use is stale, so most requests stay off the writer.
        if stored.kind == .organization, stored.useIsStale(at: now) {
            // Bookkeeping: a write that fails (the database busy past its timeout) must not
            // refuse a request the token is valid for. The next request tries again.
            do {
                try await database.withConnection { try await $0.accessTokens.touch(id: stored.id, at: now) }
                recentTokens.recordedUse(hash: hash, at: now)
            } catch {
                logger.warning("recording a token's use failed", metadata: ["error": "\(loggableDescription(of: error))"])
            }
        }
        switch stored.kind {
        case .operatorAccess:
            return (.operatorAccess, AccessLogCaller(kind: "operator", id: stored.id))
        case .organization:
            guard let organizationId = stored.organizationId else { throw AuthError.invalidToken }
            return (.organization(tokenId: stored.id, organizationId: organizationId, scopes: stored.grantedScopes),
                    AccessLogCaller(kind: "organization_token", id: stored.id))
        case .customerSession, .memberSession:
            guard let caller = PortalSessions.caller(of: stored) else { throw AuthError.invalidToken }
            return (.portal(caller), AccessLogCaller(kind: "portal_session", id: stored.id))
        case .dashboardSession, .operatorDashboardSession:
            // A dashboard session lives in its cookie, behind the pages' forgery checks; as a
            // bearer token it would reach the API without them.
            throw AuthError.invalidToken
        }
    }
}
