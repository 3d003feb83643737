import Foundation
import TesseraCore
import TesseraStore

/// Operator tokens: created by `tessera admin token`, or once on the first start.
public enum OperatorTokens {
    /// Creates and stores (as a hash) a new operator token.
    public static func create(in database: TesseraDatabase, comment: String, now: Date = Date()) async throws -> SecretToken {
        try await database.transaction { tx in try await insert(tx, comment: comment, now: now) }
    }

    /// Creates the first operator token when the database has none; nil otherwise.
    public static func createFirst(in database: TesseraDatabase, now: Date = Date()) async throws -> SecretToken? {
        try await database.transaction { tx in
            guard try await tx.accessTokens.countOperatorTokens() == 0 else { return nil }
            return try await insert(tx, comment: "first start", now: now)
        }
    }

    private static func insert(_ tx: SQLSession, comment: String, now: Date) async throws -> SecretToken {
        let token = SecretToken.generate(.operatorAccess)
        try await tx.accessTokens.insert(AccessToken.operatorAccess(id: UUID.timeOrdered(), comment: comment, now: now),
                                         hash: token.hash)
        return token
    }
}
