import Foundation
import SQLKit
import TesseraCore

/// Bearer credentials, looked up by the hash of the presented token.
public struct AccessTokenStore: Sendable {
    let session: SQLSession

    public func insert(_ token: AccessToken, hash: String) async throws {
        try await session.execute("""
            INSERT INTO access_tokens (id, kind, token_hash, organization_id, customer_id, member_id, comment, scopes,
                                       expires_at, last_used_at, created_at, modified_at, parent_token_id)
            VALUES (\(bind: token.id.wire), \(bind: token.kind.rawValue), \(bind: hash), \(bind: token.organizationId?.wire),
                    \(bind: token.customerId?.wire), \(bind: token.memberId?.wire), \(bind: token.comment),
                    \(bind: token.scopes.joined(separator: " ")), \(bind: token.expiresAt.micros),
                    \(bind: token.lastUsedAt.micros), \(bind: token.createdAt.micros), \(bind: token.modifiedAt.micros),
                    \(bind: token.parentTokenId?.wire))
            """)
    }

    /// The token with this hash. A session token whose customer or member is gone or deleted is
    /// not found: deleting them also deletes their sessions (`deleteSessions`), and this keeps any
    /// session that outlived its subject (say, from before that rule) from being used.
    public func find(hash: String) async throws -> AccessToken? {
        try await session.first("""
            SELECT t.* FROM access_tokens t
            WHERE t.token_hash = \(bind: hash)
              AND (t.customer_id IS NULL OR EXISTS (
                    SELECT 1 FROM customers c
                    WHERE c.id = t.customer_id AND c.organization_id = t.organization_id AND c.deleted_at IS NULL))
              AND (t.member_id IS NULL OR EXISTS (
                    SELECT 1 FROM members m
                    WHERE m.id = t.member_id AND m.customer_id = t.customer_id AND m.deleted_at IS NULL))
            """).map(Self.token)
    }

    public func find(id: UUID, kind: AccessToken.Kind) async throws -> AccessToken? {
        try await session.first("""
            SELECT * FROM access_tokens WHERE id = \(bind: id.wire) AND kind = \(bind: kind.rawValue)
            """).map(Self.token)
    }

    /// The token of this kind with this id; `notFound(.accessToken)` when there is none.
    public func require(id: UUID, kind: AccessToken.Kind) async throws -> AccessToken {
        guard let token = try await find(id: id, kind: kind) else { throw TesseraError.notFound(.accessToken) }
        return token
    }

    public func delete(id: UUID) async throws {
        try await session.execute("DELETE FROM access_tokens WHERE id = \(bind: id.wire)")
    }

    /// Ends every portal session of a customer: its own and those of its members (which carry
    /// the customer too). Run in the transaction that deletes the customer.
    public func deleteSessions(customerId: UUID) async throws {
        try await session.execute("""
            DELETE FROM access_tokens WHERE customer_id = \(bind: customerId.wire) AND kind IN (
                \(bind: AccessToken.Kind.customerSession.rawValue), \(bind: AccessToken.Kind.memberSession.rawValue))
            """)
    }

    /// Ends every portal session of a member. Run in the transaction that deletes the member.
    public func deleteSessions(memberId: UUID) async throws {
        try await session.execute("""
            DELETE FROM access_tokens WHERE member_id = \(bind: memberId.wire)
              AND kind = \(bind: AccessToken.Kind.memberSession.rawValue)
            """)
    }

    /// Ends every dashboard session that `parentTokenId` opened. Run in the transaction that
    /// deletes that token.
    public func deleteDashboardSessions(parentTokenId: UUID) async throws {
        try await session.execute("""
            DELETE FROM access_tokens WHERE parent_token_id = \(bind: parentTokenId.wire) AND kind IN (
                \(bind: AccessToken.Kind.dashboardSession.rawValue),
                \(bind: AccessToken.Kind.operatorDashboardSession.rawValue))
            """)
    }

    /// Points an operator's dashboard session at the organization it picked.
    public func setDashboardOrganization(sessionId: UUID, organizationId: UUID) async throws {
        try await session.execute("""
            UPDATE access_tokens SET organization_id = \(bind: organizationId.wire)
            WHERE id = \(bind: sessionId.wire) AND kind = \(bind: AccessToken.Kind.operatorDashboardSession.rawValue)
            """)
    }

    /// Deletes every session (portal or dashboard) that expired before `cutoff`; access tokens
    /// are never deleted here.
    public func deleteEndedSessions(before cutoff: Date) async throws {
        try await session.execute(Self.deleteEndedSessionsQuery(before: cutoff))
    }

    /// The kinds are written out, not bound: they are the partial index's condition
    /// (`access_tokens_session_expiry`), which SQLite matches only literally (`CTesseraSQLite`).
    static func deleteEndedSessionsQuery(before cutoff: Date) -> SQLQueryString {
        """
        DELETE FROM access_tokens
        WHERE kind IN ('customer_session', 'member_session', 'dashboard_session', 'operator_dashboard_session')
          AND expires_at < \(bind: cutoff.micros)
        """
    }

    /// Records use at most once a minute per token, to keep reads from becoming writes.
    public func touch(id: UUID, at now: Date) async throws {
        // Checked again here: two requests may both have seen a stale use.
        let threshold = now.addingTimeInterval(-AccessToken.useRecordingInterval).micros
        try await session.execute("""
            UPDATE access_tokens SET last_used_at = \(bind: now.micros)
            WHERE id = \(bind: id.wire) AND (last_used_at IS NULL OR last_used_at < \(bind: threshold))
            """)
    }

    public func countOperatorTokens() async throws -> Int {
        let row = try await session.first("""
            SELECT COUNT(*) AS n FROM access_tokens WHERE kind = \(bind: AccessToken.Kind.operatorAccess.rawValue)
            """)
        return try row?.int("n") ?? 0
    }

    static func token(_ row: StoredRow) throws -> AccessToken {
        let kindText = try row.string("kind")
        guard let kind = AccessToken.Kind(rawValue: kindText) else {
            throw DatabaseError.unexpected("unknown token kind \(kindText)")
        }
        let scopes = try row.string("scopes")
        return AccessToken(
            id: try row.uuid("id"), kind: kind, organizationId: try row.optionalUUID("organization_id"),
            customerId: try row.optionalUUID("customer_id"), memberId: try row.optionalUUID("member_id"),
            comment: try row.string("comment"),
            scopes: scopes.split(separator: " ").map(String.init),
            expiresAt: try row.optionalDate("expires_at"), lastUsedAt: try row.optionalDate("last_used_at"),
            createdAt: try row.date("created_at"), modifiedAt: try row.optionalDate("modified_at"),
            parentTokenId: try row.optionalUUID("parent_token_id"))
    }
}
