import Foundation

/// A benefit held through a claimed seat. A grant lives while its seat stays claimed by the
/// same holder and the benefit stays on the seat's product; then it is revoked (and kept, so
/// its history and webhooks still resolve). A seat claimed again gets new grants.
public struct BenefitGrant: Sendable, Equatable {
    public var id: UUID
    public var organizationId: UUID
    public var benefitId: UUID
    /// The seat that carries the grant.
    public var seatId: UUID
    /// The holder: their customer (in the member model, the customer the member belongs to)
    /// and member.
    public var customerId: UUID
    public var memberId: UUID?
    public var pool: SeatPoolReference
    /// What the grant carries besides the benefit itself (a license key's id and display form).
    public var properties: [String: JSONValue]
    public var grantedAt: Date?
    public var revokedAt: Date?
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, organizationId: UUID, benefitId: UUID, seatId: UUID, customerId: UUID, memberId: UUID?,
                pool: SeatPoolReference, properties: [String: JSONValue], grantedAt: Date?, revokedAt: Date?,
                createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.organizationId = organizationId
        self.benefitId = benefitId
        self.seatId = seatId
        self.customerId = customerId
        self.memberId = memberId
        self.pool = pool
        self.properties = properties
        self.grantedAt = grantedAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    /// The grant of `benefitId` to the holder of a claimed seat; nil for a seat that is not
    /// claimed, which grants nothing.
    public static func granting(_ benefitId: UUID, through seat: Seat, at now: Date) -> BenefitGrant? {
        guard seat.status == .claimed, let holder = seat.holder else { return nil }
        return BenefitGrant(id: UUID.timeOrdered(), organizationId: seat.organizationId, benefitId: benefitId, seatId: seat.id,
                            customerId: holder.customerId, memberId: holder.memberId, pool: seat.pool, properties: [:],
                            grantedAt: now, revokedAt: nil, createdAt: now, modifiedAt: nil)
    }

    public var isGranted: Bool { grantedAt != nil && revokedAt == nil }

    /// Revokes the grant; false, changing nothing, when it was revoked already.
    public mutating func revoke(at now: Date) -> Bool {
        guard revokedAt == nil else { return false }
        revokedAt = now
        modifiedAt = now
        return true
    }
}
