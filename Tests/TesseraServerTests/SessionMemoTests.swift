import Foundation
import Testing
import TesseraCore
import TesseraStore

/// A transaction reads an organization's webhook endpoints once, however many events it emits,
/// and reads them afresh after it writes one.
@Suite struct SessionMemoTests {
    @Test(arguments: Backend.all)
    func endpointsAreReadOncePerTransactionUntilOneIsWritten(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let organizationId = try #require(UUID(uuidString: org.id))
            func endpoint(_ events: [WebhookEventType]) -> WebhookEndpoint {
                WebhookEndpoint(id: UUID(), organizationId: organizationId, url: "https://hooks.example.test/in", name: nil,
                                secret: WebhookEndpoint.generateSecret(), events: events, enabled: true, disabledReason: nil,
                                failedEventsInRow: 0, createdAt: server.clock.now, modifiedAt: nil)
            }
            let seats = endpoint([.customerSeatAssigned])
            try await server.database.transaction { try await $0.webhooks.insert(seats) }
            let database = server.database
            try await database.transaction { tx in
                let before = database.statementCount
                #expect(try await tx.webhooks.endpointIds(wanting: .customerSeatAssigned, organizationId: organizationId)
                        == [seats.id])
                #expect(try await tx.webhooks.endpointIds(wanting: .customerCreated, organizationId: organizationId).isEmpty)
                #expect(try await tx.webhooks.endpointIds(wanting: .memberCreated, organizationId: organizationId).isEmpty)
                #expect(database.statementCount - before == 1)

                // The insert and one fresh read (on PostgreSQL the insert is held until that read
                // and counted then: `HeldWrites`).
                let customers = endpoint([.customerCreated])
                let beforeInsert = database.statementCount
                try await tx.webhooks.insert(customers)
                #expect(try await tx.webhooks.endpointIds(wanting: .customerCreated, organizationId: organizationId)
                        == [customers.id])
                #expect(database.statementCount - beforeInsert == 2)
            }
        }
    }

    /// A seat operation's locking read of its pool brings the organization's enabled endpoints
    /// with it: the events it emits then read nothing more, and go where a separate read would
    /// have sent them (not to a disabled or deleted endpoint, nor another organization's).
    @Test(arguments: Backend.all)
    func theLockingPoolReadBringsTheEnabledEndpoints(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let organizationId = try #require(UUID(uuidString: org.id))
            func endpoint(_ organization: TestOrganization, _ events: [WebhookEventType], enabled: Bool = true) throws
                -> WebhookEndpoint
            {
                WebhookEndpoint(id: UUID(), organizationId: try #require(UUID(uuidString: organization.id)),
                                url: "https://hooks.example.test/in", name: nil, secret: WebhookEndpoint.generateSecret(),
                                events: events, enabled: enabled, disabledReason: enabled ? nil : "test",
                                failedEventsInRow: 0, createdAt: server.clock.now, modifiedAt: nil)
            }
            let both = try endpoint(org, [.customerSeatAssigned, .customerCreated])
            let seats = try endpoint(org, [.customerSeatAssigned])
            let disabled = try endpoint(org, [.customerSeatAssigned], enabled: false)
            let deleted = try endpoint(org, [.customerSeatAssigned])
            let elsewhere = try endpoint(other, [.customerSeatAssigned])
            try await server.database.transaction { tx in
                for endpoint in [both, seats, disabled, deleted, elsewhere] { try await tx.webhooks.insert(endpoint) }
                try await tx.webhooks.delete(id: deleted.id, at: server.clock.now)
            }
            let database = server.database
            try await database.transaction { tx in
                let reference = SeatPoolReference.subscription(try #require(UUID(uuidString: pool.id)))
                _ = try #require(try await tx.seats.poolWithOrganization(reference, organizationId: organizationId, lock: true))
                let before = database.statementCount
                #expect(Set(try await tx.webhooks.endpointIds(wanting: .customerSeatAssigned, organizationId: organizationId))
                        == [both.id, seats.id])
                #expect(try await tx.webhooks.endpointIds(wanting: .customerCreated, organizationId: organizationId) == [both.id])
                #expect(try await tx.webhooks.endpointIds(wanting: .memberCreated, organizationId: organizationId).isEmpty)
                #expect(database.statementCount == before)
            }
        }
    }
}
