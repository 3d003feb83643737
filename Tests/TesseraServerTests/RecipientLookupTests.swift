import Foundation
import Testing
import TesseraCore
import TesseraStore

/// A legacy-mode recipient's customer and member, read in one statement
/// (`CustomerStore.find(email:organizationId:withMemberOf:)`): each found or not on its own, by
/// the email's normalized key, never a deleted one nor another customer's member.
@Suite struct RecipientLookupTests {
    @Test(arguments: Backend.all)
    func theCustomerAndTheMemberAreEachFoundOnTheirOwn(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let organizationId = try #require(UUID(uuidString: org.id))
            let billing = try #require(UUID(uuidString: pool.customerId))
            let now = server.clock.now
            func customer(_ email: String) -> Customer {
                Customer(id: UUID(), organizationId: organizationId, email: email, name: nil, externalId: nil, metadata: [:],
                         createdAt: now, modifiedAt: nil)
            }
            func member(_ email: String, of customerId: UUID) -> Member {
                Member(id: UUID(), organizationId: organizationId, customerId: customerId, email: email, name: nil,
                       externalId: nil, role: .member, createdAt: now, modifiedAt: nil)
            }
            let both = customer("Both@Example.com"), onlyCustomer = customer("customer@example.com")
            let other = customer("other@example.com"), gone = customer("gone@example.com")
            let bothMember = member("both@example.com", of: billing)
            let onlyMember = member("member@example.com", of: billing)
            let elsewhere = member("elsewhere@example.com", of: other.id)
            try await server.database.transaction { tx in
                for customer in [both, onlyCustomer, other, gone] { try await tx.customers.insert(customer) }
                for member in [bothMember, onlyMember, elsewhere] { try await tx.members.insert(member) }
                try await tx.customers.softDelete(id: gone.id, at: now)
            }
            try await server.database.read { session in
                func find(_ email: String) async throws -> (UUID?, UUID?) {
                    let (customer, member) = try await session.customers.find(
                        email: email, organizationId: organizationId, withMemberOf: billing)
                    return (customer?.id, member?.id)
                }
                #expect(try await find("BOTH@example.com") == (both.id, bothMember.id))
                #expect(try await find("customer@example.com") == (onlyCustomer.id, nil))
                #expect(try await find("member@example.com") == (nil, onlyMember.id))
                #expect(try await find("elsewhere@example.com") == (nil, nil))
                #expect(try await find("gone@example.com") == (nil, nil))
                #expect(try await find("nobody@example.com") == (nil, nil))
                let (customer, member) = try await session.customers.find(
                    email: "both@example.com", organizationId: organizationId, withMemberOf: billing)
                // Read as the single lookups read them.
                #expect(customer == (try await session.customers.find(id: both.id, organizationId: organizationId)))
                #expect(member == (try await session.members.find(id: bothMember.id, organizationId: organizationId)))
            }
        }
    }
}
