import Foundation
import TesseraCore
import TesseraStore

/// Portal sessions: the customer and member sessions behind the portal API
/// (`/v1/customer-portal/…`) and the portal pages (`/{slug}/portal`). Opening one, finding the
/// one a token names and deciding whether its holder may change seats each live here once, so
/// the API and the pages cannot drift apart on who is signed in or who may do what.
struct PortalSessions: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    // MARK: Opening

    /// Opens an hour-long session inside the caller's transaction: a member session when
    /// `member` is given (signed in as that member of its customer), else a customer session.
    /// Returns the stored record and the token, whose value is shown once and kept only as a hash.
    static func open(tx: SQLSession, organizationId: UUID, customerId: UUID, member: Member?, comment: String,
                     now: Date) async throws -> (session: AccessToken, token: SecretToken)
    {
        let token = SecretToken.generate(member == nil ? .customerSession : .memberSession)
        let session = AccessToken(
            id: UUID.timeOrdered(), kind: member == nil ? .customerSession : .memberSession, organizationId: organizationId,
            customerId: member?.customerId ?? customerId, memberId: member?.id, comment: comment, scopes: [],
            expiresAt: now.addingTimeInterval(SecretLifetime.customerSession), lastUsedAt: nil, createdAt: now,
            modifiedAt: nil)
        try await tx.accessTokens.insert(session, hash: token.hash)
        return (session, token)
    }

    /// What signing in made: the session, its token (shown once) and who it is for.
    struct SignIn: Sendable {
        let session: AccessToken
        let token: SecretToken
        let customer: Customer
        let organization: Organization
    }

    /// Signs a customer, or one of its members (by id or external id), into the portal for an
    /// hour (`POST /v1/customer-sessions`). A member that is not the customer's is a 422 on
    /// the field that named it.
    func signIn(_ customerReference: CustomerReference, memberId: UUID?, externalMemberId: String?,
                organizationId: UUID) async throws -> SignIn {
        let now = now()
        return try await database.transaction { tx in
            let customer = try await customerReference.require(tx, organizationId: organizationId)
            var member: Member?
            if let memberId {
                member = try await tx.members.find(id: memberId, organizationId: organizationId)
            } else if let externalMemberId {
                member = try await tx.members.find(externalId: externalMemberId, customerId: customer.id)
            }
            if memberId != nil || externalMemberId != nil {
                guard let found = member, found.customerId == customer.id else {
                    let key = memberId != nil ? "member_id" : "external_member_id"
                    throw ValidationFailure([.valueError([.key("body"), .key(key)],
                                                         "Member does not exist for this customer.",
                                                         input: memberId.map { .string($0.wire) } ?? JSONValue(externalMemberId))])
                }
            }
            let (session, token) = try await Self.open(
                tx: tx, organizationId: organizationId, customerId: customer.id, member: member,
                comment: "customer session", now: now)
            return SignIn(session: session, token: token, customer: customer,
                          organization: try await tx.organizations.require(id: organizationId))
        }
    }

    // MARK: Finding

    /// Who a stored token signs into the portal: nil unless it is a customer or member session
    /// carrying its organization and customer (and member). Expiry and the existence of its
    /// customer and member are the lookup's part (`AccessTokenStore.find(hash:)`).
    static func caller(of stored: AccessToken) -> PortalCaller? {
        guard stored.kind == .customerSession || stored.kind == .memberSession,
              let organizationId = stored.organizationId, let customerId = stored.customerId else { return nil }
        if stored.kind == .customerSession {
            return PortalCaller(organizationId: organizationId, customerId: customerId, memberId: nil)
        }
        guard let memberId = stored.memberId else { return nil }
        return PortalCaller(organizationId: organizationId, customerId: customerId, memberId: memberId)
    }

    /// What a session token signs into on the portal page of the organization named `slug`.
    enum Lookup: Sendable {
        /// No organization has this slug.
        case unknownOrganization
        /// The token is no live session of this organization.
        case signedOut
        case signedIn(PortalViewer)
    }

    /// Looks a session token up by its hash: a customer or member session of the organization
    /// named `slug` that has not expired, with its customer (and member) loaded.
    func viewer(token: String, slug: String) async throws -> Lookup {
        let now = now()
        let tokenHash = SecretToken.hash(token)
        return try await database.read { session -> Lookup in
            guard let organization = try await session.organizations.find(slug: slug) else {
                return .unknownOrganization
            }
            guard let stored = try await session.accessTokens.find(hash: tokenHash), !stored.isExpired(at: now),
                  let caller = Self.caller(of: stored), caller.organizationId == organization.id,
                  let customer = try await session.customers.find(id: caller.customerId, organizationId: organization.id)
            else { return .signedOut }
            var member: Member?
            if let memberId = caller.memberId {
                guard let found = try await session.members.find(id: memberId, organizationId: organization.id),
                      found.customerId == caller.customerId else { return .signedOut }
                member = found
            }
            return .signedIn(PortalViewer(
                organization: organization, session: stored, sessionTokenHash: tokenHash, customer: customer,
                member: member, caller: caller))
        }
    }

    // MARK: Permissions

    /// Whether a portal session may change seats: a customer session always; a member session
    /// when its member is an owner or billing manager (a plain member only looks).
    static func managesSeats(_ member: Member?) -> Bool {
        member.map(\.role.managesSeats) ?? true
    }

    /// The seat-manager check for a session whose member is loaded already: 403 `NotPermitted`
    /// for a plain member.
    static func requireSeatManager(_ member: Member?) throws {
        guard managesSeats(member) else { throw TesseraError.notPermitted }
    }

    /// The seat-manager check for an API caller: loads its member (a member deleted since the
    /// request was authenticated ends the session: 401 `invalid_token`), then as above.
    func requireSeatManager(_ caller: PortalCaller) async throws {
        guard let memberId = caller.memberId else { return }
        let member = try await database.read {
            try await $0.members.find(id: memberId, organizationId: caller.organizationId)
        }
        guard let member else { throw AuthError.invalidToken }
        try Self.requireSeatManager(member)
    }
}

/// Who is signed into the portal: the reach of a customer or member session.
public struct PortalCaller: Sendable, Equatable {
    /// The organization the session belongs to.
    public var organizationId: UUID
    /// The billing customer whose pools the session reaches.
    public var customerId: UUID
    /// The member signed in, for a member session; nil for a customer session.
    public var memberId: UUID?

    /// The portal reaches only the pools this customer bought; the member (if any) is who
    /// `immediate_claim` may name (`PortalSeatRule`).
    var scope: SeatOperations.Scope {
        SeatOperations.Scope(organizationId: organizationId, customerId: customerId, memberId: memberId,
                             actor: memberId.map(SeatActor.member) ?? .customer(customerId))
    }
}

/// Who is signed into the portal page, with everything the page shows of them.
struct PortalViewer: Sendable {
    var organization: Organization
    var session: AccessToken
    /// The hash of the session's token: what the portal forms' anti-forgery token is bound to.
    var sessionTokenHash: String
    var customer: Customer
    var member: Member?
    var caller: PortalCaller

    var email: String { member?.email ?? customer.email }
    /// Owners and billing managers (and customer sessions) may change seats; plain members look.
    var canManage: Bool { PortalSessions.managesSeats(member) }

    func requireSeatManager() throws {
        try PortalSessions.requireSeatManager(member)
    }
}
