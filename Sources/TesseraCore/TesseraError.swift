import Foundation

/// A domain error with a stable wire name, an HTTP status and a human message.
///
/// The server renders it as `{"error": name, "detail": detail}` with `status`. Every
/// error the seat rules can raise is constructed here, so names and messages live in one place.
public struct TesseraError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    public let name: String
    public let detail: String

    public init(status: Int, name: String, detail: String) {
        self.status = status
        self.name = name
        self.detail = detail
    }

    public var description: String { "\(name) (\(status)): \(detail)" }
}

extension TesseraError {
    // MARK: Generic
    public static func notFound(_ detail: String = "Not found") -> TesseraError {
        TesseraError(status: 404, name: "ResourceNotFound", detail: detail)
    }
    public static func badRequest(_ detail: String) -> TesseraError {
        TesseraError(status: 400, name: "BadRequest", detail: detail)
    }
    public static func conflict(_ detail: String) -> TesseraError {
        TesseraError(status: 409, name: "Conflict", detail: detail)
    }
    public static let notPermitted = TesseraError(
        status: 403, name: "NotPermitted", detail: "You don't have the permission to do this.")

    // MARK: Seats
    public static let featureNotEnabled = TesseraError(
        status: 403, name: "FeatureNotEnabled",
        detail: "Seat-based pricing is not enabled for this organization")
    public static func seatNotAvailable(poolId: UUID) -> TesseraError {
        TesseraError(status: 400, name: "SeatNotAvailable",
                     detail: "No available seats for \(poolId.wire)")
    }
    public static let orderNotPaid = TesseraError(
        status: 400, name: "SeatNotAvailable", detail: "Order must be paid before assigning seats")
    public static func seatAlreadyAssigned(_ identifier: String) -> TesseraError {
        TesseraError(status: 400, name: "SeatAlreadyAssigned",
                     detail: "Seat already assigned to customer \(identifier)")
    }
    public static let seatNotPending = TesseraError(
        status: 400, name: "SeatNotPending", detail: "Seat is not in pending status")
    public static let invalidInvitationToken = TesseraError(
        status: 400, name: "InvalidInvitationToken", detail: "Invalid or expired invitation token")
    public static let invitationNotFound = TesseraError(
        status: 404, name: "ResourceNotFound", detail: "Invalid or expired invitation token")
    public static func customerNotFound(_ identifier: String) -> TesseraError {
        TesseraError(status: 404, name: "CustomerNotFound", detail: "Customer not found: \(identifier)")
    }
    public static func memberNotFound(_ identifier: String) -> TesseraError {
        TesseraError(status: 404, name: "MemberNotFound", detail: "Member not found: \(identifier)")
    }
    /// In the member model, a `customer_id` or `external_customer_id` that names no customer.
    public static let invalidSeatAssignmentRequest = TesseraError(
        status: 400, name: "InvalidSeatAssignmentRequest",
        detail: "Customer not found for the provided customer_id or external_customer_id.")
    public static func memberEmailMismatch(externalId: String, email: String) -> TesseraError {
        TesseraError(status: 400, name: "MemberEmailMismatch",
                     detail: "Member with external_member_id '\(externalId)' exists but has a different email than '\(email)'")
    }
    /// Tessera's own case: the email names a member who already has another external id.
    public static func memberExternalIdMismatch(email: String) -> TesseraError {
        TesseraError(status: 400, name: "MemberEmailMismatch",
                     detail: "Member with email '\(email)' exists but has a different external_member_id")
    }
    public static let seatNotFound = TesseraError(status: 404, name: "ResourceNotFound", detail: "Seat not found")
    public static let subscriptionNotFound = TesseraError(
        status: 404, name: "ResourceNotFound", detail: "Subscription not found")
    public static let orderNotFound = TesseraError(status: 404, name: "ResourceNotFound", detail: "Order not found")
    public static let poolNotGiven = TesseraError(
        status: 400, name: "BadRequest", detail: "Either subscription_id or order_id must be provided")

    // MARK: Subscriptions
    public static let alreadyCanceledSubscription = TesseraError(
        status: 403, name: "AlreadyCanceledSubscription",
        detail: "This subscription is already canceled or will be at the end of the period.")
    public static let notASeatBasedSubscription = TesseraError(
        status: 400, name: "NotASeatBasedSubscription", detail: "This subscription does not support seat-based pricing.")
    public static func belowMinimumSeats(minimum: Int) -> TesseraError {
        TesseraError(status: 400, name: "BelowMinimumSeats", detail: "Minimum \(minimum) seats required.")
    }
    public static func aboveMaximumSeats(maximum: Int) -> TesseraError {
        TesseraError(status: 400, name: "AboveMaximumSeats", detail: "Maximum seats is \(maximum).")
    }
    public static func seatsAlreadyAssigned(requested: Int, assigned: Int) -> TesseraError {
        TesseraError(status: 400, name: "SeatsAlreadyAssigned",
                     detail: "Cannot decrease seats to \(requested). Currently \(assigned) seats are assigned. Revoke seats first.")
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

extension UUID {
    /// The lower-case form used on the wire and in the database.
    public var wire: String { uuidString.lowercased() }
}
