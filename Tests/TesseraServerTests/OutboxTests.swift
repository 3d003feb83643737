import Foundation
import SQLKit
import Testing
import TesseraCore
import TesseraServer
@testable import TesseraStore

/// Invitation emails go through the outbox: written with the change, delivered by the
/// worker with retries, and stripped of their claim link once delivered.
@Suite struct OutboxTests {
    /// The next due email comes straight from the index, in order, so a backlog of N emails is
    /// drained in N steps: with an index ending at the due time, PostgreSQL read and sorted every
    /// pending email for each one it took (1,000 emails queued by one bulk assignment took 2-4 ms
    /// a step), and SQLite sorted each group of equal due times.
    @Test(arguments: Backend.all)
    func theNextDueEmailIsReadInIndexOrder(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            let now = Date()
            try await database.transaction { tx in
                for i in 0..<500 {
                    try await tx.outbox.enqueue(OutboxMessage(id: UUID(), kind: .email, payload: .object([:]),
                                                              nextAttemptAt: now - Double(i % 5), createdAt: now))
                }
            }
            // Statistics, as PostgreSQL's autovacuum gathers them on a database in use.
            try await database.withConnection { try await $0.execute("ANALYZE") }
            let plan = try await database.withConnection { session in
                let query = OutboxStore.nextDueQuery(at: now, lock: session.forUpdateSkipLocked)
                return backend == .sqlite
                    ? try await session.rows("EXPLAIN QUERY PLAN " + query).map { try $0.string("detail") }
                    : try await session.rows("EXPLAIN " + query).map { try $0.string("QUERY PLAN") }
            }
            #expect(plan.contains { $0.contains("outbox_due_order") }, "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") || $0.contains("Sort") }, "\(plan)")
        }
    }

    @Test(arguments: Backend.all)
    func anInvitationIsDeliveredOnceAndItsLinkIsNotKept(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let seat = try await server.assign(org, pool, ["email": "kim@example.com"])
            #expect(seat.status == .ok)
            let tokens = try await server.deliverInvitations(to: "kim@example.com")
            let token = try #require(tokens.first)
            #expect(tokens.count == 1)
            // A second round finds nothing left to send.
            #expect(try await server.worker.deliverDue() == 0)
            #expect(server.mail.messages.count == 1)
            let rows = try await server.database.withConnection { try await $0.outbox.all() }
            #expect(rows.count == 1)
            #expect(rows.allSatisfy { $0.status == .delivered })
            #expect(rows.allSatisfy { !$0.payload.serialized().contains(token) })
            // The link still works: only the stored copy lost it.
            let info = try await server.request(.get, "/v1/customer-seats/claim/\(token)")
            #expect(info.status == .ok)
        }
    }

    @Test(arguments: Backend.all)
    func aFailedSendIsRetriedLaterNotLost(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await server.assign(org, pool, ["email": "lee@example.com"])
            server.mail.failNext(1)
            #expect(try await server.worker.deliverDue() == 1)
            #expect(server.mail.messages.isEmpty)
            var rows = try await server.database.withConnection { try await $0.outbox.all() }
            #expect(rows.first?.status == .pending)
            #expect(rows.first?.attempts == 1)
            #expect(rows.first?.lastError?.contains("unavailable") == true)
            // Not due yet: the retry waits for its backoff.
            #expect(try await server.worker.deliverDue() == 0)
            server.clock.advance(by: OutboxWorker.retryDelay(afterAttempt: 1) + 1)
            #expect(try await server.worker.deliverDue() == 1)
            #expect(server.mail.messages.map(\.to) == ["lee@example.com"])
            rows = try await server.database.withConnection { try await $0.outbox.all() }
            #expect(rows.first?.status == .delivered)
        }
    }

    @Test(arguments: Backend.all)
    func aRolledBackAssignmentSendsNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await server.assign(org, pool, ["email": "sam@example.com"])
            let again = try await server.assign(org, pool, ["email": "SAM@example.com"])
            #expect(again.errorName == "SeatAlreadyAssigned")
            let rows = try await server.database.withConnection { try await $0.outbox.all() }
            #expect(rows.count == 1)
        }
    }

    @Test func retriesBackOffExponentiallyUpToAnHour() {
        #expect(OutboxWorker.retryDelay(afterAttempt: 1) == 10)
        #expect(OutboxWorker.retryDelay(afterAttempt: 2) == 20)
        #expect(OutboxWorker.retryDelay(afterAttempt: 3) == 40)
        #expect(OutboxWorker.retryDelay(afterAttempt: 30) == 3600)
    }
}
