import Foundation
import Testing
@testable import TesseraCore

@Suite struct OrganizationRulesTests {
    let created = Date(timeIntervalSince1970: 1_800_000_000)
    let later = Date(timeIntervalSince1970: 1_800_000_600)

    var organization: Organization {
        Organization(id: UUID(), name: "Acme", slug: "acme", seatBasedPricingEnabled: true, memberModelEnabled: false,
                     createdAt: created, modifiedAt: nil)
    }

    @Test func anUpdateChangesOnlyWhatItNames() {
        var organization = organization
        organization.apply(OrganizationUpdate(), at: later)
        #expect(organization.name == "Acme")
        #expect(organization.slug == "acme")
        #expect(organization.seatBasedPricingEnabled)
        #expect(!organization.memberModelEnabled)
        #expect(organization.modifiedAt == later)

        organization.apply(OrganizationUpdate(slug: "acme-2", seatBasedPricingEnabled: false,
                                              memberModelEnabled: true), at: later)
        #expect(organization.name == "Acme")
        #expect(organization.slug == "acme-2")
        #expect(!organization.seatBasedPricingEnabled)
        #expect(organization.memberModelEnabled)
    }
}

@Suite struct AccessTokenRulesTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anOrganizationTokenKeepsEachScopeOnceInTheOrderFirstListed() {
        let organizationId = UUID()
        let token = AccessToken.organization(
            id: UUID(), organizationId: organizationId, comment: "ci",
            scopes: [.customersWrite, .customerSeatsRead, .customersWrite, .customerSeatsRead, .productsRead],
            expiresIn: nil, now: now)
        #expect(token.scopes == ["customers:write", "customer_seats:read", "products:read"])
        #expect(token.kind == .organization)
        #expect(token.organizationId == organizationId)
        #expect(token.customerId == nil && token.memberId == nil)
        #expect(token.comment == "ci")
        #expect(token.createdAt == now)
    }

    @Test func anOrganizationTokenExpiresWhenAsked() {
        let forever = AccessToken.organization(id: UUID(), organizationId: UUID(), comment: "", scopes: [],
                                               expiresIn: nil, now: now)
        #expect(forever.expiresAt == nil)
        let hour = AccessToken.organization(id: UUID(), organizationId: UUID(), comment: "", scopes: [],
                                            expiresIn: 3600, now: now)
        #expect(hour.expiresAt == now.addingTimeInterval(3600))
        #expect(!hour.isExpired(at: now.addingTimeInterval(3599)))
        #expect(hour.isExpired(at: now.addingTimeInterval(3600)))
    }

    @Test func anOperatorTokenBelongsToNoOrganizationAndNeverExpires() {
        let token = AccessToken.operatorAccess(id: UUID(), comment: "first start", now: now)
        #expect(token.kind == .operatorAccess)
        #expect(token.organizationId == nil)
        #expect(token.scopes.isEmpty)
        #expect(token.expiresAt == nil)
        #expect(token.comment == "first start")
    }
}
