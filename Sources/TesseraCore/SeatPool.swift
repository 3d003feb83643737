import Foundation

/// Which pool a seat belongs to: a subscription or a one-time order.
public enum SeatPoolReference: Sendable, Equatable, Hashable {
    case subscription(UUID)
    case order(UUID)

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
    public var reference: SeatPoolReference
    public var organizationId: UUID
    public var customerId: UUID
    public var productId: UUID
    public var seats: Int?
    public var activeSeats: Int
    /// False for a pending order and for a canceled subscription.
    public var acceptsAssignments: Bool

    public init(reference: SeatPoolReference, organizationId: UUID, customerId: UUID, productId: UUID,
                seats: Int?, activeSeats: Int, acceptsAssignments: Bool) {
        self.reference = reference
        self.organizationId = organizationId
        self.customerId = customerId
        self.productId = productId
        self.seats = seats
        self.activeSeats = activeSeats
        self.acceptsAssignments = acceptsAssignments
    }

    /// available = seats − (pending + claimed), never below zero.
    public var availableSeats: Int { max(0, (seats ?? 0) - activeSeats) }

    /// The checks that come before the recipient is looked at, in Polar's order.
    public func requireFreeSeat() throws(TesseraError) {
        if case .order = reference, !acceptsAssignments { throw TesseraError.orderNotPaid }
        if !acceptsAssignments || availableSeats <= 0 {
            throw TesseraError.seatNotAvailable(poolId: reference.id)
        }
    }
}
