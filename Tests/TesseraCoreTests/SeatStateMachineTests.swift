import Foundation
import Testing
@testable import TesseraCore

@Suite struct SeatStateMachineTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let pool = SeatPoolReference.subscription(UUID())
    let holder = SeatHolder(customerId: UUID(), memberId: UUID(), email: nil)

    func assigned(immediate: Bool = false, reusing: Seat? = nil) -> (Seat, SecretToken?) {
        Seat.assigning(reusing: reusing, id: UUID(), pool: pool, organizationId: UUID(), holder: holder,
                       metadata: ["team": "red"], immediateClaim: immediate, now: now)
    }

    @Test func assignmentIsPendingWithAHashedTokenExpiringIn24Hours() throws {
        let (seat, token) = assigned()
        let invitation = try #require(token)
        #expect(seat.status == .pending)
        #expect(seat.invitationTokenHash == invitation.hash)
        #expect(seat.invitationTokenHash != invitation.value)
        #expect(seat.invitationTokenExpiresAt == now.addingTimeInterval(24 * 3600))
        #expect(seat.claimedAt == nil)
        #expect(seat.metadata == ["team": "red"])
    }

    @Test func immediateClaimHasNoInvitation() {
        let (seat, token) = assigned(immediate: true)
        #expect(token == nil)
        #expect(seat.status == .claimed)
        #expect(seat.claimedAt == now)
        #expect(seat.invitationTokenHash == nil)
        #expect(seat.invitationTokenExpiresAt == nil)
    }

    @Test func claimSpendsTheToken() throws {
        var (seat, token) = assigned()
        let hash = try #require(token).hash
        try seat.claim(tokenHash: hash, at: now.addingTimeInterval(60))
        #expect(seat.status == .claimed)
        #expect(seat.invitationTokenHash == nil)
        #expect(throws: TesseraError.invalidInvitationToken) { try seat.claim(tokenHash: hash, at: now.addingTimeInterval(120)) }
    }

    @Test func onlyTheCurrentInvitationTokenClaims() throws {
        var (seat, token) = assigned()
        let first = try #require(token).hash
        let second = try seat.reissueInvitation(at: now.addingTimeInterval(30)).hash
        #expect(throws: TesseraError.invalidInvitationToken) { try seat.claim(tokenHash: first, at: now.addingTimeInterval(60)) }
        #expect(seat.status == .pending)
        try seat.claim(tokenHash: second, at: now.addingTimeInterval(60))
        #expect(seat.status == .claimed)
    }

    @Test func anExpiredInvitationCannotBeClaimed() throws {
        var (seat, token) = assigned()
        let hash = try #require(token).hash
        #expect(seat.invitationIsUsable(at: now.addingTimeInterval(24 * 3600)))
        #expect(!seat.invitationIsUsable(at: now.addingTimeInterval(24 * 3600 + 1)))
        #expect(throws: TesseraError.invalidInvitationToken) { try seat.claim(tokenHash: hash, at: now.addingTimeInterval(25 * 3600)) }
    }

    @Test func revokeClearsTheHolderAndIsIdempotent() {
        var (seat, _) = assigned()
        let changed = seat.revoke(at: now)
        #expect(changed)
        #expect(seat.status == .revoked)
        #expect(seat.holder == nil)
        #expect(seat.invitationTokenHash == nil)
        #expect(seat.revokedAt == now)
        let changedAgain = seat.revoke(at: now.addingTimeInterval(10))
        #expect(!changedAgain)
        #expect(seat.revokedAt == now)
    }

    @Test func aRevokedSeatCannotBeClaimed() throws {
        var (seat, token) = assigned()
        let hash = try #require(token).hash
        _ = seat.revoke(at: now)
        #expect(throws: TesseraError.invalidInvitationToken) { try seat.claim(tokenHash: hash, at: now) }
    }

    @Test func reassignmentReusesTheRevokedRow() throws {
        var (seat, _) = assigned()
        _ = seat.revoke(at: now)
        let (reused, token) = Seat.assigning(
            reusing: seat, id: UUID(), pool: pool, organizationId: seat.organizationId, holder: holder, metadata: [:],
            immediateClaim: false, now: now.addingTimeInterval(100))
        #expect(reused.id == seat.id)
        #expect(reused.createdAt == seat.createdAt)
        #expect(reused.assignedAt == now.addingTimeInterval(100))
        #expect(reused.status == .pending)
        #expect(reused.revokedAt == nil)
        #expect(reused.invitationTokenHash == token?.hash)
    }

    @Test func resendIssuesAFreshTokenAndFresh24Hours() throws {
        var (seat, first) = assigned()
        let later = now.addingTimeInterval(23 * 3600)
        let second = try seat.reissueInvitation(at: later)
        #expect(second != first)
        #expect(seat.invitationTokenHash == second.hash)
        #expect(seat.invitationTokenExpiresAt == later.addingTimeInterval(24 * 3600))
    }

    @Test func resendNeedsAPendingSeat() {
        var (claimed, _) = assigned(immediate: true)
        #expect(throws: TesseraError.seatNotPending) { _ = try claimed.reissueInvitation(at: now) }
        var (revoked, _) = assigned()
        _ = revoked.revoke(at: now)
        #expect(throws: TesseraError.seatNotPending) { _ = try revoked.reissueInvitation(at: now) }
    }
}

@Suite struct SeatPoolTests {
    func pool(_ reference: SeatPoolReference = .subscription(UUID()), seats: Int?, active: Int, accepts: Bool = true)
        -> SeatPool
    {
        let status: SeatPool.Status = switch reference {
        case .subscription: .subscription(accepts ? .active : .canceled)
        case .order: .order(accepts ? .paid : .pending)
        }
        return SeatPool(reference: reference, organizationId: UUID(), customerId: UUID(), productId: UUID(),
                        seats: seats, activeSeats: active, status: status)
    }

    @Test func availableIsSeatsMinusActiveNeverNegative() {
        #expect(pool(seats: 5, active: 2).availableSeats == 3)
        #expect(pool(seats: 2, active: 5).availableSeats == 0)
        #expect(pool(seats: nil, active: 0).availableSeats == 0)
    }

    @Test func aFullPoolRefusesAssignment() {
        let full = pool(seats: 3, active: 3)
        #expect(throws: TesseraError.seatNotAvailable(poolId: full.reference.id)) { try full.requireFreeSeat() }
        #expect(throws: Never.self) { try pool(seats: 3, active: 2).requireFreeSeat() }
    }

    @Test func aPendingOrderMustBePaidFirst() {
        let order = pool(.order(UUID()), seats: 3, active: 0, accepts: false)
        #expect(throws: TesseraError.orderNotPaid) { try order.requireFreeSeat() }
    }
}

/// `SeatDetails` keeps the customer's email only where `holderEmail` falls back to it, so that a
/// seat just assigned (built with the customer's email at hand) equals the same seat read back
/// (the store reads that email only for a seat with neither its own nor its member's).
@Suite struct SeatDetailsTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func seat(email: String?) -> Seat {
        Seat.assigning(reusing: nil, id: UUID(), pool: .subscription(UUID()), organizationId: UUID(),
                       holder: SeatHolder(customerId: UUID(), memberId: UUID(), email: email),
                       metadata: [:], immediateClaim: true, now: now).0
    }

    func member(email: String) -> Member {
        Member(id: UUID(), organizationId: UUID(), customerId: UUID(), email: email, name: nil, externalId: nil,
               role: .member, createdAt: now, modifiedAt: nil)
    }

    @Test func theCustomersEmailIsKeptOnlyWhenNeitherTheSeatNorItsMemberHasOne() {
        let withEmail = seat(email: "seat@example.com")
        let assigned = SeatDetails(seat: withEmail, member: nil, customerEmail: "billing@example.com")
        #expect(assigned.customerEmail == nil)
        #expect(assigned == SeatDetails(seat: withEmail, member: nil, customerEmail: nil))
        #expect(assigned.holderEmail == "seat@example.com")

        let legacy = seat(email: nil)
        let viaMember = SeatDetails(seat: legacy, member: member(email: "member@example.com"), customerEmail: "billing@example.com")
        #expect(viaMember.customerEmail == nil)
        #expect(viaMember.holderEmail == "member@example.com")

        let onlyCustomer = SeatDetails(seat: legacy, member: nil, customerEmail: "billing@example.com")
        #expect(onlyCustomer.customerEmail == "billing@example.com")
        #expect(onlyCustomer.holderEmail == "billing@example.com")
    }
}
