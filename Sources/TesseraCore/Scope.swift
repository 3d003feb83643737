import Foundation

/// Organization access token scopes, named as Polar names them.
public enum Scope: String, Sendable, CaseIterable, Codable {
    case customerSeatsRead = "customer_seats:read"
    case customerSeatsWrite = "customer_seats:write"
    case customersRead = "customers:read"
    case customersWrite = "customers:write"
    case membersRead = "members:read"
    case membersWrite = "members:write"
    case productsRead = "products:read"
    case productsWrite = "products:write"
    case subscriptionsRead = "subscriptions:read"
    case subscriptionsWrite = "subscriptions:write"
    case ordersRead = "orders:read"
    case ordersWrite = "orders:write"
    case customerSessionsWrite = "customer_sessions:write"
    case webhooksRead = "webhooks:read"
    case webhooksWrite = "webhooks:write"

    /// A write scope grants its read scope too, as Polar does.
    public func isGranted(by granted: Set<Scope>) -> Bool {
        if granted.contains(self) { return true }
        guard rawValue.hasSuffix(":read") else { return false }
        let write = rawValue.dropLast(":read".count) + ":write"
        return Scope(rawValue: String(write)).map(granted.contains) ?? false
    }
}

/// A stored bearer credential (only its hash is kept).
public struct AccessToken: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Operates the server: creates organizations and their tokens.
        case operatorAccess = "operator"
        /// A merchant's organization access token, limited by scopes.
        case organization
        /// A customer signed into the portal (after a claim or by the merchant).
        case customerSession = "customer_session"
        /// A member signed into the portal.
        case memberSession = "member_session"
    }

    public var id: UUID
    public var kind: Kind
    public var organizationId: UUID?
    public var customerId: UUID?
    public var memberId: UUID?
    public var comment: String
    public var scopes: [String]
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, kind: Kind, organizationId: UUID?, customerId: UUID?, memberId: UUID?, comment: String,
                scopes: [String], expiresAt: Date?, lastUsedAt: Date?, createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.kind = kind
        self.organizationId = organizationId
        self.customerId = customerId
        self.memberId = memberId
        self.comment = comment
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    public func isExpired(at now: Date) -> Bool {
        expiresAt.map { $0 <= now } ?? false
    }

    public var grantedScopes: Set<Scope> { Set(scopes.compactMap(Scope.init(rawValue:))) }
}
