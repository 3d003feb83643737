import Foundation
import SQLKit
import TesseraCore

/// A seat's history: one row per change, written in the change's transaction and never
/// altered. Read newest first, a page at a time from a cursor.
public struct SeatEventStore: Sendable {
    let session: SQLSession

    /// Records events, many to a statement (revoking a subscription records one per seat).
    public func insert(_ events: [SeatEvent]) async throws {
        try await session.insert("""
            INSERT INTO seat_events (id, organization_id, seat_id, subscription_id, order_id, kind, actor_kind, actor_id,
                                     before_customer_id, before_member_id, before_email,
                                     after_customer_id, after_member_id, after_email, created_at) VALUES
            """, rows: events.map { event in
            """
            (\(bind: event.id.wire), \(bind: event.organizationId.wire), \(bind: event.seatId.wire),
             \(bind: event.pool.subscriptionId?.wire), \(bind: event.pool.orderId?.wire), \(bind: event.kind.rawValue),
             \(bind: event.actor.kind.rawValue), \(bind: event.actor.id?.wire),
             \(bind: event.holderBefore?.customerId.wire), \(bind: event.holderBefore?.memberId.wire),
             \(bind: event.holderBefore?.email),
             \(bind: event.holderAfter?.customerId.wire), \(bind: event.holderAfter?.memberId.wire),
             \(bind: event.holderAfter?.email), \(bind: event.createdAt.micros))
            """
        })
    }

    /// A page of one seat's events, newest first, after `cursor` when given.
    public func list(seatId: UUID, organizationId: UUID, limit: Int, after cursor: ListCursor?) async throws
        -> CursorPage<SeatEvent>
    {
        try await page("seat_id = \(bind: seatId.wire) AND organization_id = \(bind: organizationId.wire)",
                       limit: limit, after: cursor)
    }

    /// A page of the events of every seat of a pool, newest first, after `cursor` when given.
    public func list(pool: SeatPoolReference, organizationId: UUID, limit: Int, after cursor: ListCursor?) async throws
        -> CursorPage<SeatEvent>
    {
        let column = pool.subscriptionId != nil ? "subscription_id" : "order_id"
        return try await page("\(unsafeRaw: column) = \(bind: pool.id.wire) AND organization_id = \(bind: organizationId.wire)",
                              limit: limit, after: cursor)
    }

    /// One more row than asked is read, to know whether another page follows. The cursor's
    /// row comparison walks the index (pool or seat, created_at, id) from where the last page ended.
    private func page(_ filter: SQLQueryString, limit: Int, after cursor: ListCursor?) async throws -> CursorPage<SeatEvent> {
        var filter = filter
        if let cursor {
            filter += " AND (created_at, id) < (\(bind: cursor.createdAtMicros), \(bind: cursor.id.wire))"
        }
        let events = try await session.rows("""
            SELECT * FROM seat_events WHERE \(filter) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit + 1)
            """, Self.event)
        return CursorPage(overRead: events, limit: limit) { ListCursor(createdAt: $0.createdAt, id: $0.id) }
    }

    static func event(_ row: StoredRow) throws -> SeatEvent {
        let actorKind = try row.choice("actor_kind", as: SeatActor.Kind.self)
        guard let actor = SeatActor(kind: actorKind, id: try row.optionalUUID("actor_id")) else {
            throw DatabaseError.unexpected("a seat event's actor \(actorKind.rawValue) has no id")
        }
        return SeatEvent(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"), seatId: try row.uuid("seat_id"),
            pool: try row.pool(), kind: try row.choice("kind", as: SeatEvent.Kind.self), actor: actor,
            holderBefore: try holder(row, "before"), holderAfter: try holder(row, "after"),
            createdAt: try row.date("created_at"))
    }

    private static func holder(_ row: StoredRow, _ prefix: String) throws -> SeatHolder? {
        guard let customerId = try row.optionalUUID("\(prefix)_customer_id"),
              let memberId = try row.optionalUUID("\(prefix)_member_id") else { return nil }
        return SeatHolder(customerId: customerId, memberId: memberId, email: try row.optionalString("\(prefix)_email"))
    }
}
