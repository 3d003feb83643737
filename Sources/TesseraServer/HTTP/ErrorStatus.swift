import Hummingbird
import TesseraCore

/// How a domain error is answered over HTTP: its status and Polar's error name (the `error`
/// field of the JSON body). The API's error middleware and the pages both read it, so a code
/// has one status everywhere.
struct ErrorStatus: Equatable {
    var status: HTTPResponse.Status
    var name: String

    /// The one mapping from codes to statuses and names. It has no `default`, so a new code
    /// does not compile until it is given both.
    init(_ error: TesseraError) {
        switch error {
        case .notFound: self = .init(.notFound, "ResourceNotFound")
        case .notPermitted: self = .init(.forbidden, "NotPermitted")
        case .featureNotEnabled: self = .init(.forbidden, "FeatureNotEnabled")
        // Polar answers an unpaid order with the full pool's name.
        case .seatNotAvailable, .orderNotPaid, .notEnoughSeats: self = .init(.badRequest, "SeatNotAvailable")
        case .seatNotActive: self = .init(.badRequest, "SeatNotActive")
        case .idempotencyKeyInUse: self = .init(.conflict, "IdempotencyKeyInUse")
        case .idempotencyKeyReused: self = .init(.unprocessableContent, "IdempotencyKeyReused")
        case .seatAlreadyAssigned: self = .init(.badRequest, "SeatAlreadyAssigned")
        case .seatNotPending: self = .init(.badRequest, "SeatNotPending")
        case .invalidInvitationToken: self = .init(.badRequest, "InvalidInvitationToken")
        case .customerNotFound: self = .init(.notFound, "CustomerNotFound")
        case .memberNotFound: self = .init(.notFound, "MemberNotFound")
        case .invalidSeatAssignmentRequest: self = .init(.badRequest, "InvalidSeatAssignmentRequest")
        case .memberEmailMismatch, .memberExternalIdMismatch: self = .init(.badRequest, "MemberEmailMismatch")
        case .poolNotGiven, .seatsWithoutSeatBasedPrice, .seatsRequiredBySeatBasedPrice, .paidOrderCannotBecomePending:
            self = .init(.badRequest, "BadRequest")
        case .alreadyCanceledSubscription: self = .init(.forbidden, "AlreadyCanceledSubscription")
        case .notASeatBasedSubscription: self = .init(.badRequest, "NotASeatBasedSubscription")
        case .belowMinimumSeats: self = .init(.badRequest, "BelowMinimumSeats")
        case .aboveMaximumSeats: self = .init(.badRequest, "AboveMaximumSeats")
        case .seatsAlreadyAssigned: self = .init(.badRequest, "SeatsAlreadyAssigned")
        case .slugTaken: self = .init(.conflict, "Conflict")
        // Polar documents only 404 for a validation that fails, whatever the reason.
        case .licenseKeyNotActive, .licenseKeyExpired: self = .init(.notFound, "ResourceNotFound")
        case .licenseKeyUsageExceeded, .licenseKeyUsageAboveLimit: self = .init(.badRequest, "BadRequest")
        case .licenseKeyGrantRevoked: self = .init(.forbidden, "NotPermitted")
        case .licenseKeyActivationsNotSupported, .licenseKeyActivationLimitReached: self = .init(.forbidden, "NotPermitted")
        }
    }

    private init(_ status: HTTPResponse.Status, _ name: String) {
        self.status = status
        self.name = name
    }
}

extension TesseraError {
    /// The status and Polar's name this error is answered with.
    var http: ErrorStatus { ErrorStatus(self) }
}
