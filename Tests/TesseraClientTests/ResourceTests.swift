import Foundation
import Testing
import TesseraClient

/// The resources around seats (organizations, tokens, customers, members, products,
/// subscriptions, webhook endpoints) through the SDK against a live Tessera server.
@Suite struct ResourceTests {
    @Test func organizationsAndTokens() async throws {
        try await LiveTessera.run { server in
            let operatorClient = server.operatorClient
            let organization = try await operatorClient.organizations.create(OrganizationCreate(
                name: "Acme", slug: "acme-sdk",
                featureSettings: OrganizationFeatureSettings(memberModelEnabled: false)))
            #expect(organization.slug == "acme-sdk")
            #expect(organization.featureSettings?.seatBasedPricingEnabled == true)

            let fetched = try await operatorClient.organizations.get(id: organization.id)
            #expect(fetched.id == organization.id)
            #expect(fetched.name == "Acme")

            let updated = try await operatorClient.organizations.update(id: organization.id, OrganizationUpdate(
                name: "Acme Inc", featureSettings: OrganizationFeatureSettings(memberModelEnabled: true)))
            #expect(updated.name == "Acme Inc")
            #expect(updated.slug == "acme-sdk", "fields left nil are not sent, so they do not change")
            #expect(updated.featureSettings?.memberModelEnabled == true)

            let created = try await operatorClient.organizationAccessTokens.create(OrganizationAccessTokenCreate(
                organizationId: organization.id, comment: "ci", scopes: [.customersRead, .customersWrite],
                expiresIn: 3600))
            #expect(created.token.hasPrefix("tsr_oat_"))
            #expect(created.organizationAccessToken.scopes == [.customersRead, .customersWrite])
            #expect(created.organizationAccessToken.expiresAt != nil)

            let merchant = server.client(token: created.token)
            #expect(try await merchant.customers.list().items.isEmpty)

            try await operatorClient.organizationAccessTokens.delete(id: created.organizationAccessToken.id)
            let refused = await #expect(throws: APIError.self) { try await merchant.customers.list() }
            #expect(refused?.statusCode == 401)
            #expect(refused?.error == "invalid_token")
        }
    }

    @Test func customersAndMembers() async throws {
        try await LiveTessera.run { server in
            let (organization, client) = try await server.makeOrganization()
            let customer = try await client.customers.create(CustomerCreate(
                email: "billing@bigco.example", name: "BigCo", externalId: "bigco/1", metadata: ["plan": "team"]))
            #expect(customer.organizationId == organization.id)
            #expect(customer.metadata == ["plan": "team"])
            #expect(customer.deletedAt == nil)

            #expect(try await client.customers.get(id: customer.id) == customer)
            #expect(try await client.customers.getExternal(externalId: "bigco/1").id == customer.id,
                    "an external id with a slash stays one path segment")
            _ = try await client.customers.create(CustomerCreate(email: "other@example.com"))
            let page = try await client.customers.list(page: 1, limit: 1)
            #expect(page.items.count == 1)
            #expect(page.pagination.totalCount == 2)
            #expect(page.pagination.maxPage == 2)
            #expect(try await client.customers.list(email: "billing@bigco.example").items.map(\.id) == [customer.id])

            let updated = try await client.customers.update(id: customer.id, CustomerUpdate(name: "BigCo Ltd"))
            #expect(updated.name == "BigCo Ltd")
            #expect(updated.email == "billing@bigco.example")
            #expect(updated.modifiedAt != nil)

            let member = try await client.members.create(MemberCreate(
                customerId: customer.id, email: "ada@bigco.example", name: "Ada", externalId: "ada",
                role: .billingManager))
            #expect(member.customerId == customer.id)
            #expect(member.role == .billingManager)
            #expect(try await client.members.list(customerId: customer.id).items.map(\.id) == [member.id])
            try await client.members.delete(customerId: customer.id, memberId: member.id)
            #expect(try await client.members.list(customerId: customer.id).items.isEmpty)

            try await client.customers.delete(id: customer.id)
            let gone = await #expect(throws: APIError.self) { try await client.customers.get(id: customer.id) }
            #expect(gone?.statusCode == 404)
        }
    }

    @Test func productsAndSubscriptions() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let product = try await client.products.create(ProductCreate(
                name: "Team plan", description: "Seats for teams", recurringInterval: .month,
                prices: [.seatBased(SeatTiers(seatTierType: .graduated, tiers: [
                    SeatTier(minSeats: 1, maxSeats: 10, pricePerSeat: 1500),
                    SeatTier(minSeats: 11, pricePerSeat: 1000),
                ]))]))
            #expect(product.isRecurring)
            let price = try #require(product.prices.first)
            #expect(price.amountType == .seatBased)
            #expect(price.seatTiers?.seatTierType == .graduated)
            #expect(price.seatTiers?.tiers.last?.maxSeats == nil)
            #expect(try await client.products.get(id: product.id) == product)
            #expect(try await client.products.list().items.map(\.id) == [product.id])
            let renamed = try await client.products.update(id: product.id, ProductUpdate(name: "Team plan 2"))
            #expect(renamed.name == "Team plan 2")
            #expect(renamed.prices.count == 1)

            let customer = try await client.customers.create(
                CustomerCreate(email: "billing@bigco.example", externalId: "bigco"))
            let subscription = try await client.subscriptions.create(
                SubscriptionCreate(productId: product.id, externalCustomerId: "bigco", seats: 2))
            #expect(subscription.customerId == customer.id)
            #expect(subscription.customer?.email == "billing@bigco.example")
            #expect(subscription.product?.id == product.id)
            #expect(try await client.subscriptions.get(id: subscription.id).id == subscription.id)
            #expect(try await client.subscriptions.list(customerId: customer.id).items.map(\.id) == [subscription.id])

            let resized = try await client.subscriptions.updateSeats(id: subscription.id, seats: 5,
                                                                     prorationBehavior: .prorate)
            #expect(resized.seats == 5)
            #expect(resized.amount == 5 * 1500)

            let seat = try await client.customerSeats.assignSeat(
                SeatAssign(subscriptionId: subscription.id, email: "ada@bigco.example"))

            let canceling = try await client.subscriptions.cancelAtPeriodEnd(id: subscription.id)
            #expect(canceling.cancelAtPeriodEnd)
            #expect(canceling.canceledAt != nil)
            let resumed = try await client.subscriptions.cancelAtPeriodEnd(id: subscription.id, false)
            #expect(!resumed.cancelAtPeriodEnd)

            let revoked = try await client.subscriptions.revoke(id: subscription.id)
            #expect(revoked.status == .canceled)
            #expect(revoked.endedAt != nil)
            let seats = try await client.customerSeats.listSeats(subscriptionId: subscription.id)
            #expect(seats.seats.first { $0.id == seat.id }?.status == .revoked, "revoking a subscription revokes its seats")
        }
    }

    @Test func webhookEndpoints() async throws {
        try await LiveTessera.run { server in
            let (organization, client) = try await server.makeOrganization()
            let endpoint = try await client.webhookEndpoints.create(WebhookEndpointCreate(
                url: "https://app.example.com/hooks", events: [.customerSeatAssigned, .customerSeatClaimed],
                name: "app"))
            #expect(endpoint.organizationId == organization.id)
            #expect(endpoint.format == .raw)
            #expect(endpoint.secret.hasPrefix("tsr_whs_"))
            #expect(endpoint.enabled)
            #expect(endpoint.events == [.customerSeatAssigned, .customerSeatClaimed])

            #expect(try await client.webhookEndpoints.get(id: endpoint.id) == endpoint)
            #expect(try await client.webhookEndpoints.list().items.map(\.id) == [endpoint.id])

            let updated = try await client.webhookEndpoints.update(id: endpoint.id, WebhookEndpointUpdate(
                events: [.customerSeatRevoked], enabled: false))
            #expect(updated.events == [.customerSeatRevoked])
            #expect(!updated.enabled)
            #expect(updated.url == endpoint.url)

            let rotated = try await client.webhookEndpoints.rotateSecret(id: endpoint.id)
            #expect(rotated.secret != endpoint.secret)
            #expect(rotated.secret.hasPrefix("tsr_whs_"))

            try await client.webhookEndpoints.delete(id: endpoint.id)
            let gone = await #expect(throws: APIError.self) { try await client.webhookEndpoints.get(id: endpoint.id) }
            #expect(gone?.statusCode == 404)
        }
    }
}
