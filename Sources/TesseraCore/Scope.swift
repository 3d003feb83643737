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
    case benefitsRead = "benefits:read"
    case benefitsWrite = "benefits:write"
    case licenseKeysRead = "license_keys:read"
    case licenseKeysWrite = "license_keys:write"

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
        /// A merchant signed into the dashboard with an organization access token: its
        /// organization and scopes, for eight hours at most. Never a bearer token for the API.
        case dashboardSession = "dashboard_session"
        /// The operator signed into the dashboard: every scope, of the organization it picks.
        case operatorDashboardSession = "operator_dashboard_session"
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
    /// A dashboard session's sign-in token, when stored: deleting that token ends the session.
    public var parentTokenId: UUID?

    public init(id: UUID, kind: Kind, organizationId: UUID?, customerId: UUID?, memberId: UUID?, comment: String,
                scopes: [String], expiresAt: Date?, lastUsedAt: Date?, createdAt: Date, modifiedAt: Date?,
                parentTokenId: UUID? = nil) {
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
        self.parentTokenId = parentTokenId
    }

    public func isExpired(at now: Date) -> Bool {
        expiresAt.map { $0 <= now } ?? false
    }

    /// `last_used_at` is kept to the minute: recording every request would make each one a write.
    public static let useRecordingInterval: TimeInterval = 60

    /// Whether a use at `now` should be recorded: none is yet, or the last is a minute old.
    public func useIsStale(at now: Date) -> Bool {
        lastUsedAt.map { now.timeIntervalSince($0) >= Self.useRecordingInterval } ?? true
    }

    public var grantedScopes: Set<Scope> { Set(scopes.compactMap(Scope.init(rawValue:))) }

    /// A new organization access token. A scope listed twice is kept once, where first listed;
    /// the token expires `expiresIn` seconds from `now`, or never when that is nil.
    public static func organization(id: UUID, organizationId: UUID, comment: String, scopes: [Scope],
                                    expiresIn: Int?, now: Date) -> AccessToken {
        var distinct: [Scope] = []
        for scope in scopes where !distinct.contains(scope) { distinct.append(scope) }
        return AccessToken(
            id: id, kind: .organization, organizationId: organizationId, customerId: nil, memberId: nil,
            comment: comment, scopes: distinct.map(\.rawValue),
            expiresAt: expiresIn.map { now.addingTimeInterval(TimeInterval($0)) }, lastUsedAt: nil, createdAt: now,
            modifiedAt: nil)
    }

    /// A new operator token: no organization, no scopes (it reaches only the operator routes),
    /// and no expiry.
    public static func operatorAccess(id: UUID, comment: String, now: Date) -> AccessToken {
        AccessToken(id: id, kind: .operatorAccess, organizationId: nil, customerId: nil, memberId: nil, comment: comment,
                    scopes: [], expiresAt: nil, lastUsedAt: nil, createdAt: now, modifiedAt: nil)
    }
}

/// What a seat assignment made from the customer portal (API or pages) may name. Stricter than
/// Polar's portal on purpose (README, "Differences from Polar"): a portal session acts for one
/// customer, so it must not reach other customers, and must not claim a seat for someone else.
///
/// - The recipient is an email address or a member of the session's own customer (`member_id`,
///   `external_member_id`, looked up within that customer only). Naming a customer
///   (`customer_id`, `external_customer_id`) is a 422 whether or not it exists, so the answer
///   neither confirms a guessed id nor shows that customer's email.
/// - `immediate_claim` skips the invitation, the recipient's consent, so it is allowed only when
///   the recipient is the signed-in person: the session's member, or for a customer session the
///   customer itself (its email).
public enum PortalSeatRule {
    /// The person signed into the portal, as far as seat rules care.
    public enum SignedInPerson: Sendable, Equatable {
        /// A member session's member.
        case member(UUID)
        /// A customer session's customer, known by its email; nil when the customer is gone.
        case customer(email: String?)
    }

    /// Refuses the recipient kinds the portal may not name (checked before anything is read).
    public static func checkRecipient(_ recipient: SeatRecipient) throws(ValidationFailure) {
        switch recipient {
        case .email, .memberId, .externalMemberId:
            return
        case .customerId(let id):
            throw refusal("customer_id", input: .string(id.wire))
        case .externalCustomerId(let externalId):
            throw refusal("external_customer_id", input: .string(externalId))
        }
    }

    /// Refuses `immediate_claim` for anyone but the signed-in person. `recipientMemberId` and
    /// `recipientEmail` are the resolved recipient's member and the address its invitation would go to.
    public static func checkImmediateClaim(
        _ immediateClaim: Bool, recipientMemberId: UUID?, recipientEmail: String, signedIn: SignedInPerson
    ) throws(ValidationFailure) {
        guard immediateClaim else { return }
        let isSelf = switch signedIn {
        case .member(let memberId): recipientMemberId == memberId
        case .customer(let email?): EmailAddress.normalized(email) == EmailAddress.normalized(recipientEmail)
        case .customer(nil): false
        }
        guard !isSelf else { return }
        throw ValidationFailure([.valueError(
            [.key("body"), .key("immediate_claim")],
            "immediate_claim is only allowed from the customer portal for your own seat; other people get an invitation to accept",
            input: .bool(true))])
    }

    private static func refusal(_ field: String, input: JSONValue) -> ValidationFailure {
        ValidationFailure([.valueError(
            [.key("body"), .key(field)],
            "\(field) cannot be used from the customer portal; assign by email, member_id or external_member_id",
            input: input)])
    }
}
