import Foundation
import Testing
import TesseraCore

/// Every code's message: the exact texts clients and Polar's SDKs see in `detail`.
@Suite struct TesseraErrorTests {
    static let pool = UUID(uuidString: "5B1D9A52-0C43-4C4B-9D2B-6F1A1E0C7A10") ?? UUID()

    /// One example of every code (every resource of `notFound`) with its message.
    static let messages: [(TesseraError, String)] = [
        (.notFound(.seat), "Seat not found"),
        (.notFound(.subscription), "Subscription not found"),
        (.notFound(.order), "Order not found"),
        (.notFound(.customer), "Customer not found"),
        (.notFound(.member), "Member not found"),
        (.notFound(.product), "Product not found"),
        (.notFound(.organization), "Not found"),
        (.notFound(.accessToken), "Not found"),
        (.notFound(.webhookEvent), "Webhook event not found"),
        (.notFound(.webhookEndpoint), "Webhook endpoint not found"),
        (.notFound(.benefit), "Benefit not found"),
        (.notFound(.licenseKey), "License key not found"),
        (.notFound(.invitation), "Invalid or expired invitation token"),
        (.notPermitted, "You don't have the permission to do this."),
        (.featureNotEnabled, "Seat-based pricing is not enabled for this organization"),
        (.seatNotAvailable(poolId: pool), "No available seats for 5b1d9a52-0c43-4c4b-9d2b-6f1a1e0c7a10"),
        (.orderNotPaid, "Order must be paid before assigning seats"),
        (.seatAlreadyAssigned("ada@example.com"), "Seat already assigned to customer ada@example.com"),
        (.seatNotPending, "Seat is not in pending status"),
        (.invalidInvitationToken, "Invalid or expired invitation token"),
        (.customerNotFound("ext-7"), "Customer not found: ext-7"),
        (.memberNotFound("ext-8"), "Member not found: ext-8"),
        (.invalidSeatAssignmentRequest, "Customer not found for the provided customer_id or external_customer_id."),
        (.memberEmailMismatch(externalId: "ext-1", email: "b@example.com"),
         "Member with external_member_id 'ext-1' exists but has a different email than 'b@example.com'"),
        (.memberExternalIdMismatch(email: "b@example.com"),
         "Member with email 'b@example.com' exists but has a different external_member_id"),
        (.poolNotGiven, "Either subscription_id or order_id must be provided"),
        (.alreadyCanceledSubscription, "This subscription is already canceled or will be at the end of the period."),
        (.notASeatBasedSubscription, "This subscription does not support seat-based pricing."),
        (.belowMinimumSeats(minimum: 2), "Minimum 2 seats required."),
        (.aboveMaximumSeats(maximum: 10), "Maximum seats is 10."),
        (.seatsAlreadyAssigned(requested: 2, assigned: 3),
         "Cannot decrease seats to 2. Currently 3 seats are assigned. Revoke seats first."),
        (.seatsWithoutSeatBasedPrice, "Seats can only be set for a product with a seat-based price."),
        (.seatsRequiredBySeatBasedPrice, "Seats are required for a product with a seat-based price."),
        (.paidOrderCannotBecomePending, "A paid order cannot become pending again."),
        (.slugTaken("acme"), "An organization with the slug acme already exists."),
        (.licenseKeyNotActive, "License key is no longer active."),
        (.licenseKeyExpired, "License key has expired."),
        (.licenseKeyUsageExceeded(remaining: 2), "License key only has 2 more usages."),
        (.licenseKeyActivationsNotSupported, "This license key does not support activations."),
        (.licenseKeyActivationLimitReached, "License key activation limit already reached."),
        (.licenseKeyGrantRevoked,
         "This key's grant was revoked with its seat; a seat claimed again gives its holder a new key."),
        (.licenseKeyUsageAboveLimit(limit: 5), "Usage cannot exceed the usage limit of 5."),
        (.notEnoughSeats(needed: 7, available: 2),
         "These recipients need 7 new seats and the pool has 2 free; nothing was assigned."),
        (.seatNotActive, "Only a pending or claimed seat can be transferred; a revoked seat is free to assign."),
        (.idempotencyKeyInUse, "A request with this Idempotency-Key is still running; retry it once that one has finished."),
        (.idempotencyKeyReused, "This Idempotency-Key was used with a different request; send a new key with a new request."),
    ]

    /// A number for each code. The switch has no `default`: a new code stops this file
    /// compiling until it gets the next number (and `codeCount` grows), and then
    /// `everyCodeHasAnExample` fails until `messages` has an example of it.
    static func number(_ error: TesseraError) -> Int {
        switch error {
        case .notFound: 0
        case .notPermitted: 1
        case .featureNotEnabled: 2
        case .seatNotAvailable: 3
        case .orderNotPaid: 4
        case .seatAlreadyAssigned: 5
        case .seatNotPending: 6
        case .invalidInvitationToken: 7
        case .customerNotFound: 8
        case .memberNotFound: 9
        case .invalidSeatAssignmentRequest: 10
        case .memberEmailMismatch: 11
        case .memberExternalIdMismatch: 12
        case .poolNotGiven: 13
        case .alreadyCanceledSubscription: 14
        case .notASeatBasedSubscription: 15
        case .belowMinimumSeats: 16
        case .aboveMaximumSeats: 17
        case .seatsAlreadyAssigned: 18
        case .seatsWithoutSeatBasedPrice: 19
        case .seatsRequiredBySeatBasedPrice: 20
        case .paidOrderCannotBecomePending: 21
        case .slugTaken: 22
        case .licenseKeyNotActive: 23
        case .licenseKeyExpired: 24
        case .licenseKeyUsageExceeded: 25
        case .licenseKeyActivationsNotSupported: 26
        case .licenseKeyActivationLimitReached: 27
        case .licenseKeyGrantRevoked: 28
        case .licenseKeyUsageAboveLimit: 29
        case .notEnoughSeats: 30
        case .seatNotActive: 31
        case .idempotencyKeyInUse: 32
        case .idempotencyKeyReused: 33
        }
    }

    static let codeCount = 34

    @Test func everyCodeHasAnExample() {
        #expect(Set(Self.messages.map { Self.number($0.0) }) == Set(0..<Self.codeCount))
        let resources = Set(Self.messages.compactMap { error, _ -> TesseraError.Resource? in
            if case .notFound(let resource) = error { return resource }
            return nil
        })
        #expect(resources == Set(TesseraError.Resource.allCases))
    }

    @Test func everyCodeHasTodaysMessage() {
        for (error, message) in Self.messages {
            #expect(error.message == message, "\(error)")
            #expect(error.description == message)
        }
    }

    @Test func codesCompareByTheirValues() {
        #expect(TesseraError.belowMinimumSeats(minimum: 2) == .belowMinimumSeats(minimum: 2))
        #expect(TesseraError.belowMinimumSeats(minimum: 2) != .belowMinimumSeats(minimum: 3))
        #expect(TesseraError.notFound(.seat) != .notFound(.order))
    }
}
