import Foundation
import Testing
import TesseraClient

/// License keys through the SDK against a live Tessera server: with an organization token,
/// through a customer's portal session, and with no token as a desktop app calls.
@Suite struct LicenseKeyResourceTests {
    @Test func aSeatsKeyIsReadChangedValidatedActivatedAndSeenInThePortal() async throws {
        try await LiveTessera.run { server in
            let (organization, client) = try await server.makeOrganization()
            let benefit = try await client.benefits.create(BenefitCreate(
                type: .licenseKeys, description: "Desktop app key",
                properties: BenefitProperties(prefix: "ACME", activations: LicenseKeyActivations(limit: 1, enableCustomerAdmin: true),
                                              limitUsage: 5)))
            let product = try await client.products.create(seatProduct())
            _ = try await client.products.setBenefits(productId: product.id, benefitIds: [benefit.id])
            let customer = try await client.customers.create(CustomerCreate(email: "billing@bigco.example"))
            let subscription = try await client.subscriptions.create(
                SubscriptionCreate(productId: product.id, customerId: customer.id, seats: 1))
            let seat = try await client.customerSeats.assignSeat(SeatAssign(
                subscriptionId: subscription.id, email: "ada@bigco.example", immediateClaim: true))

            let listed = try await client.licenseKeys.list(benefitId: benefit.id)
            #expect(listed.pagination.totalCount == 1)
            let key = try #require(listed.items.first)
            #expect(key.key.hasPrefix("ACME-"))
            #expect(key.status == .granted)
            #expect(key.limitUsage == 5)
            #expect(key.activations == nil)
            #expect(try await client.licenseKeys.get(id: key.id).activations == [])
            #expect(try await client.licenseKeys.list(status: .revoked).items.isEmpty)

            // Set and removed fields: null lifts the usage limit, absent fields stay.
            let changed = try await client.licenseKeys.update(id: key.id, LicenseKeyUpdate(usage: 2, limitUsage: .remove))
            #expect(changed.usage == 2 && changed.limitUsage == nil && changed.limitActivations == 1)
            let reset = try await client.licenseKeys.update(id: key.id, LicenseKeyUpdate(limitUsage: .set(9)))
            #expect(reset.usage == 2 && reset.limitUsage == 9)

            let validated = try await client.licenseKeys.validate(LicenseKeyValidate(
                key: key.key, organizationId: organization.id, incrementUsage: 1))
            #expect(validated.usage == 3 && validated.validations == 1 && validated.activation == nil)

            // The desktop app: no token at all.
            let app = server.client()
            let activated = try await app.customerPortal.licenseKeys.activate(LicenseKeyActivate(
                key: key.key, organizationId: organization.id, label: "laptop", conditions: ["major": 1]))
            #expect(activated.activation.label == "laptop")
            #expect(activated.licenseKey.id == key.id)
            #expect(try await client.licenseKeys.activation(keyId: key.id, id: activated.activation.id).activation
                == activated.activation)
            let full = await #expect(throws: APIError.self) {
                try await client.licenseKeys.activate(LicenseKeyActivate(key: key.key, organizationId: organization.id,
                                                                         label: "desktop"))
            }
            #expect(full?.statusCode == 403)
            let withActivation = try await app.customerPortal.licenseKeys.validate(LicenseKeyValidate(
                key: key.key, organizationId: organization.id, activationId: activated.activation.id,
                conditions: ["major": 1]))
            #expect(withActivation.activation?.id == activated.activation.id)

            // The holder's portal session sees the key, with its activation.
            let session = try await client.customerSessions.create(CustomerSessionCreate(customerId: seat.customerId))
            let portal = server.client(token: session.token)
            #expect(try await portal.customerPortal.licenseKeys.list().items.map(\.id) == [key.id])
            #expect(try await portal.customerPortal.licenseKeys.get(id: key.id).activations?.map(\.id)
                == [activated.activation.id])

            try await app.customerPortal.licenseKeys.deactivate(LicenseKeyDeactivate(
                key: key.key, organizationId: organization.id, activationId: activated.activation.id))
            #expect(try await client.licenseKeys.get(id: key.id).activations == [])

            // Revoked with its seat: refused, and not to be granted again.
            _ = try await client.customerSeats.revokeSeat(seatId: seat.id)
            let refused = await #expect(throws: APIError.self) {
                try await app.customerPortal.licenseKeys.validate(LicenseKeyValidate(key: key.key,
                                                                                     organizationId: organization.id))
            }
            #expect(refused?.statusCode == 404)
            let regrant = await #expect(throws: APIError.self) {
                try await client.licenseKeys.update(id: key.id, LicenseKeyUpdate(status: .granted))
            }
            #expect(regrant?.statusCode == 403)
            #expect(try await client.licenseKeys.list(status: .revoked).items.map(\.id) == [key.id])
        }
    }

    /// What an update sends: set fields as values, removed ones as null, the rest not at all.
    @Test func anUpdateSendsOnlyWhatIsSetAndNullForWhatIsRemoved() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = try encoder.encode(LicenseKeyUpdate(status: .disabled, limitActivations: .set(3), expiresAt: .remove))
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(Set(object.keys) == ["status", "limit_activations", "expires_at"])
        #expect(object["status"] as? String == "disabled")
        #expect(object["limit_activations"] as? Int == 3)
        #expect(object["expires_at"] is NSNull)
    }
}
