import Foundation

/// Which pool a seat belongs to: a subscription or a one-time order.
public enum SeatPoolReference: Sendable, Equatable, Hashable {
    case subscription(UUID)
    case order(UUID)

    /// The pool a request names by exactly one of its two fields; nil for none or both.
    public init?(subscriptionId: UUID?, orderId: UUID?) {
        switch (subscriptionId, orderId) {
        case (let id?, nil): self = .subscription(id)
        case (nil, let id?): self = .order(id)
        default: return nil
        }
    }

    public var id: UUID {
        switch self {
        case .subscription(let id), .order(let id): id
        }
    }

    public var subscriptionId: UUID? {
        if case .subscription(let id) = self { return id }
        return nil
    }

    public var orderId: UUID? {
        if case .order(let id) = self { return id }
        return nil
    }

    /// The error for a pool that does not exist (or is another organization's).
    public var notFound: TesseraError {
        switch self {
        case .subscription: .notFound(.subscription)
        case .order: .notFound(.order)
        }
    }
}

/// The seat-relevant state of a subscription or order, as loaded (and locked) by the store.
///
/// `activeSeats` is the number of pending and claimed seats, kept on the pool row so that an
/// assignment never counts the pool's seat rows.
public struct SeatPool: Sendable, Equatable {
    /// The status of the subscription or order behind the pool.
    public enum Status: Sendable, Equatable {
        case subscription(Subscription.Status)
        case order(Order.Status)
    }

    public var reference: SeatPoolReference
    public var organizationId: UUID
    public var customerId: UUID
    public var productId: UUID
    public var seats: Int?
    public var activeSeats: Int
    /// The status of the row `reference` names (a subscription's status for a subscription).
    public var status: Status

    public init(reference: SeatPoolReference, organizationId: UUID, customerId: UUID, productId: UUID,
                seats: Int?, activeSeats: Int, status: Status) {
        self.reference = reference
        self.organizationId = organizationId
        self.customerId = customerId
        self.productId = productId
        self.seats = seats
        self.activeSeats = activeSeats
        self.status = status
    }

    /// Whether seats may be assigned: an active subscription or a paid order. A canceled
    /// subscription and a pending order take none.
    public var acceptsAssignments: Bool {
        switch status {
        case .subscription(let status): status == .active
        case .order(let status): status == .paid
        }
    }

    /// available = seats − (pending + claimed), never below zero.
    public var availableSeats: Int { max(0, (seats ?? 0) - activeSeats) }

    /// The checks that come before the recipient is looked at, in Polar's order.
    public func requireFreeSeat() throws(TesseraError) {
        if case .order = status, !acceptsAssignments { throw TesseraError.orderNotPaid }
        if !acceptsAssignments || availableSeats <= 0 {
            throw TesseraError.seatNotAvailable(poolId: reference.id)
        }
    }

    /// The bulk form of `requireFreeSeat`: room for `needed` new seats at once, checked before
    /// any is assigned. Needing none passes even in a full pool.
    public func requireFreeSeats(_ needed: Int) throws(TesseraError) {
        if case .order = status, !acceptsAssignments { throw TesseraError.orderNotPaid }
        if !acceptsAssignments { throw TesseraError.seatNotAvailable(poolId: reference.id) }
        if needed > availableSeats { throw TesseraError.notEnoughSeats(needed: needed, available: availableSeats) }
    }
}

/// How a request names the billing customer of a new pool or a portal session: by Tessera's
/// id or by the merchant's external id (Polar takes exactly one of the two).
public enum CustomerReference: Sendable, Equatable {
    case id(UUID)
    case externalId(String)

    /// The reference when exactly one of the two is given, else nil.
    public init?(id: UUID?, externalId: String?) {
        switch (id, externalId) {
        case (let id?, nil): self = .id(id)
        case (nil, let externalId?): self = .externalId(externalId)
        default: return nil
        }
    }
}
