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
        case invitationToken = "invitation_token"
        case invitationUrl = "invitation_url"
    }
}

/// The body of ``CustomerSeats/assignSeat(_:retries:)``: the pool (exactly one of
/// `subscriptionId` and `orderId`) and the person (exactly one of `email`, `customerId`,
/// `externalCustomerId`, `memberId` and `externalMemberId`). Fields left nil are not sent.
public struct SeatAssign: Codable, Sendable, Hashable {
    public var subscriptionId: String?
    public var orderId: String?
    public var email: String?
    public var customerId: String?
    public var externalCustomerId: String?
    public var memberId: String?
    public var externalMemberId: String?
    /// Stored on the seat as `seat_metadata`.
    public var metadata: Metadata?
    /// Skip the invitation: the seat is claimed at once.
    public var immediateClaim: Bool?
    /// Tessera: false sends no email and hands the invitation back in the answer
    /// (``CustomerSeat/invitationUrl``); nil follows the organization's setting.
    public var sendInvitation: Bool?

    enum CodingKeys: String, CodingKey {
        case subscriptionId = "subscription_id"
        case orderId = "order_id"
        case email
        case customerId = "customer_id"
        case externalCustomerId = "external_customer_id"
        case memberId = "member_id"
        case externalMemberId = "external_member_id"
        case metadata
        case immediateClaim = "immediate_claim"
        case sendInvitation = "send_invitation"
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(subscriptionId: String? = nil, orderId: String? = nil, email: String? = nil, customerId: String? = nil,
                externalCustomerId: String? = nil, memberId: String? = nil, externalMemberId: String? = nil,
                metadata: Metadata? = nil, immediateClaim: Bool? = nil, sendInvitation: Bool? = nil) {
        self.subscriptionId = subscriptionId
        self.orderId = orderId
        self.email = email
        self.customerId = customerId
        self.externalCustomerId = externalCustomerId
        self.memberId = memberId
        self.externalMemberId = externalMemberId
        self.metadata = metadata
        self.immediateClaim = immediateClaim
        self.sendInvitation = sendInvitation
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

/// The body of ``CustomerSeats/claimSeat(_:retries:)``.
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
