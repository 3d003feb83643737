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
}
