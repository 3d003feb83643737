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
    var subscriptions: SubscriptionOperations { SubscriptionOperations(database: database, now: now) }

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
        let customerReference = CustomerReference(id: body.uuid("customer_id"),
                                                  externalId: body.string("external_customer_id"))
        let memberId = body.uuid("member_id")
        let externalMemberId = body.string("external_member_id")
        let returnURL = body.string("return_url", maxLength: 2048)
        if customerReference == nil {
            body.appendIssue(.valueError([.key("body")], "Exactly one of customer_id or external_customer_id must be provided",
                                         input: body.whole))
        }
        if memberId != nil && externalMemberId != nil {
            body.appendIssue(.valueError([.key("body")], "Only one of member_id or external_member_id can be provided",
                                         input: body.whole))
        }
        // Without a customer reference an issue was appended just above.
        guard let customerReference else { throw ValidationFailure(body.issues) }
        try body.validate()
        let signedIn = try await sessions.signIn(customerReference, memberId: memberId, externalMemberId: externalMemberId,
                                                 organizationId: organizationId)
        return .json(Wire.customerSession(signedIn.session, token: signedIn.token, customer: signedIn.customer,
                                          organization: signedIn.organization, publicURL: publicURL, returnURL: returnURL),
                     status: .created)
    }

    // MARK: Seats

    @Sendable func listSeats(_ request: Request, context: PortalContext) async throws -> Response {
        try await SeatController.list(request, operations: operations, scope: context.caller.scope)
    }

    @Sendable func assignSeat(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = try await requireSeatManager(context)
        let assignment = try await SeatController.assignment(from: request, route: .portal)
        return .json(Wire.seatText(try await operations.assign(assignment, scope: caller.scope).0))
    }

    @Sendable func revokeSeat(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = try await requireSeatManager(context)
        let seatId = try context.pathUUID("seat_id")
        return .json(Wire.seatText(try await operations.revoke(seatId: seatId, scope: caller.scope)))
    }

    @Sendable func resendInvitation(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = try await requireSeatManager(context)
        let seatId = try context.pathUUID("seat_id")
        return .json(Wire.seatText(try await operations.resend(seatId: seatId, scope: caller.scope).0))
    }

    /// Subscriptions in which the signed-in person holds a claimed seat.
    @Sendable func subscriptionsWithSeats(_ request: Request, context: PortalContext) async throws -> Response {
        var query = QueryFields(request)
        let page = query.page()
        try query.validate()
        let found = try await subscriptions.withClaimedSeat(caller: context.caller, page: page)
        return .json(Wire.list(found, request: page, item: Wire.customerSubscription))
    }

    /// Changes the seat count of the caller's own subscription, with the merchant route's checks.
    @Sendable func updateSubscription(_ request: Request, context: PortalContext) async throws -> Response {
        let caller = try await requireSeatManager(context)
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        guard let seats = body.int("seats", minimum: 1, maximum: SeatTiers.maximumSeatCount) else {
            if body.issues.isEmpty { body.missing("seats") }
            throw ValidationFailure(body.issues)
        }
        try body.validate()
        return .json(Wire.customerSubscription(try await subscriptions.changeSeats(subscriptionId: id, to: seats,
                                                                                   caller: caller)))
    }

    /// A portal caller allowed to change seats (`PortalSessions.requireSeatManager`).
    private func requireSeatManager(_ context: PortalContext) async throws -> PortalCaller {
        try await sessions.requireSeatManager(context.caller)
        return context.caller
    }
}
