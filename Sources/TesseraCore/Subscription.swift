import Foundation

/// A recurring purchase; with a seat-based product, a seat pool.
public struct Subscription: Sendable, Equatable {
    public enum Status: String, Sendable {
        case active, canceled
    }

    public var id: UUID
    public var organizationId: UUID
    public var customerId: UUID
    public var productId: UUID
    public var seats: Int?
    public var activeSeats: Int
    public var status: Status
    public var amount: Int
    public var currency: String
    public var recurringInterval: Product.RecurringInterval
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Date?
    public var startedAt: Date
    public var endedAt: Date?
    public var currentPeriodStart: Date
    public var currentPeriodEnd: Date
    public var metadata: [String: JSONValue]
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, organizationId: UUID, customerId: UUID, productId: UUID, seats: Int?,
                activeSeats: Int, status: Status, amount: Int, currency: String,
                recurringInterval: Product.RecurringInterval, cancelAtPeriodEnd: Bool, canceledAt: Date?,
                startedAt: Date, endedAt: Date?, currentPeriodStart: Date, currentPeriodEnd: Date,
                metadata: [String: JSONValue], createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.organizationId = organizationId
        self.customerId = customerId
        self.productId = productId
        self.seats = seats
        self.activeSeats = activeSeats
        self.status = status
        self.amount = amount
        self.currency = currency
        self.recurringInterval = recurringInterval
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.canceledAt = canceledAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.metadata = metadata
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    /// Checks a seat-count change in Polar's order. Returns false when the count is unchanged.
    public func validateSeatChange(to requested: Int, tiers: SeatTiers?) throws(TesseraError) -> Bool {
        if status == .canceled || cancelAtPeriodEnd { throw TesseraError.alreadyCanceledSubscription }
        guard let tiers, seats != nil else { throw TesseraError.notASeatBasedSubscription }
        try tiers.check(requested)
        if requested < activeSeats {
            throw TesseraError.seatsAlreadyAssigned(requested: requested, assigned: activeSeats)
        }
        return requested != seats
    }
}

/// A one-time purchase; with a seat-based product, a seat pool.
public struct Order: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, paid
    }

    public var id: UUID
    public var organizationId: UUID
    public var customerId: UUID
    public var productId: UUID
    public var seats: Int?
    public var activeSeats: Int
    public var status: Status
    public var amount: Int
    public var currency: String
    public var metadata: [String: JSONValue]
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, organizationId: UUID, customerId: UUID, productId: UUID, seats: Int?,
                activeSeats: Int, status: Status, amount: Int, currency: String,
                metadata: [String: JSONValue], createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.organizationId = organizationId
        self.customerId = customerId
        self.productId = productId
        self.seats = seats
        self.activeSeats = activeSeats
        self.status = status
        self.amount = amount
        self.currency = currency
        self.metadata = metadata
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

extension Product {
    /// What Tessera records as the pool's price: the tier price times seats for a
    /// seat-based product (volume pricing; graduated sums each tier), else the fixed amount.
    public func amount(forSeats seats: Int?) -> (amount: Int, currency: String) {
        for price in prices {
            switch price.kind {
            case .seatBased(let currency, let tiers):
                return (tiers.amount(forSeats: seats ?? 0), currency)
            case .fixed(let currency, let amount):
                return (amount, currency)
            case .free:
                continue
            }
        }
        return (0, "usd")
    }
}

extension SeatTiers {
    public func amount(forSeats seats: Int) -> Int {
        switch type {
        case .volume:
            let tier = tiers.first { seats >= $0.minSeats && seats <= ($0.maxSeats ?? Int.max) } ?? tiers.last
            return (tier?.pricePerSeat ?? 0) * seats
        case .graduated:
            var total = 0
            for tier in tiers where seats >= tier.minSeats {
                let upper = min(seats, tier.maxSeats ?? seats)
                total += (upper - tier.minSeats + 1) * tier.pricePerSeat
            }
            return total
        }
    }
}
