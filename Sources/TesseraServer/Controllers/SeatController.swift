import Foundation
import Hummingbird
import TesseraCore

/// `/v1/customer-seats`: the six seat operations of Polar's Customer Seats API.
struct SeatController {
    let operations: SeatOperations

    /// The seat operations on the merchant group; claim and claim info, which the invitation
    /// token authorizes, on the public group (`claims`).
    func register(merchant: MerchantRoutes, claims: Routes<TesseraRequestContext>) {
        merchant.add(.post, "/customer-seats", anyOf: .customerSeatsWrite, use: assign)
        merchant.add(.post, "/customer-seats/bulk", anyOf: .customerSeatsWrite, use: assignMany)
        merchant.add(.get, "/customer-seats", anyOf: .customerSeatsRead, .customerSeatsWrite, use: list)
        claims.add(.post, "/customer-seats/claim", claim)
        claims.add(.get, "/customer-seats/claim/:invitation_token", claimInfo)
        merchant.add(.get, "/customer-seats/events", anyOf: .customerSeatsRead, .customerSeatsWrite, use: poolHistory)
        merchant.add(.get, "/customer-seats/:seat_id/events", anyOf: .customerSeatsRead, .customerSeatsWrite, use: seatHistory)
        merchant.add(.delete, "/customer-seats/:seat_id", anyOf: .customerSeatsWrite, use: revoke)
        merchant.add(.post, "/customer-seats/:seat_id/resend", anyOf: .customerSeatsWrite, use: resend)
        merchant.add(.post, "/customer-seats/:seat_id/transfer", anyOf: .customerSeatsWrite, use: transfer)
    }

    @Sendable func assign(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let assignment = try await Self.assignment(from: request)
        let (seat, invitation) = try await operations.assign(assignment, scope: .merchant(organizationId, actor: context.actor))
        return .json(Wire.seatText(seat, invitation: invitation))
    }

    /// Tessera's bulk assignment: 200 with every row's outcome, or for an atomic request with
    /// a failed row, 400 with the same outcomes and nothing assigned.
    @Sendable func assignMany(_ request: Request, context: MerchantContext) async throws -> Response {
        let bulk = try await Self.bulkAssignment(from: request)
        do {
            let outcomes = try await operations.assign(bulk, scope: .merchant(context.organizationId, actor: context.actor))
            return .json(Wire.bulkAssignment(outcomes))
        } catch let failure as BulkAssignmentFailed {
            return .json(Wire.bulkAssignment(failure.outcomes, failed: true), status: .badRequest)
        }
    }

    @Sendable func list(_ request: Request, context: MerchantContext) async throws -> Response {
        try await Self.list(request, operations: operations,
                            scope: .merchant(context.organizationId, actor: context.actor))
    }

    /// The seat list (shared with the customer portal): Polar's whole list, or with any of
    /// Tessera's `status`, `email`, `limit` and `cursor`, one page of it and `next_cursor`.
    static func list(_ request: Request, operations: SeatOperations, scope: SeatOperations.Scope) async throws -> Response {
        let reference = try pool(from: request)
        var query = QueryFields(request)
        let status = query.choice("status", SeatStatus.self)
        let email = query.string("email")
        if let email, email.utf8.count > 320 {
            query.appendIssue(key: "email", "String should have at most 320 characters")
        }
        let paged = ["limit", "cursor"].contains { query.string($0) != nil }
        let (limit, cursor) = query.cursorPage()
        try query.validate()
        guard status != nil || email != nil || paged else {
            let (pool, seats) = try await operations.list(reference, scope: scope)
            return .json(Wire.seatsList(seats, pool: pool))
        }
        let filter = SeatOperations.ListFilter(status: status, emailPrefix: email, limit: limit, cursor: cursor)
        let (pool, page) = try await operations.list(reference, filter: filter, scope: scope)
        return .json(Wire.seatsList(page.items, pool: pool, next: .some(page.next)))
    }

    /// Reads a `SeatAssign` body (shared with the customer portal).
    static func assignment(from request: Request, route: SeatAssignmentRoute = .merchant) async throws -> SeatAssignment {
        var body = try await BodyFields.read(request)
        let subscriptionId = body.uuid("subscription_id")
        let orderId = body.uuid("order_id")
        let checkoutId = body.uuid("checkout_id")
        if checkoutId != nil {
            body.invalid("checkout_id", "value_error", "Value error, checkout_id is not supported by Tessera; use subscription_id or order_id")
        }
        return try assignment(reading: &body, subscriptionId: subscriptionId, orderId: orderId, route: route)
    }

    /// Reads the recipient, metadata and options of one assignment from `body`, into the pool
    /// the caller read: the body's own fields (a single assignment) or the bulk request's.
    static func assignment(reading body: inout BodyFields, subscriptionId: UUID?, orderId: UUID?,
                           route: SeatAssignmentRoute) throws(ValidationFailure) -> SeatAssignment {
        let fields = RecipientFields(&body)
        try body.validate()
        var assignment = try SeatAssignment.validate(
            subscriptionId: subscriptionId, orderId: orderId, email: fields.email, customerId: fields.customerId,
            externalCustomerId: fields.externalCustomerId, memberId: fields.memberId,
            externalMemberId: fields.externalMemberId, metadata: fields.metadata, immediateClaim: fields.immediateClaim,
            body: body.whole, route: route)
        assignment.sendInvitation = fields.sendInvitation
        assignment.expiresAt = fields.expiresAt
        return assignment
    }

    /// Reads Tessera's transfer: the recipient fields of an assignment, and optionally
    /// `metadata`, `immediate_claim`, `send_invitation` and `expires_at` for the new holder.
    static func transfer(from request: Request) async throws -> SeatTransfer {
        var body = try await BodyFields.read(request)
        let fields = RecipientFields(&body)
        try body.validate()
        var transfer = try SeatTransfer.validate(
            email: fields.email, customerId: fields.customerId, externalCustomerId: fields.externalCustomerId,
            memberId: fields.memberId, externalMemberId: fields.externalMemberId, metadata: fields.metadata,
            immediateClaim: fields.immediateClaim, body: body.whole)
        transfer.sendInvitation = fields.sendInvitation
        transfer.expiresAt = fields.expiresAt
        return transfer
    }

    /// The fields that name a seat's recipient and shape their seat, as an assignment and a
    /// transfer both take them.
    private struct RecipientFields {
        var email: String?
        var customerId: UUID?
        var externalCustomerId: String?
        var memberId: UUID?
        var externalMemberId: String?
        var metadata: [String: JSONValue]?
        var immediateClaim: Bool
        /// Tessera's: only the merchant API acts on it (`Organization.emailsSeatInvitation`).
        var sendInvitation: Bool?
        /// Tessera's seat expiry.
        var expiresAt: Date?

        init(_ body: inout BodyFields) {
            email = body.string("email", maxLength: 320)
            customerId = body.uuid("customer_id")
            externalCustomerId = body.string("external_customer_id")
            memberId = body.uuid("member_id")
            externalMemberId = body.string("external_member_id")
            metadata = body.object("metadata")
            immediateClaim = body.bool("immediate_claim") ?? false
            sendInvitation = body.bool("send_invitation")
            expiresAt = body.date("expires_at")
        }
    }

    /// Reads Tessera's bulk assignment: `subscription_id` or `order_id`, `recipients` (1 to
    /// 1,000 objects, each the recipient fields of a single assignment) and `atomic`. A row that
    /// a single call would refuse with 422 is that row's failure, not the request's.
    static func bulkAssignment(from request: Request) async throws -> BulkAssignment {
        var body = try await BodyFields.read(request)
        let subscriptionId = body.uuid("subscription_id")
        let orderId = body.uuid("order_id")
        let atomic = body.bool("atomic") ?? false
        let recipients = body.array("recipients")
        if !body.has("recipients") {
            body.missing("recipients")
        } else if let recipients, recipients.isEmpty {
            body.invalid("recipients", "too_short", "List should have at least 1 item after validation, not 0")
        } else if let recipients, recipients.count > BulkAssignment.maximumRows {
            body.invalid("recipients", "too_long",
                         "List should have at most \(BulkAssignment.maximumRows) items after validation, not \(recipients.count)")
        }
        try body.validate()
        guard let pool = SeatPoolReference(subscriptionId: subscriptionId, orderId: orderId) else {
            throw ValidationFailure([.valueError([.key("body")], SeatAssignmentRoute.merchant.poolMessage, input: body.whole)])
        }
        let rows = (recipients ?? []).map { recipient -> Result<SeatAssignment, ValidationFailure> in
            Result { () throws(ValidationFailure) -> SeatAssignment in
                var row = try BodyFields.object(recipient)
                return try assignment(reading: &row, subscriptionId: subscriptionId, orderId: orderId, route: .merchant)
            }
        }
        return BulkAssignment(pool: pool, rows: rows, atomic: atomic)
    }

    /// Reads `?subscription_id=` or `?order_id=` (shared with the customer portal).
    static func pool(from request: Request) throws -> SeatPoolReference {
        var query = QueryFields(request)
        let subscriptionId = query.uuid("subscription_id")
        let orderId = query.uuid("order_id")
        try query.validate()
        if let subscriptionId { return .subscription(subscriptionId) }
        if let orderId { return .order(orderId) }
        throw TesseraError.poolNotGiven
    }

    @Sendable func revoke(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let seatId = try context.pathUUID("seat_id")
        return .json(Wire.seatText(try await operations.revoke(seatId: seatId, scope: .merchant(organizationId, actor: context.actor))))
    }

    /// Polar's resend takes no body; Tessera's optional `{"send_invitation": false}` hands the
    /// new link back instead of emailing it. An empty body is no fields.
    @Sendable func resend(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let seatId = try context.pathUUID("seat_id")
        var sendInvitation: Bool?
        if var body = try await BodyFields.readIfPresent(request) {
            sendInvitation = body.bool("send_invitation")
            try body.validate()
        }
        let (seat, invitation) = try await operations.resend(seatId: seatId, sendInvitation: sendInvitation,
                                                             scope: .merchant(organizationId, actor: context.actor))
        return .json(Wire.seatText(seat, invitation: invitation))
    }

    /// Tessera's transfer: the same seat, now the new recipient's (with the invitation handed
    /// back when `send_invitation` is false).
    @Sendable func transfer(_ request: Request, context: MerchantContext) async throws -> Response {
        let seatId = try context.pathUUID("seat_id")
        let transfer = try await Self.transfer(from: request)
        let (seat, invitation) = try await operations.transfer(
            seatId: seatId, transfer, scope: .merchant(context.organizationId, actor: context.actor))
        return .json(Wire.seatText(seat, invitation: invitation))
    }

    /// Tessera's seat history: one seat's events, newest first, a page at a time.
    @Sendable func seatHistory(_ request: Request, context: MerchantContext) async throws -> Response {
        let seatId = try context.pathUUID("seat_id")
        var query = QueryFields(request)
        let (limit, cursor) = query.cursorPage()
        try query.validate()
        let page = try await operations.history(seatId: seatId, scope: .merchant(context.organizationId, actor: context.actor),
                                                limit: limit, after: cursor)
        return .json(Wire.seatEvents(page))
    }

    /// The history of every seat of a pool (`?subscription_id=` or `?order_id=`), newest first.
    @Sendable func poolHistory(_ request: Request, context: MerchantContext) async throws -> Response {
        let pool = try Self.pool(from: request)
        var query = QueryFields(request)
        let (limit, cursor) = query.cursorPage()
        try query.validate()
        let page = try await operations.history(of: pool, scope: .merchant(context.organizationId, actor: context.actor),
                                                limit: limit, after: cursor)
        return .json(Wire.seatEvents(page))
    }

    @Sendable func claimInfo(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let token = context.parameters.get("invitation_token") ?? ""
        return .json(Wire.seatClaimInfo(try await operations.claimInfo(token: token)))
    }

    @Sendable func claim(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        var body = try await BodyFields.read(request)
        // Polar takes any string here: an empty token is a bad token (400), not a 422.
        let token = body.requiredString("invitation_token", minLength: 0)
        try body.validate()
        let (seat, session) = try await operations.claim(token: token ?? "")
        return .json(Wire.seatClaim(seat, session: session))
    }
}
