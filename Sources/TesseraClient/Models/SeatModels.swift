import Foundation

/// A seat in a subscription's or an order's pool, and who holds it.
public struct CustomerSeat: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    /// The subscription whose pool the seat is in (nil for an order's seat).
    public var subscriptionId: String?
    /// The order whose pool the seat is in (nil for a subscription's seat).
    public var orderId: String?
    public var status: SeatStatus
    /// The holder's customer (with the member model on: the billing customer).
    public var customerId: String?
    /// The holder as a member of the billing customer.
    public var memberId: String?
    public var member: Member?
    /// The holder's email.
    public var email: String?
    /// The email of the holder's customer.
    public var customerEmail: String?
    /// When the current invitation link stops working (pending seats).
    public var invitationTokenExpiresAt: Date?
    public var claimedAt: Date?
    public var revokedAt: Date?
    /// The metadata given when the seat was assigned.
    public var seatMetadata: Metadata?
    /// Tessera: when the server revokes the seat, for a seat given an expiry; nil otherwise
    /// (the key is then absent, as on Polar).
    public var expiresAt: Date?
    /// Tessera, with `sendInvitation: false` only: the invitation's token and claim link, for
    /// you to deliver. Shown this once (only a hash is kept); nil otherwise.
    public var invitationToken: String?
    public var invitationUrl: String?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case subscriptionId = "subscription_id"
        case orderId = "order_id"
        case status
        case customerId = "customer_id"
        case memberId = "member_id"
        case member
        case email
        case customerEmail = "customer_email"
        case invitationTokenExpiresAt = "invitation_token_expires_at"
        case claimedAt = "claimed_at"
        case revokedAt = "revoked_at"
        case seatMetadata = "seat_metadata"
        case expiresAt = "expires_at"
        case invitationToken = "invitation_token"
        case invitationUrl = "invitation_url"
    }
}

/// A person to give a seat to, and how: the part of an assignment that is not the pool. It is
/// each row of ``CustomerSeats/assignMany(subscriptionId:orderId:recipients:atomic:idempotencyKey:retries:)``,
/// the body of ``CustomerSeats/transfer(seatId:to:idempotencyKey:retries:)``, and the person of ``SeatAssign``.
///
/// Name the person by exactly one of `email`, `customerId`, `externalCustomerId`, `memberId` and
/// `externalMemberId`, or by `externalMemberId` with `email`. Fields left nil are not sent.
public struct SeatRecipient: Codable, Sendable, Hashable {
    public var email: String?
    public var customerId: String?
    public var externalCustomerId: String?
    public var memberId: String?
    public var externalMemberId: String?
    /// Stored on the seat as `seat_metadata`. On a transfer, nil keeps the seat's metadata.
    public var metadata: Metadata?
    /// Skip the invitation: the seat is claimed at once.
    public var immediateClaim: Bool?
    /// Tessera: false sends no email and hands the invitation back in the answer
    /// (``CustomerSeat/invitationUrl``); nil follows the organization's setting.
    public var sendInvitation: Bool?
    /// Tessera: when the seat ends (a future date). The server then revokes it, as
    /// ``CustomerSeats/revokeSeat(seatId:retries:)`` would. nil: it never expires (on a transfer
    /// too: the former holder's expiry does not carry over).
    public var expiresAt: Date?

    enum CodingKeys: String, CodingKey {
        case email
        case customerId = "customer_id"
        case externalCustomerId = "external_customer_id"
        case memberId = "member_id"
        case externalMemberId = "external_member_id"
        case metadata
        case immediateClaim = "immediate_claim"
        case sendInvitation = "send_invitation"
        case expiresAt = "expires_at"
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(email: String? = nil, customerId: String? = nil, externalCustomerId: String? = nil,
                memberId: String? = nil, externalMemberId: String? = nil, metadata: Metadata? = nil,
                immediateClaim: Bool? = nil, sendInvitation: Bool? = nil, expiresAt: Date? = nil) {
        self.email = email
        self.customerId = customerId
        self.externalCustomerId = externalCustomerId
        self.memberId = memberId
        self.externalMemberId = externalMemberId
        self.metadata = metadata
        self.immediateClaim = immediateClaim
        self.sendInvitation = sendInvitation
        self.expiresAt = expiresAt
    }
}

/// The body of ``CustomerSeats/assignSeat(_:idempotencyKey:retries:)``: the pool (exactly one of
/// `subscriptionId` and `orderId`) and the person, a ``SeatRecipient`` whose fields are also
/// this type's own (`email`, `customerId`, …). Fields left nil are not sent.
public struct SeatAssign: Codable, Sendable, Hashable {
    public var subscriptionId: String?
    public var orderId: String?
    /// The person and the options; sent as fields of the body itself, beside the pool.
    public var recipient: SeatRecipient

    public var email: String? { get { recipient.email } set { recipient.email = newValue } }
    public var customerId: String? { get { recipient.customerId } set { recipient.customerId = newValue } }
    public var externalCustomerId: String? {
        get { recipient.externalCustomerId } set { recipient.externalCustomerId = newValue }
    }
    public var memberId: String? { get { recipient.memberId } set { recipient.memberId = newValue } }
    public var externalMemberId: String? {
        get { recipient.externalMemberId } set { recipient.externalMemberId = newValue }
    }
    /// Stored on the seat as `seat_metadata`.
    public var metadata: Metadata? { get { recipient.metadata } set { recipient.metadata = newValue } }
    /// Skip the invitation: the seat is claimed at once.
    public var immediateClaim: Bool? { get { recipient.immediateClaim } set { recipient.immediateClaim = newValue } }
    /// Tessera: false sends no email and hands the invitation back in the answer
    /// (``CustomerSeat/invitationUrl``); nil follows the organization's setting.
    public var sendInvitation: Bool? { get { recipient.sendInvitation } set { recipient.sendInvitation = newValue } }
    /// Tessera: when the seat ends (a future date); the server then revokes it. nil: never.
    public var expiresAt: Date? { get { recipient.expiresAt } set { recipient.expiresAt = newValue } }

    enum CodingKeys: String, CodingKey {
        case subscriptionId = "subscription_id"
        case orderId = "order_id"
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(subscriptionId: String? = nil, orderId: String? = nil, email: String? = nil, customerId: String? = nil,
                externalCustomerId: String? = nil, memberId: String? = nil, externalMemberId: String? = nil,
                metadata: Metadata? = nil, immediateClaim: Bool? = nil, sendInvitation: Bool? = nil,
                expiresAt: Date? = nil) {
        self.init(subscriptionId: subscriptionId, orderId: orderId, recipient: SeatRecipient(
            email: email, customerId: customerId, externalCustomerId: externalCustomerId, memberId: memberId,
            externalMemberId: externalMemberId, metadata: metadata, immediateClaim: immediateClaim,
            sendInvitation: sendInvitation, expiresAt: expiresAt))
    }

    /// An assignment of a seat of the pool to `recipient`.
    public init(subscriptionId: String? = nil, orderId: String? = nil, recipient: SeatRecipient) {
        self.subscriptionId = subscriptionId
        self.orderId = orderId
        self.recipient = recipient
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subscriptionId = try container.decodeIfPresent(String.self, forKey: .subscriptionId)
        orderId = try container.decodeIfPresent(String.self, forKey: .orderId)
        recipient = try SeatRecipient(from: decoder)
    }

    /// One flat object: the pool's key and the recipient's keys side by side.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(subscriptionId, forKey: .subscriptionId)
        try container.encodeIfPresent(orderId, forKey: .orderId)
        try recipient.encode(to: encoder)
    }
}

/// A pool's seats (revoked ones included) and how many are free.
public struct SeatsList: Codable, Sendable, Hashable {
    public var seats: [CustomerSeat]
    /// Seats that can still be assigned: total − (pending + claimed).
    public var availableSeats: Int
    /// The pool's size.
    public var totalSeats: Int
    /// Tessera, when the list was filtered or paged: the `cursor` of the next page (nil on the last).
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case seats
        case availableSeats = "available_seats"
        case totalSeats = "total_seats"
        case nextCursor = "next_cursor"
    }
}

/// What an invitation is for, shown before claiming it.
public struct SeatClaimInfo: Codable, Sendable, Hashable {
    public var productName: String
    public var productId: String
    public var organizationName: String
    public var organizationSlug: String
    /// Who the invitation was sent to.
    public var customerEmail: String
    public var canClaim: Bool

    enum CodingKeys: String, CodingKey {
        case productName = "product_name"
        case productId = "product_id"
        case organizationName = "organization_name"
        case organizationSlug = "organization_slug"
        case customerEmail = "customer_email"
        case canClaim = "can_claim"
    }
}

/// The body of ``CustomerSeats/claimSeat(_:idempotencyKey:retries:)``.
public struct SeatClaim: Codable, Sendable, Hashable {
    /// The token from the invitation link.
    public var invitationToken: String

    enum CodingKeys: String, CodingKey {
        case invitationToken = "invitation_token"
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(invitationToken: String) {
        self.invitationToken = invitationToken
    }
}

/// The claimed seat and a customer portal session for its holder.
public struct CustomerSeatClaimResponse: Codable, Sendable, Hashable {
    public var seat: CustomerSeat
    /// A short-lived customer session token for the customer portal.
    public var customerSessionToken: String

    enum CodingKeys: String, CodingKey {
        case seat
        case customerSessionToken = "customer_session_token"
    }
}

/// One change in a seat's life (Tessera's seat history).
public struct SeatEvent: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var seatId: String
    public var subscriptionId: String?
    public var orderId: String?
    /// `assigned`, `invitation_sent`, `invitation_resent`, `claimed`, `revoked`, `transferred`, `expired`.
    public var type: SeatEventType
    /// Who made the change.
    public var actor: SeatEventActor
    /// Who held the seat before (nil for a free seat) and after (nil once revoked).
    public var holderBefore: SeatEventHolder?
    public var holderAfter: SeatEventHolder?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case seatId = "seat_id"
        case subscriptionId = "subscription_id"
        case orderId = "order_id"
        case type, actor
        case holderBefore = "holder_before"
        case holderAfter = "holder_after"
    }
}

/// Who changed a seat; `id` is the token's, customer's or member's id when there is one.
public struct SeatEventActor: Codable, Sendable, Hashable {
    public var type: SeatActorType
    public var id: String?
}

/// A seat's holder at one moment.
public struct SeatEventHolder: Codable, Sendable, Hashable {
    public var customerId: String
    public var memberId: String
    public var email: String?

    enum CodingKeys: String, CodingKey {
        case customerId = "customer_id"
        case memberId = "member_id"
        case email
    }
}

/// A page of seat history and the cursor of the next page (nil on the last).
public struct SeatEventPage: Codable, Sendable, Hashable {
    public var items: [SeatEvent]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }
}

/// The body of ``CustomerSeats/assignMany(subscriptionId:orderId:recipients:atomic:idempotencyKey:retries:)``.
struct BulkSeatAssign: Encodable {
    var subscriptionId: String?
    var orderId: String?
    var recipients: [SeatRecipient]
    var atomic: Bool

    enum CodingKeys: String, CodingKey {
        case subscriptionId = "subscription_id"
        case orderId = "order_id"
        case recipients, atomic
    }
}

/// What a bulk assignment did (Tessera): how many recipients got a new seat, already held one,
/// or failed, and each recipient's outcome in the order they were given.
///
/// An atomic request with a failed row is refused with an ``APIError`` (`BulkAssignmentFailed`,
/// HTTP 400) whose ``APIError/bulkAssignment`` is this, every row that would have been assigned
/// then ``BulkSeatStatus/notAssigned``.
public struct BulkSeatAssignment: Codable, Sendable, Hashable {
    /// Recipients given a seat by this request.
    public var assigned: Int
    /// Recipients who already held an active seat of the pool (the seat is in their result).
    public var alreadyAssigned: Int
    /// Recipients refused; each result says why.
    public var failed: Int
    /// One per recipient, in input order.
    public var results: [BulkSeatResult]

    enum CodingKeys: String, CodingKey {
        case assigned
        case alreadyAssigned = "already_assigned"
        case failed, results
    }
}

/// One recipient's outcome in a ``BulkSeatAssignment``.
public struct BulkSeatResult: Codable, Sendable, Hashable {
    /// The recipient's position in the request's `recipients`, from 0.
    public var index: Int
    public var status: BulkSeatStatus
    /// The recipient's seat: new (``BulkSeatStatus/assigned``, with the invitation link when
    /// `sendInvitation` was false) or held before (``BulkSeatStatus/alreadyAssigned``); nil otherwise.
    public var seat: CustomerSeat?
    /// Why the recipient was refused (``BulkSeatStatus/failed``); nil otherwise.
    public var error: BulkSeatError?
}

/// Why one recipient of a bulk assignment was refused: the error its own
/// ``CustomerSeats/assignSeat(_:idempotencyKey:retries:)`` call would have got.
public struct BulkSeatError: Codable, Sendable, Hashable {
    /// The HTTP status that call would have had: 404, 400, 422, …
    public var statusCode: Int
    /// The error's name: `CustomerNotFound`, `SeatAlreadyAssigned`, `RequestValidationError`, …
    public var error: String?
    /// A message (a string), or for a 422 the list of problems (see ``validationProblems``).
    public var detail: JSONValue?

    enum CodingKeys: String, CodingKey {
        case statusCode = "status"
        case error, detail
    }

    /// Creates the value.
    public init(statusCode: Int, error: String?, detail: JSONValue?) {
        self.statusCode = statusCode
        self.error = error
        self.detail = detail
    }

    /// `detail` when it is a string.
    public var message: String? { detail?.stringValue }

    /// The problems of a validation error (422), each as ``HTTPValidationError`` has them; nil
    /// when `detail` is not such a list.
    public var validationProblems: [HTTPValidationError.Detail]? {
        guard let detail, case .array = detail else { return nil }
        return try? detail.decode(as: [HTTPValidationError.Detail].self)
    }
}

extension APIError {
    /// The outcome of every row of an atomic bulk assignment that was refused because a row
    /// failed (`error` is `BulkAssignmentFailed`): read from ``body``, nil for any other error.
    public var bulkAssignment: BulkSeatAssignment? {
        guard error == "BulkAssignmentFailed" else { return nil }
        return try? WireCoding.decoder().decode(BulkSeatAssignment.self, from: Data(body.utf8))
    }
}
