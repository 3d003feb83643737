import Foundation
import TesseraCore
import TesseraStore

/// Records a seat's changes in the transaction that makes them, naming who made them: the one
/// place seat events are written.
struct SeatHistory {
    let tx: SQLSession
    let now: Date
    let actor: SeatActor

    /// Records `kinds`, in order, for one change of a seat from `before` to `after` (either
    /// may be nil: a free seat, a revoked one). Each kind is a microsecond after the one before,
    /// so newest-first reads them back in the reverse of the order they happened.
    func record(_ kinds: [SeatEvent.Kind], seat: Seat, before: SeatDetails?, after: SeatDetails?) async throws {
        let start = Timestamp.micros(now)
        try await tx.seatEvents.insert(kinds.enumerated().map { index, kind in
            SeatEvent(organizationId: seat.organizationId, seatId: seat.id, pool: seat.pool, kind: kind, actor: actor,
                      holderBefore: before?.holderWithEmail, holderAfter: after?.holderWithEmail,
                      createdAt: Timestamp.date(micros: start + Int64(index)))
        })
    }
}

extension SeatOperations {
    /// A page of a seat's history, newest first.
    func history(seatId: UUID, scope: Scope, limit: Int, after cursor: ListCursor?) async throws -> CursorPage<SeatEvent> {
        try await database.read { session in
            guard let seat = try await session.seats.find(id: seatId, organizationId: scope.organizationId),
                  let pool = try await session.seats.pool(seat.pool, organizationId: scope.organizationId),
                  scope.reaches(pool) else {
                throw TesseraError.notFound(.seat)
            }
            return try await session.seatEvents.list(seatId: seatId, organizationId: scope.organizationId, limit: limit,
                                                     after: cursor)
        }
    }

    /// A page of the history of every seat of a pool, newest first.
    func history(of reference: SeatPoolReference, scope: Scope, limit: Int, after cursor: ListCursor?) async throws
        -> CursorPage<SeatEvent>
    {
        try await database.read { session in
            guard let pool = try await session.seats.pool(reference, organizationId: scope.organizationId),
                  scope.reaches(pool) else {
                throw reference.notFound
            }
            return try await session.seatEvents.list(pool: reference, organizationId: scope.organizationId, limit: limit,
                                                     after: cursor)
        }
    }
}

extension SeatDetails {
    /// The seat's holder with the email the answers show for them; nil for a revoked seat.
    var holderWithEmail: SeatHolder? {
        guard var holder = seat.holder else { return nil }
        holder.email = holderEmail ?? holder.email
        return holder
    }
}
