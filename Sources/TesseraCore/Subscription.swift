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

    /// A new subscription: active from `now` to the end of its first period, with no seat
    /// assigned yet and nothing canceled.
    public init(id: UUID, organizationId: UUID, customerId: UUID, productId: UUID, seats: Int?, amount: Int,
                currency: String, recurringInterval: Product.RecurringInterval, metadata: [String: JSONValue],
                startingAt now: Date) {
        self.init(id: id, organizationId: organizationId, customerId: customerId, productId: productId, seats: seats,
                  activeSeats: 0, status: .active, amount: amount, currency: currency,
                  recurringInterval: recurringInterval, cancelAtPeriodEnd: false, canceledAt: nil, startedAt: now,
                  endedAt: nil, currentPeriodStart: now, currentPeriodEnd: recurringInterval.periodEnd(from: now),
                  metadata: metadata, createdAt: now, modifiedAt: nil)
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

    /// Resizes the pool to `requested` seats of `product` (its tiers bound the count, its price
    /// sets the new amount), after `validateSeatChange`'s checks. Returns false, changing
    /// nothing, when the count is unchanged.
    public mutating func changeSeats(to requested: Int, product: Product, at now: Date) throws(TesseraError) -> Bool {
        guard try validateSeatChange(to: requested, tiers: product.seatTiers) else { return false }
        seats = requested
        amount = product.amount(forSeats: requested).amount
        modifiedAt = now
        return true
    }

    /// What a change of `cancel_at_period_end` did.
    public enum CancellationChange: Sendable, Equatable {
        /// The subscription now ends at the end of its period.
        case scheduled
        /// A scheduled cancellation was taken back: the subscription renews again.
        case withdrawn
    }

    /// Schedules the cancellation at the period end (`true`) or takes it back (`false`). A
    /// canceled subscription cannot change (`alreadyCanceledSubscription`). Returns nil,
    /// changing nothing, when the flag already has that value.
    public mutating func setCancelAtPeriodEnd(_ cancel: Bool, at now: Date) throws(TesseraError) -> CancellationChange? {
        if status == .canceled { throw TesseraError.alreadyCanceledSubscription }
        guard cancel != cancelAtPeriodEnd else { return nil }
        cancelAtPeriodEnd = cancel
        canceledAt = cancel ? now : nil
        modifiedAt = now
        return cancel ? .scheduled : .withdrawn
    }

    /// Ends the subscription now. It keeps the time a scheduled cancellation was asked for,
    /// and holds no seats afterwards: the caller revokes them in the same transaction.
    /// A canceled subscription cannot be revoked again (`alreadyCanceledSubscription`).
    public mutating func revoke(at now: Date) throws(TesseraError) {
        if status == .canceled { throw TesseraError.alreadyCanceledSubscription }
        status = .canceled
        canceledAt = canceledAt ?? now
        endedAt = now
        modifiedAt = now
        activeSeats = 0
    }
}

extension Product.RecurringInterval {
    /// The end of a period that starts at `start`: one interval later on the server's calendar.
    public func periodEnd(from start: Date) -> Date {
        let component: Calendar.Component
        switch self {
        case .day: component = .day
        case .week: component = .weekOfYear
        case .month: component = .month
        case .year: component = .year
        }
        return Calendar.current.date(byAdding: component, value: 1, to: start) ?? start.addingTimeInterval(30 * 86_400)
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

    /// Marks a pending order paid. Returns whether it was pending: marking a paid order paid
    /// again changes nothing.
    public mutating func markPaid() -> Bool {
        guard status == .pending else { return false }
        status = .paid
        return true
    }

    /// Moves the order to `requested`: pending to paid marks it paid, and a paid order cannot
    /// go back to pending (`paidOrderCannotBecomePending`: payment is not taken back).
    /// Returns whether the order became paid.
    public mutating func changeStatus(to requested: Status) throws(TesseraError) -> Bool {
        switch requested {
        case .paid:
            return markPaid()
        case .pending:
            if status == .paid { throw TesseraError.paidOrderCannotBecomePending }
            return false
        }
    }

    /// A merchant's change of the order: its status (see `changeStatus`) and its metadata, if
    /// given. Every change touches `modifiedAt`, even one that changes nothing else; a refused
    /// status changes nothing at all. Returns whether the order became paid.
    public mutating func update(status requested: Status?, metadata: [String: JSONValue]?, at now: Date)
        throws(TesseraError) -> Bool
    {
        var becamePaid = false
        if let requested { becamePaid = try changeStatus(to: requested) }
        if let metadata { self.metadata = metadata }
        modifiedAt = now
        return becamePaid
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
