import Foundation
import Testing
@testable import TesseraCore

/// The portal's seat rule and the pages' form key, without a server.
@Suite struct PortalSeatRuleTests {
    @Test func thePortalMayNameEmailsAndMembersButNoCustomer() throws {
        try PortalSeatRule.checkRecipient(.email("a@example.com"))
        try PortalSeatRule.checkRecipient(.memberId(UUID()))
        try PortalSeatRule.checkRecipient(.externalMemberId("m-1", email: nil))
        let id = UUID()
        #expect(throws: ValidationFailure([.valueError(
            [.key("body"), .key("customer_id")],
            "customer_id cannot be used from the customer portal; assign by email, member_id or external_member_id",
            input: .string(id.wire))])) {
            try PortalSeatRule.checkRecipient(.customerId(id))
        }
        do {
            try PortalSeatRule.checkRecipient(.externalCustomerId("c-1"))
            Issue.record("external_customer_id was accepted")
        } catch {
            #expect(error.issues.map(\.loc) == [[.key("body"), .key("external_customer_id")]])
            #expect(error.issues.first?.input == .string("c-1"))
        }
    }

    @Test func immediateClaimIsOnlyForTheSignedInPerson() throws {
        let me = UUID()
        // A member session: only its own member.
        try PortalSeatRule.checkImmediateClaim(true, recipientMemberId: me, recipientEmail: "x@example.com",
                                               signedIn: .member(me))
        #expect(throws: ValidationFailure.self) {
            try PortalSeatRule.checkImmediateClaim(true, recipientMemberId: UUID(), recipientEmail: "x@example.com",
                                                   signedIn: .member(me))
        }
        // A customer session: the customer's own email, compared case-insensitively.
        try PortalSeatRule.checkImmediateClaim(true, recipientMemberId: UUID(), recipientEmail: "Boss@Example.com",
                                               signedIn: .customer(email: "boss@example.com"))
        do {
            try PortalSeatRule.checkImmediateClaim(true, recipientMemberId: nil, recipientEmail: "other@example.com",
                                                   signedIn: .customer(email: "boss@example.com"))
            Issue.record("someone else's seat was claimed")
        } catch {
            #expect(error.issues.map(\.loc) == [[.key("body"), .key("immediate_claim")]])
            #expect(error.issues.first?.input == .bool(true))
        }
        #expect(throws: ValidationFailure.self) {
            try PortalSeatRule.checkImmediateClaim(true, recipientMemberId: nil, recipientEmail: "boss@example.com",
                                                   signedIn: .customer(email: nil))
        }
        // Invitations go to anyone.
        try PortalSeatRule.checkImmediateClaim(false, recipientMemberId: UUID(), recipientEmail: "other@example.com",
                                               signedIn: .member(me))
    }
}

@Suite struct FormTokenKeyTests {
    @Test func tokensAreSignedAndBoundToTheirIdentity() {
        let key = FormTokenKey.random()
        let token = key.token(for: "session-a")
        #expect(token.count == 43)
        #expect(key.isValid(token, for: "session-a"))
        #expect(!key.isValid(token, for: "session-b"))
        #expect(!key.isValid("session-a", for: "session-a"))
        #expect(!key.isValid("", for: "session-a"))
        #expect(!key.isValid(String(token.dropLast()), for: "session-a"))
        #expect(!key.isValid(token + "A", for: "session-a"))
        #expect(!key.isValid(String(repeating: "%", count: 43), for: "session-a"))
        // Another random key (another process) makes other tokens.
        #expect(!FormTokenKey.random().isValid(token, for: "session-a"))
    }

    @Test func aConfiguredSecretGivesTheSameKeyEverywhere() throws {
        let secret = "0123456789abcdef0123456789abcdef"
        let first = try FormTokenKey(secret: secret)
        let second = try FormTokenKey(secret: secret)
        #expect(second.isValid(first.token(for: "x"), for: "x"))
        #expect(!(try FormTokenKey(secret: secret + "!")).isValid(first.token(for: "x"), for: "x"))
        #expect(throws: FormTokenKey.Problem.self) { try FormTokenKey(secret: "too short") }
    }

    @Test func theKeyIsNeverPrinted() throws {
        let key = try FormTokenKey(secret: "a secret of at least thirty-two characters")
        var dumped = ""
        dump(key, to: &dumped)
        for text in ["\(key)", String(reflecting: key), dumped] {
            #expect(text.contains("FormTokenKey"))
            #expect(!text.contains("secret"), "\(text)")
            #expect(!text.contains("SymmetricKey"), "\(text)")
        }
    }
}
