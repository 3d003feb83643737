import Foundation
import TesseraCore
import TesseraStore

/// Revokes seats inside a transaction that a use case already owns: a seat's own revoke, a
/// revoked subscription, a deleted customer or member. Each revocation revokes what the seat
/// granted, sends `customer_seat.revoked` naming the former holder, and each pool's count
/// stays in step.
struct SeatRevocation {
    let tx: SQLSession
    let now: Date
    /// Who revokes, for the seats' history.
    let actor: SeatActor
    /// How the history names the revocation: `.expired` when the seat's time ran out.
    var kind: SeatEvent.Kind = .revoked

    /// Revokes `seats`: each pool is locked (in a fixed order, so two such transactions cannot
    /// deadlock) and its seats re-read under that lock.
    func revoke(_ seats: [Seat]) async throws {
        let pools = Dictionary(grouping: seats, by: \.pool)
        for pool in pools.keys.sorted(by: { $0.id.wire < $1.id.wire }) {
            guard let first = pools[pool]?.first,
                  try await tx.seats.lockPool(pool, organizationId: first.organizationId) != nil else { continue }
            // Re-read under the pool's lock, all of this pool's seats in one query.
            var count = 0
            for before in try await tx.seats.details(ids: (pools[pool] ?? []).map(\.id)) {
                if try await revoke(before) != nil { count += 1 }
            }
            try await tx.seats.adjustActiveSeats(pool, by: -count)
        }
    }

    /// Revokes one seat whose pool the caller has locked, and sends its event. The result still
    /// names the former holder; nil, changing nothing, when it was revoked already. The caller
    /// adjusts the pool's count.
    func revoke(_ before: SeatDetails) async throws -> SeatDetails? {
        guard let revoked = try await takeBack(before) else { return nil }
        try await tx.seats.update(revoked.seat)
        try await SeatHistory(tx: tx, now: now, actor: actor).record([kind], seat: revoked.seat, before: before, after: nil)
        return revoked
    }

    /// The former holder's half of a revocation, shared with a transfer (which writes the row
    /// and its history itself, for the new holder): what the seat granted is revoked and
    /// `customer_seat.revoked` names the holder. The seat comes back revoked but unwritten; nil
    /// when it was revoked already.
    func takeBack(_ before: SeatDetails) async throws -> SeatDetails? {
        var seat = before.seat
        guard seat.revoke(at: now) else { return nil }
        try await BenefitGrants(tx: tx, now: now).revoke(through: seat)
        let revoked = SeatDetails(seat: seat, member: before.member, customerEmail: before.customerEmail)
        try await WebhookEvents(tx: tx).emit(.customerSeatRevoked, data: Wire.seat(revoked), organizationId: seat.organizationId,
                                             at: now)
        return revoked
    }
}
