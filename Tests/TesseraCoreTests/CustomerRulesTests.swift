import Foundation
import Testing
@testable import TesseraCore

@Suite struct CustomerRulesTests {
    let created = Date(timeIntervalSince1970: 1_800_000_000)
    let later = Date(timeIntervalSince1970: 1_800_000_600)

    func customer(externalId: String? = nil) -> Customer {
        Customer(id: UUID(), organizationId: UUID(), email: "buyer@example.com", name: "Buyer", externalId: externalId,
                 metadata: ["plan": "team"], createdAt: created, modifiedAt: nil)
    }

    @Test func anExternalIdCanBeSetOnce() throws {
        var customer = customer()
        try customer.setExternalId("crm-1")
        #expect(customer.externalId == "crm-1")
        // The same value again is no change, so it is accepted.
        try customer.setExternalId("crm-1")
        #expect(customer.externalId == "crm-1")
    }

    @Test func anExternalIdIsNeverChanged() {
        var customer = customer(externalId: "crm-1")
        #expect(throws: ValidationFailure([.valueError([.key("body"), .key("external_id")],
                                                       "external_id cannot be updated once set",
                                                       input: .string("crm-2"))])) {
            try customer.setExternalId("crm-2")
        }
        #expect(customer.externalId == "crm-1")
    }

    @Test func anUpdateChangesOnlyWhatItNames() throws {
        var customer = customer(externalId: "crm-1")
        try customer.apply(CustomerUpdate(), at: later)
        #expect(customer.email == "buyer@example.com")
        #expect(customer.name == "Buyer")
        #expect(customer.externalId == "crm-1")
        #expect(customer.metadata == ["plan": "team"])
        #expect(customer.modifiedAt == later)

        try customer.apply(CustomerUpdate(email: "new@example.com", metadata: ["plan": "enterprise"]), at: later)
        #expect(customer.email == "new@example.com")
        #expect(customer.name == "Buyer")
        #expect(customer.metadata == ["plan": "enterprise"])
    }

    @Test func aNullNameClearsIt() throws {
        var customer = customer()
        try customer.apply(CustomerUpdate(name: .some(nil)), at: later)
        #expect(customer.name == nil)
        try customer.apply(CustomerUpdate(name: "Acme"), at: later)
        #expect(customer.name == "Acme")
    }

    @Test func anUpdateKeepsTheExternalIdRule() throws {
        var customer = customer(externalId: "crm-1")
        #expect(throws: ValidationFailure.self) {
            try customer.apply(CustomerUpdate(externalId: "crm-2"), at: later)
        }
        var fresh = self.customer()
        try fresh.apply(CustomerUpdate(externalId: "crm-9"), at: later)
        #expect(fresh.externalId == "crm-9")
    }
}
