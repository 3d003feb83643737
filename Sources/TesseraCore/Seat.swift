import Foundation

public enum SeatStatus: String, Sendable, CaseIterable {
    case pending, claimed, revoked

    /// Pending and claimed seats occupy the pool; revoked ones are free for reuse.
    public var isActive: Bool { self != .revoked }
}

/// Who holds (or is invited to) a seat.
public struct SeatHolder: Sendable, Equatable {
    /// The holder's customer (legacy mode) or the billing customer (member model).
    public var customerId: UUID
    public var memberId: UUID
    /// The member's email in the member model; nil in legacy mode, as Polar has it.
    public var email: String?

    public init(customerId: UUID, memberId: UUID, email: String?) {
        self.customerId = customerId
        self.memberId = memberId
        self.email = email
    }
}

/// One seat of a pool and its state machine: pending → claimed, either → revoked, and a
/// revoked seat back to pending or claimed when the pool's next assignment reuses it.
public struct Seat: Sendable, Equatable {
    public var id: UUID
    public var pool: SeatPoolReference
    public var organizationId: UUID
    public var status: SeatStatus
    public var holder: SeatHolder?
    public var invitationTokenHash: String?
    public var invitationTokenExpiresAt: Date?
    /// When the current (or last) holder got the seat; a reused row gets a new one.
    public var assignedAt: Date?
    public var claimedAt: Date?
    public var revokedAt: Date?
    public var metadata: [String: JSONValue]
    public var createdAt: Date
    public var modifiedAt: Date?
    /// When the current holder's seat is revoked by itself (Tessera's seat expiry); nil for never.
    public var expiresAt: Date?

    public init(id: UUID, pool: SeatPoolReference, organizationId: UUID, status: SeatStatus, holder: SeatHolder?,
                invitationTokenHash: String?, invitationTokenExpiresAt: Date?, assignedAt: Date? = nil, claimedAt: Date?,
                revokedAt: Date?, metadata: [String: JSONValue], createdAt: Date, modifiedAt: Date?, expiresAt: Date? = nil) {
        self.id = id
        self.pool = pool
        self.organizationId = organizationId
        self.status = status
        self.holder = holder
        self.invitationTokenHash = invitationTokenHash
        self.invitationTokenExpiresAt = invitationTokenExpiresAt
        self.assignedAt = assignedAt
        self.claimedAt = claimedAt
        self.revokedAt = revokedAt
        self.metadata = metadata
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
        self.expiresAt = expiresAt
    }

    /// A new seat (or a reused revoked one) given to `holder`. Returns the invitation token
    /// to email, or nil for an immediate claim.
    /// A transfer passes the seat it hands on as `reused`, pending or claimed: the same row.
    public static func assigning(
        reusing reused: Seat?, id: UUID, pool: SeatPoolReference, organizationId: UUID, holder: SeatHolder,
        metadata: [String: JSONValue], immediateClaim: Bool, expiresAt: Date? = nil, now: Date
    ) -> (seat: Seat, invitation: SecretToken?) {
        let invitation = immediateClaim ? nil : SecretToken.generate(.invitation)
        var seat = reused ?? Seat(
            id: id, pool: pool, organizationId: organizationId, status: .pending, holder: nil,
            invitationTokenHash: nil, invitationTokenExpiresAt: nil, claimedAt: nil, revokedAt: nil,
            metadata: [:], createdAt: now, modifiedAt: nil)
        seat.status = immediateClaim ? .claimed : .pending
        seat.holder = holder
        seat.invitationTokenHash = invitation?.hash
        seat.invitationTokenExpiresAt = invitation.map { _ in now.addingTimeInterval(SecretLifetime.invitation) }
        seat.assignedAt = now
        seat.claimedAt = immediateClaim ? now : nil
        seat.revokedAt = nil
        seat.metadata = metadata
        seat.expiresAt = expiresAt
        if reused != nil { seat.modifiedAt = now }
        return (seat, invitation)
    }

    /// Checks a requested expiry: it must lie after `now` (a 422 on `expires_at`).
    public static func checkExpiry(_ expiresAt: Date?, at now: Date) throws(ValidationFailure) {
        guard let expiresAt, Timestamp.micros(expiresAt) <= Timestamp.micros(now) else { return }
        throw ValidationFailure([.valueError([.key("body"), .key("expires_at")], "expires_at must be in the future",
                                             input: JSONValue(expiresAt))])
    }

    /// Whether the seat's expiry has come: the background worker revokes it. Compared to the
    /// microsecond, as times are stored, so this agrees with the store's query for due seats.
    public func hasExpired(at now: Date) -> Bool {
        guard status != .revoked, let expiresAt else { return false }
        return Timestamp.micros(expiresAt) <= Timestamp.micros(now)
    }

    /// Whether the invitation held by this seat can still be used at `now`.
    public func invitationIsUsable(at now: Date) -> Bool {
        guard status == .pending, invitationTokenHash != nil, holder != nil, !hasExpired(at: now) else { return false }
        guard let expiresAt = invitationTokenExpiresAt else { return true }
        return expiresAt >= now
    }

    /// Claims with the invitation; the token is spent.
    /// Claims the seat with the invitation token whose hash is `tokenHash`: only the current,
    /// unexpired invitation opens it (a resend in between makes an earlier token useless, even
    /// when the seat was found by that token before the pool was locked).
    public mutating func claim(tokenHash: String, at now: Date) throws(TesseraError) {
        guard invitationIsUsable(at: now), invitationTokenHash == tokenHash else {
            throw TesseraError.invalidInvitationToken
        }
        status = .claimed
        claimedAt = now
        invitationTokenHash = nil
        modifiedAt = now
    }

    /// Revokes the seat; returns false (changing nothing) when it was already revoked.
    public mutating func revoke(at now: Date) -> Bool {
        guard status != .revoked else { return false }
        status = .revoked
        revokedAt = now
        holder = nil
        invitationTokenHash = nil
        expiresAt = nil
        modifiedAt = now
        return true
    }

    /// Issues a fresh invitation and a fresh 24 hours; the previous link stops working.
    public mutating func reissueInvitation(at now: Date) throws(TesseraError) -> SecretToken {
        guard status == .pending, holder != nil else { throw TesseraError.seatNotPending }
        let token = SecretToken.generate(.invitation)
        invitationTokenHash = token.hash
        invitationTokenExpiresAt = now.addingTimeInterval(SecretLifetime.invitation)
        modifiedAt = now
        return token
    }
}

/// A seat with what its wire form shows alongside it: the holder's member and customer email.
public struct SeatDetails: Sendable, Equatable {
    public let seat: Seat
    public let member: Member?
    /// The holder's customer's email, ``holderEmail``'s last resort: kept only for a seat whose
    /// own email and member's email are both missing, nil otherwise. The store reads it only for
    /// such a seat, and a seat just written is built the same way, so the two compare equal.
    public let customerEmail: String?

    /// `customerEmail` is dropped when the seat or its member has an email (see the property).
    public init(seat: Seat, member: Member?, customerEmail: String?) {
        self.seat = seat
        self.member = member
        self.customerEmail = seat.holder?.email == nil && member?.email == nil ? customerEmail : nil
    }

    /// The address of the seat's person, as Polar computes `customer_email`: the seat's own
    /// email (member model), else its member's, else its customer's. A revoked seat keeps
    /// its former member, so it still names the former holder.
    public var holderEmail: String? {
        seat.holder?.email ?? member?.email ?? customerEmail
    }
}
