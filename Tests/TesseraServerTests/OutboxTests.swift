import Foundation
import Testing
import TesseraCore
import TesseraServer
import TesseraStore

/// Invitation emails go through the outbox: written with the change, delivered by the
/// worker with retries, and stripped of their claim link once delivered.
@Suite struct OutboxTests {
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
