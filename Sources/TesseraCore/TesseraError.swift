import Foundation

/// A domain failure: what went wrong, in the domain's terms, with the values its message needs.
///
/// Core knows no HTTP: the server maps each case to a status and Polar's error name
/// (`ErrorStatus` in TesseraServer), and the pages map it to sentences for people. Every
/// message is written once, in `message`, and clients and tests read the exact texts of Polar.
public enum TesseraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of object a `notFound` names.
    public enum Resource: Sendable, Equatable, CaseIterable {
        case seat, subscription, order, customer, member, product, organization, accessToken
        case webhookEvent, webhookEndpoint, benefit, licenseKey
        /// An invitation token that names no usable seat (unknown, expired, used or revoked).
        case invitation
    }

    // MARK: Generic
    /// The object does not exist, or belongs to another organization (which is the same to the caller).
    case notFound(Resource)
    /// The caller may look but not change (a member without a seat-managing role).
    case notPermitted

    // MARK: Seats
    /// The organization has seat-based pricing turned off.
    case featureNotEnabled
    /// Every seat of the pool is pending or claimed.
    case seatNotAvailable(poolId: UUID)
    /// An order takes assignments only once it is paid.
    case orderNotPaid
    /// The person (named as the request named them) already has an active seat in the pool.
    case seatAlreadyAssigned(String)
    /// A bulk assignment needs more seats than the pool has free; nothing was assigned.
    case notEnoughSeats(needed: Int, available: Int)
    /// A transfer needs a pending or claimed seat: a revoked one is free, so assign it instead.
    case seatNotActive

    // MARK: Idempotency keys
    /// The first request with this `Idempotency-Key` is still running.
    case idempotencyKeyInUse
    /// This `Idempotency-Key` answered another request.
    case idempotencyKeyReused
    /// Resending needs a pending seat with a holder.
    case seatNotPending
    /// The claim token is unknown, expired, used or revoked.
    case invalidInvitationToken
    /// A `customer_id` or `external_customer_id` of an assignment that names no customer.
    case customerNotFound(String)
    /// A `member_id` or `external_member_id` of an assignment that names no member of the pool's customer.
    case memberNotFound(String)
    /// In the member model, a `customer_id` or `external_customer_id` that names no customer.
    case invalidSeatAssignmentRequest
    /// The external member id names a member with another email.
    case memberEmailMismatch(externalId: String, email: String)
    /// Tessera's own case: the email names a member who already has another external id.
    case memberExternalIdMismatch(email: String)
    /// A seat list or assignment that names neither a subscription nor an order.
    case poolNotGiven

    // MARK: Pools
    case alreadyCanceledSubscription
    case notASeatBasedSubscription
    case belowMinimumSeats(minimum: Int)
    case aboveMaximumSeats(maximum: Int)
    /// A seat count below the pool's pending and claimed seats.
    case seatsAlreadyAssigned(requested: Int, assigned: Int)
    /// A seat count for a product without a seat-based price.
    case seatsWithoutSeatBasedPrice
    /// No seat count for a product with a seat-based price.
    case seatsRequiredBySeatBasedPrice
    /// Payment is not taken back: a paid order stays paid.
    case paidOrderCannotBecomePending

    // MARK: Organizations
    /// Another organization has the slug.
    case slugTaken(String)

    // MARK: License keys
    /// The key was revoked (with its seat) or disabled.
    case licenseKeyNotActive
    case licenseKeyExpired
    /// Validating with `increment_usage` would pass the key's usage limit.
    case licenseKeyUsageExceeded(remaining: Int)
    /// Activating a key whose benefit has no `activations` rule.
    case licenseKeyActivationsNotSupported
    /// The key has as many activations as its benefit allows.
    case licenseKeyActivationLimitReached
    /// Setting a key back to `granted` when its grant was revoked with its seat.
    case licenseKeyGrantRevoked
    /// Setting a key's usage past its usage limit.
    case licenseKeyUsageAboveLimit(limit: Int)

    /// The human message: the `detail` of the JSON error body, in Polar's words where Polar has the case.
    public var message: String {
        switch self {
        case .notFound(let resource): resource.notFoundMessage
        case .notPermitted: "You don't have the permission to do this."
        case .featureNotEnabled: "Seat-based pricing is not enabled for this organization"
        case .seatNotAvailable(let poolId): "No available seats for \(poolId.wire)"
        case .orderNotPaid: "Order must be paid before assigning seats"
        case .seatAlreadyAssigned(let identifier): "Seat already assigned to customer \(identifier)"
        case .notEnoughSeats(let needed, let available):
            "These recipients need \(needed) new \(needed == 1 ? "seat" : "seats") and the pool has \(available) free; nothing was assigned."
        case .seatNotActive: "Only a pending or claimed seat can be transferred; a revoked seat is free to assign."
        case .idempotencyKeyInUse:
            "A request with this Idempotency-Key is still running; retry it once that one has finished."
        case .idempotencyKeyReused:
            "This Idempotency-Key was used with a different request; send a new key with a new request."
        case .seatNotPending: "Seat is not in pending status"
        case .invalidInvitationToken: "Invalid or expired invitation token"
        case .customerNotFound(let identifier): "Customer not found: \(identifier)"
        case .memberNotFound(let identifier): "Member not found: \(identifier)"
        case .invalidSeatAssignmentRequest: "Customer not found for the provided customer_id or external_customer_id."
        case .memberEmailMismatch(let externalId, let email):
            "Member with external_member_id '\(externalId)' exists but has a different email than '\(email)'"
        case .memberExternalIdMismatch(let email):
            "Member with email '\(email)' exists but has a different external_member_id"
        case .poolNotGiven: "Either subscription_id or order_id must be provided"
        case .alreadyCanceledSubscription: "This subscription is already canceled or will be at the end of the period."
        case .notASeatBasedSubscription: "This subscription does not support seat-based pricing."
        case .belowMinimumSeats(let minimum): "Minimum \(minimum) seats required."
        case .aboveMaximumSeats(let maximum): "Maximum seats is \(maximum)."
        case .seatsAlreadyAssigned(let requested, let assigned):
            "Cannot decrease seats to \(requested). Currently \(assigned) seats are assigned. Revoke seats first."
        case .seatsWithoutSeatBasedPrice: "Seats can only be set for a product with a seat-based price."
        case .seatsRequiredBySeatBasedPrice: "Seats are required for a product with a seat-based price."
        case .paidOrderCannotBecomePending: "A paid order cannot become pending again."
        case .slugTaken(let slug): "An organization with the slug \(slug) already exists."
        case .licenseKeyNotActive: "License key is no longer active."
        case .licenseKeyExpired: "License key has expired."
        case .licenseKeyUsageExceeded(let remaining): "License key only has \(remaining) more usages."
        case .licenseKeyActivationsNotSupported: "This license key does not support activations."
        case .licenseKeyActivationLimitReached: "License key activation limit already reached."
        case .licenseKeyGrantRevoked:
            "This key's grant was revoked with its seat; a seat claimed again gives its holder a new key."
        case .licenseKeyUsageAboveLimit(let limit): "Usage cannot exceed the usage limit of \(limit)."
        }
    }

    public var description: String { message }
}

extension TesseraError.Resource {
    /// Polar's texts; organizations and access tokens (operator routes) answer with the generic one.
    var notFoundMessage: String {
        switch self {
        case .seat: "Seat not found"
        case .subscription: "Subscription not found"
        case .order: "Order not found"
        case .customer: "Customer not found"
        case .member: "Member not found"
        case .product: "Product not found"
        case .organization, .accessToken: "Not found"
        case .webhookEvent: "Webhook event not found"
        case .webhookEndpoint: "Webhook endpoint not found"
        case .benefit: "Benefit not found"
        case .licenseKey: "License key not found"
        case .invitation: "Invalid or expired invitation token"
        }
    }
}

/// One problem with a request's input, in the shape of a FastAPI validation detail.
public struct ValidationIssue: Sendable, Equatable {
    public enum LocationPart: Sendable, Equatable {
        case key(String)
        case index(Int)
    }
    public var type: String
    public var loc: [LocationPart]
    public var msg: String
    public var input: JSONValue

    public init(type: String, loc: [LocationPart], msg: String, input: JSONValue) {
        self.type = type
        self.loc = loc
        self.msg = msg
        self.input = input
    }

    /// A rule broken by a value (pydantic's `value_error`).
    public static func valueError(_ loc: [LocationPart], _ message: String, input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "value_error", loc: loc, msg: "Value error, \(message)", input: input)
    }
}

/// A request whose input breaks one or more rules: rendered as 422 `RequestValidationError`.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var issues: [ValidationIssue]
    public init(_ issues: [ValidationIssue]) { self.issues = issues }
}

