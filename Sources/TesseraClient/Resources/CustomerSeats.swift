import Foundation

/// The Customer Seats API (`/v1/customer-seats`), as Polar defines it and Tessera serves it.
///
/// Each call takes an optional `retries:` that overrides the client's ``RetryConfig`` for that
/// call. The reads (`listSeats`, `history`, `poolHistory`, `getClaimInfo`) and `revokeSeat` are
/// retried by default because repeating them is harmless. The writes a repeat could make act
/// twice (`assignSeat`, `assignMany`, `transfer`, `resendInvitation`, `claimSeat`) send an
/// `Idempotency-Key`, the same on every attempt of one call, so that Tessera answers a repeat
/// with the first answer instead of acting again; they are retried by default too, on a server
/// that honours keys (``TesseraClient/Server/honoursIdempotencyKeys``). Pass `idempotencyKey:`
/// to choose the key yourself, for instance to repeat a call safely after your process restarts.
public struct CustomerSeats: Sendable {
    let executor: RequestExecutor

    /// Assigns a seat in a subscription's or an order's pool to a person, who is emailed an
    /// invitation to claim it (or gets it at once with `immediateClaim`). A revoked seat of the
    /// pool is reused before a new one is made.
    ///
    /// Scope `customer_seats:write`. Sends an `Idempotency-Key` (`idempotencyKey`, or a new
    /// random one) and is retried by default: a repeat with the key gets the first answer back
    /// instead of failing with `SeatAlreadyAssigned` or sending a second invitation.
    /// - Parameters:
    ///   - idempotencyKey: The key to send, 1 to 255 visible ASCII characters; nil for a new
    ///     random one. The same key with the same request within 24 hours gets the first answer
    ///     again (even a refusal); with another request it is an ``APIError`` 422
    ///     `IdempotencyKeyReused`.
    ///   - retries: Overrides the client's retry configuration for this call.
    /// - Throws: ``HTTPValidationError`` for invalid input; ``APIError`` such as `SeatNotAvailable`
    ///   (400, the pool is full) or `SeatAlreadyAssigned` (400); ``TransportError``.
    public func assignSeat(_ request: SeatAssign, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> CustomerSeat
    {
        try await executor.send(APIRequest.keyed(.POST, "/v1/customer-seats", key: idempotencyKey).with(body: request),
                                retries: retries)
    }

    /// Assigns seats of one pool to up to 1,000 people in one request (Tessera): give exactly one
    /// of `subscriptionId` and `orderId`. Each recipient gets the outcome its own
    /// ``assignSeat(_:idempotencyKey:retries:)`` would have (a person who already holds a seat of
    /// the pool is ``BulkSeatStatus/alreadyAssigned``, not an error), in one transaction under one
    /// lock of the pool.
    ///
    /// Without `atomic` the rows that can be assigned are, and the others are
    /// ``BulkSeatStatus/failed`` with their error. With `atomic`, one failed row refuses the
    /// whole request: nothing is assigned and the call throws an ``APIError`` named
    /// `BulkAssignmentFailed` whose ``APIError/bulkAssignment`` holds every row's outcome.
    ///
    /// Scope `customer_seats:write`. Sends an `Idempotency-Key` (`idempotencyKey`, or a new
    /// random one; see ``assignSeat(_:idempotencyKey:retries:)``) and is retried by default: a
    /// repeat gets the first answer back instead of rows ``BulkSeatStatus/alreadyAssigned``.
    /// - Throws: ``APIError`` `BulkAssignmentFailed` (400, atomic only), `SeatNotAvailable` (400:
    ///   the pool has fewer free seats than the new recipients need; nothing is assigned),
    ///   `ResourceNotFound` (404, the pool); ``HTTPValidationError`` for a request of the wrong shape
    ///   (no pool, no recipients, more than 1,000); ``TransportError``.
    public func assignMany(subscriptionId: String? = nil, orderId: String? = nil, recipients: [SeatRecipient],
                           atomic: Bool = false, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> BulkSeatAssignment
    {
        let body = BulkSeatAssign(subscriptionId: subscriptionId, orderId: orderId, recipients: recipients, atomic: atomic)
        return try await executor.send(
            APIRequest.keyed(.POST, "/v1/customer-seats/bulk", key: idempotencyKey).with(body: body), retries: retries)
    }

    /// A pool's seats (revoked ones included), with how many are free. Give exactly one of
    /// `subscriptionId` and `orderId`.
    ///
    /// Tessera's filters are opt-in: `status`, `email` (a prefix, any case), `limit` and `cursor`
    /// (a previous page's ``SeatsList/nextCursor``). With any of them the answer is one page,
    /// oldest first; without them, the whole list as on Polar.
    ///
    /// Scope `customer_seats:read` (or `:write`). Retried by default.
    public func listSeats(subscriptionId: String? = nil, orderId: String? = nil, status: SeatStatus? = nil,
                          email: String? = nil, limit: Int? = nil, cursor: String? = nil,
                          retries: RetryConfig? = nil) async throws -> SeatsList {
        try await executor.send(
            APIRequest(.GET, "/v1/customer-seats",
                       query: [("subscription_id", subscriptionId), ("order_id", orderId), ("status", status?.rawValue),
                               ("email", email), ("limit", limit.map(String.init)), ("cursor", cursor)],
                       safeToRetry: true),
            retries: retries)
    }

    /// A page of one seat's history, newest first (Tessera). Pass the page's `nextCursor` as
    /// `cursor` for the next one.
    ///
    /// Scope `customer_seats:read` (or `:write`). Retried by default.
    public func history(seatId: String, limit: Int? = nil, cursor: String? = nil, retries: RetryConfig? = nil)
        async throws -> SeatEventPage
    {
        try await executor.send(
            APIRequest(.GET, "/v1/customer-seats/\(URLEncoding.segment(seatId))/events",
                       query: [("limit", limit.map(String.init)), ("cursor", cursor)], safeToRetry: true),
            retries: retries)
    }

    /// A page of the history of every seat of a pool, newest first (Tessera): exactly one of
    /// `subscriptionId` and `orderId`.
    ///
    /// Scope `customer_seats:read` (or `:write`). Retried by default.
    public func poolHistory(subscriptionId: String? = nil, orderId: String? = nil, limit: Int? = nil,
                            cursor: String? = nil, retries: RetryConfig? = nil) async throws -> SeatEventPage {
        try await executor.send(
            APIRequest(.GET, "/v1/customer-seats/events",
                       query: [("subscription_id", subscriptionId), ("order_id", orderId),
                               ("limit", limit.map(String.init)), ("cursor", cursor)], safeToRetry: true),
            retries: retries)
    }

    /// Revokes a seat: its holder loses the product's benefits and the seat is free again.
    /// Revoking a revoked seat changes nothing and returns it.
    ///
    /// Scope `customer_seats:write`. Retried by default (idempotent by contract).
    public func revokeSeat(seatId: String, retries: RetryConfig? = nil) async throws -> CustomerSeat {
        try await executor.send(
            APIRequest(.DELETE, "/v1/customer-seats/\(URLEncoding.segment(seatId))", safeToRetry: true),
            retries: retries)
    }

    /// Emails a pending seat's invitation again. On Tessera this issues a fresh link, valid for
    /// 24 hours, and the previous link stops working. With `sendInvitation: false` (Tessera) no
    /// email goes and the new link comes back in ``CustomerSeat/invitationUrl``.
    ///
    /// Scope `customer_seats:write`. Sends an `Idempotency-Key` (`idempotencyKey`, or a new
    /// random one; see ``assignSeat(_:idempotencyKey:retries:)``) and is retried by default: a
    /// repeat gets the first answer back instead of another email and another link.
    public func resendInvitation(seatId: String, sendInvitation: Bool? = nil, idempotencyKey: String? = nil,
                                 retries: RetryConfig? = nil) async throws -> CustomerSeat {
        var request = APIRequest.keyed(.POST, "/v1/customer-seats/\(URLEncoding.segment(seatId))/resend",
                                       key: idempotencyKey)
        // Polar's resend has no body: one is sent only when there is something to say.
        if let sendInvitation { request = try request.with(body: ["send_invitation": sendInvitation]) }
        return try await executor.send(request, retries: retries)
    }

    /// Hands a seat to another person (Tessera): the same seat (same id, same pool) is taken from
    /// its holder, who loses the product's benefits, and given to `recipient`, who is invited
    /// (or holds it at once with `immediateClaim`). The recipient's `metadata` replaces the
    /// seat's when given; nil keeps it.
    ///
    /// Scope `customer_seats:write`. Sends an `Idempotency-Key` (`idempotencyKey`, or a new
    /// random one; see ``assignSeat(_:idempotencyKey:retries:)``) and is retried by default: a
    /// repeat gets the first answer back instead of `SeatAlreadyAssigned`.
    /// - Throws: ``APIError`` `ResourceNotFound` (404), `SeatNotActive` (400, a revoked seat),
    ///   `SeatAlreadyAssigned` (400, the recipient already holds a seat of the pool);
    ///   ``HTTPValidationError``; ``TransportError``.
    public func transfer(seatId: String, to recipient: SeatRecipient, idempotencyKey: String? = nil,
                         retries: RetryConfig? = nil) async throws -> CustomerSeat
    {
        try await executor.send(
            APIRequest.keyed(.POST, "/v1/customer-seats/\(URLEncoding.segment(seatId))/transfer", key: idempotencyKey)
                .with(body: recipient),
            retries: retries)
    }

    /// What an invitation is for: product, organization and invited email. Reading it changes
    /// nothing. Needs no token (none is sent).
    ///
    /// Retried by default.
    /// - Throws: ``APIError`` 404 for an unknown, used, revoked or expired token.
    public func getClaimInfo(invitationToken: String, retries: RetryConfig? = nil) async throws -> SeatClaimInfo {
        try await executor.send(
            APIRequest(.GET, "/v1/customer-seats/claim/\(URLEncoding.segment(invitationToken))",
                       authenticated: false, safeToRetry: true),
            retries: retries)
    }

    /// Claims a seat with the token from its invitation; returns the seat and a customer portal
    /// session token. Needs no token (none is sent).
    ///
    /// Sends an `Idempotency-Key` (`idempotencyKey`, or a new random one; see
    /// ``assignSeat(_:idempotencyKey:retries:)``) and is retried by default: the invitation token
    /// is single-use, and a repeat with the key gets the first answer (seat and session token)
    /// back instead of `InvalidInvitationToken`. Keys of calls without a token share one scope on
    /// the server, so a key of your own must be one nobody else would pick.
    public func claimSeat(_ request: SeatClaim, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> CustomerSeatClaimResponse
    {
        try await executor.send(
            APIRequest.keyed(.POST, "/v1/customer-seats/claim", key: idempotencyKey, authenticated: false)
                .with(body: request),
            retries: retries)
    }
}
