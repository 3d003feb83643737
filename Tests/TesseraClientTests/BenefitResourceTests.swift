import Foundation
import Testing
import TesseraClient

/// Benefits, product benefits and grants through the SDK against a live Tessera server.
@Suite struct BenefitResourceTests {
    @Test func benefitsAreMadeLinkedGrantedAndRevoked() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let keys = try await client.benefits.create(BenefitCreate(
                type: .licenseKeys, description: "Desktop app key", metadata: ["tier": "pro"],
                properties: BenefitProperties(prefix: "ACME", expires: LicenseKeyExpiry(ttl: 1, timeframe: "year"),
                                              activations: LicenseKeyActivations(limit: 3, enableCustomerAdmin: true))))
            #expect(keys.type == .licenseKeys)
            #expect(keys.visibility == .public)
            #expect(keys.properties.prefix == "ACME")
            #expect(keys.properties.activations?.limit == 3)
            #expect(keys.properties.note == nil)

            let support = try await client.benefits.create(BenefitCreate(
                type: .custom, description: "Priority support", properties: BenefitProperties(note: "vip@acme.example")))
            let renamed = try await client.benefits.update(id: support.id, BenefitUpdate(type: .custom, description: "VIP support"))
            #expect(renamed.description == "VIP support")
            #expect(renamed.properties.note == "vip@acme.example")
            #expect(try await client.benefits.list(type: .custom).items.map(\.id) == [support.id])
            #expect(try await client.benefits.list(query: "desktop").items.map(\.id) == [keys.id])

            let product = try await client.products.create(seatProduct())
            let linked = try await client.products.setBenefits(productId: product.id, benefitIds: [support.id, keys.id])
            #expect(linked.benefits.map(\.id) == [support.id, keys.id])
            #expect(try await client.products.get(id: product.id).benefits.map(\.id) == [support.id, keys.id])

            let customer = try await client.customers.create(CustomerCreate(email: "billing@bigco.example"))
            let subscription = try await client.subscriptions.create(
                SubscriptionCreate(productId: product.id, customerId: customer.id, seats: 2))
            let seat = try await client.customerSeats.assignSeat(SeatAssign(
                subscriptionId: subscription.id, email: "ada@bigco.example", immediateClaim: true))
            let grants = try await client.benefits.allGrants(isGranted: true)
            #expect(Set(grants.items.map(\.benefitId)) == [support.id, keys.id])
            #expect(grants.items.allSatisfy { $0.member?.email == "ada@bigco.example" && $0.subscriptionId == subscription.id })
            #expect(try await client.benefits.grants(id: support.id).items.count == 1)

            let holder = try #require(seat.customerId)
            let state = try await client.customers.state(id: holder)
            #expect(Set(state.grantedBenefits.map(\.benefitId)) == [support.id, keys.id])
            #expect(state.grantedBenefits.first { $0.benefitId == keys.id }?.benefitType == .licenseKeys)
            let billing = try await client.customers.state(id: customer.id)
            #expect(billing.activeSubscriptions.map(\.id) == [subscription.id])

            let allowed = try await client.access.check(.benefit(id: support.id), for: .email("ADA@bigco.example"))
            #expect(allowed.allowed)
            #expect(allowed.seatId == seat.id)
            #expect(allowed.grant?.benefitType == .custom)
            let byProduct = try await client.access.check(.product(id: product.id), for: .email("ada@bigco.example"))
            #expect(byProduct.allowed && byProduct.grant == nil)

            _ = try await client.customerSeats.revokeSeat(seatId: seat.id)
            let denied = try await client.access.check(.benefit(id: support.id), for: .email("ada@bigco.example"))
            #expect(!denied.allowed)
            #expect(denied.reason == "no_claimed_seat")
            #expect(try await client.customers.state(id: holder).grantedBenefits.isEmpty)
            #expect(try await client.benefits.allGrants(isGranted: true).items.isEmpty)
            let revoked = try await client.benefits.allGrants(isGranted: false)
            #expect(revoked.items.count == 2)
            #expect(revoked.items.allSatisfy { $0.isRevoked && $0.revokedAt != nil })

            try await client.benefits.delete(id: keys.id)
            let gone = await #expect(throws: APIError.self) { try await client.benefits.get(id: keys.id) }
            #expect(gone?.statusCode == 404)
        }
    }
}
