import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// The customer portal API: a signed-in customer (or member) hands out the seats their
/// company bought. Also `POST /v1/customer-sessions`, how a merchant signs a customer in.
struct PortalController {
    let operations: SeatOperations
    let publicURL: String
    let now: @Sendable () -> Date

    var database: TesseraDatabase { operations.database }
    var sessions: PortalSessions { PortalSessions(database: database, now: now) }

    /// Signing customers in on the merchant group; the portal API on the portal group.
    func register(merchant: MerchantRoutes, portal: Routes<PortalContext>) {
        merchant.add(.post, "/customer-sessions", anyOf: .customerSessionsWrite, use: createSession)
        portal.add(.get, "/customer-portal/seats", listSeats)
        portal.add(.post, "/customer-portal/seats", assignSeat)
        portal.add(.get, "/customer-portal/seats/subscriptions", subscriptionsWithSeats)
        portal.add(.delete, "/customer-portal/seats/:seat_id", revokeSeat)
        portal.add(.post, "/customer-portal/seats/:seat_id/resend", resendInvitation)
        portal.add(.patch, "/customer-portal/subscriptions/:id", updateSubscription)
    }

    // MARK: Sessions

    /// Signs a customer (or one of its members) into the portal for an hour.
    @Sendable func createSession(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        var body = try await BodyFields.read(request)
        let customerId = body.uuid("customer_id")
        let externalCustomerId = body.string("external_customer_id")
        let memberId = body.uuid("member_id")
        let externalMemberId = body.string("external_member_id")
        let returnURL = body.string("return_url", maxLength: 2048)
        if (customerId == nil) == (externalCustomerId == nil) {
            body.appendIssue(.valueError([.key("body")], "Exactly one of customer_id or external_customer_id must be provided",
                                         input: body.whole))
        }
        if memberId != nil && externalMemberId != nil {
            body.appendIssue(.valueError([.key("body")], "Only one of member_id or external_member_id can be provided",
                                         input: body.whole))
        }
        try body.validate()
        let now = now()
        let (session, token, customer, organization) = try await database.transaction { tx in
            let customer = try await tx.requirePoolCustomer(customerId, externalId: externalCustomerId,
                                                            organizationId: organizationId)
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
            let (session, token) = try await PortalSessions.open(
                tx: tx, organizationId: organizationId, customerId: customer.id, member: member,
                comment: "customer session", now: now)
            return (session, token, customer, try await tx.organizations.require(id: organizationId))
        }
        return .json([
            "id": JSONValue(session.id),
            "created_at": JSONValue(session.createdAt),
            "modified_at": .null,
            "token": .string(token.value),
            "expires_at": JSONValue(session.expiresAt),
            "return_url": JSONValue(returnURL),
            "customer_portal_url": .string(Self.portalURL(publicURL: publicURL, slug: organization.slug, token: token)),
            "customer_id": JSONValue(customer.id),
            "customer": Wire.customer(customer),
        ], status: .created)
    }

    /// `{public_url}/{slug}/portal?customer_session_token=…`: the link that signs into the portal page.
    static func portalURL(publicURL: String, slug: String, token: SecretToken) -> String {
        "\(publicURL)/\(slug)/portal?customer_session_token=\(token.value)"
    }

    // MARK: Seats

    @Sendable func listSeats(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = context.caller
        let (pool, seats) = try await operations.list(try SeatController.pool(from: request), scope: caller.scope)
        return .json(Wire.seatsList(seats, pool: pool))
    }

    @Sendable func assignSeat(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = try await requireSeatManager(context)
        let assignment = try await SeatController.assignment(from: request, route: .portal)
        return .json(Wire.seat(try await operations.assign(assignment, scope: caller.scope)))
    }

    @Sendable func revokeSeat(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = try await requireSeatManager(context)
        let seatId = try context.pathUUID("seat_id")
        return .json(Wire.seat(try await operations.revoke(seatId: seatId, scope: caller.scope)))
    }

    @Sendable func resendInvitation(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = try await requireSeatManager(context)
        let seatId = try context.pathUUID("seat_id")
        return .json(Wire.seat(try await operations.resend(seatId: seatId, scope: caller.scope)))
    }

    /// Subscriptions in which the signed-in person holds a claimed seat.
    @Sendable func subscriptionsWithSeats(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = context.caller
        var query = QueryFields(request)
        let page = query.page()
        try query.validate()
        return .json(try await database.withConnection { session in
            let ids = try await session.seats.subscriptionIdsWithClaimedSeat(
                memberId: caller.memberId, customerId: caller.memberId == nil ? caller.customerId : nil)
            var subscriptions: [Subscription] = []
            for id in ids {
                if let subscription = try await session.subscriptions.find(id: id, organizationId: caller.organizationId) {
                    subscriptions.append(subscription)
                }
            }
            subscriptions.sort { ($0.createdAt, $0.id.wire) < ($1.createdAt, $1.id.wire) }
            let slice = Array(subscriptions.dropFirst((page.page - 1) * page.limit).prefix(page.limit))
            let organization = try await session.organizations.require(id: caller.organizationId)
            return try await session.wireList(Page(items: slice, totalCount: subscriptions.count), page: page,
                                              item: { try await session.wireCustomerSubscription($0, organization: organization) })
        })
    }

    /// Changes the seat count of the caller's own subscription, with the merchant route's checks.
    @Sendable func updateSubscription(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = try await requireSeatManager(context)
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let seats = body.int("seats", minimum: 1, maximum: SeatTiers.maximumSeatCount)
        if seats == nil && body.issues.isEmpty { body.missing("seats") }
        try body.validate()
        let now = now()
        return .json(try await database.transaction { tx in
            let changed = try await tx.changeSeats(subscriptionId: id, to: seats ?? 0, scope: caller.scope, now: now)
            return try await tx.wireCustomerSubscription(
                changed, organization: try await tx.organizations.require(id: caller.organizationId))
        })
    }

    /// A portal caller allowed to change seats (`PortalSessions.requireSeatManager`).
    private func requireSeatManager(_ context: PortalContext) async throws -> PortalCaller {
        try await sessions.requireSeatManager(context.caller)
        return context.caller
    }
}
