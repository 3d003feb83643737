import Foundation
import Testing
@testable import TesseraCore

@Suite struct SeatAssignmentTests {
    let subscription = UUID()

    func validate(subscriptionId: UUID? = nil, orderId: UUID? = nil, email: String? = nil, customerId: UUID? = nil,
                  externalCustomerId: String? = nil, memberId: UUID? = nil, externalMemberId: String? = nil,
                  metadata: [String: JSONValue]? = nil) throws(ValidationFailure) -> SeatAssignment {
        try SeatAssignment.validate(
            subscriptionId: subscriptionId, orderId: orderId, email: email, customerId: customerId,
            externalCustomerId: externalCustomerId, memberId: memberId, externalMemberId: externalMemberId,
            metadata: metadata, immediateClaim: false, body: .object([:]))
    }

    func message(_ body: () throws -> SeatAssignment) -> String? {
        do {
            _ = try body()
            return nil
        } catch let failure as ValidationFailure {
            return failure.issues.first?.msg
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func exactlyOnePool() {
        #expect(message { try validate(email: "a@example.com") }?.contains("Exactly one of subscription_id") == true)
        #expect(message { try validate(subscriptionId: UUID(), orderId: UUID(), email: "a@example.com") }?
            .contains("Exactly one of subscription_id") == true)
        #expect(message { try validate(orderId: UUID(), email: "a@example.com") } == nil)
    }

    @Test func recipientRules() {
        let noRecipient = message { try validate(subscriptionId: subscription) }
        #expect(noRecipient == "Value error, At least one of email, external_customer_id, customer_id, external_member_id, or member_id must be provided")
        let mixed = message { try validate(subscriptionId: subscription, customerId: UUID(), memberId: UUID()) }
        #expect(mixed == "Value error, Cannot combine external_customer_id/customer_id with external_member_id/member_id")
        let bothMembers = message { try validate(subscriptionId: subscription, memberId: UUID(), externalMemberId: "x") }
        #expect(bothMembers == "Value error, Cannot provide both external_member_id and member_id")
        let twoCustomers = message { try validate(subscriptionId: subscription, email: "a@example.com", customerId: UUID()) }
        #expect(twoCustomers == "Value error, Exactly one of email, external_customer_id, or customer_id must be provided")
        let memberWithEmail = message { try validate(subscriptionId: subscription, email: "a@example.com", memberId: UUID()) }
        #expect(memberWithEmail == "Value error, Cannot combine member_id with email")
    }

    @Test func recipientKinds() throws {
        #expect(try validate(subscriptionId: subscription, email: "a@example.com").recipient == .email("a@example.com"))
        let id = UUID()
        #expect(try validate(subscriptionId: subscription, customerId: id).recipient == .customerId(id))
        #expect(try validate(subscriptionId: subscription, externalCustomerId: "c1").recipient == .externalCustomerId("c1"))
        #expect(try validate(subscriptionId: subscription, memberId: id).recipient == .memberId(id))
        #expect(try validate(subscriptionId: subscription, email: "a@example.com", externalMemberId: "m1").recipient
            == .externalMemberId("m1", email: "a@example.com"))
    }

    @Test func metadataLimits() throws {
        let ten = Dictionary(uniqueKeysWithValues: (0..<10).map { ("k\($0)", JSONValue.int(Int64($0))) })
        #expect(try validate(subscriptionId: subscription, email: "a@example.com", metadata: ten).metadata == ten)
        var eleven = ten
        eleven["k10"] = 10
        #expect(message { try validate(subscriptionId: subscription, email: "a@example.com", metadata: eleven) }
            == "Value error, Metadata cannot have more than 10 keys")
        let big: [String: JSONValue] = ["note": .string(String(repeating: "x", count: 1100))]
        #expect(message { try validate(subscriptionId: subscription, email: "a@example.com", metadata: big) }
            == "Value error, Metadata size cannot exceed 1KB")
    }

    @Test func metadataSizeIsMeasuredAsPythonWritesIt() {
        // {"a": "b"} is 10 characters in json.dumps; non-ASCII is escaped to \uXXXX.
        #expect(JSONValue.object(["a": "b"]).pythonDumpsLength == 10)
        #expect(JSONValue.object(["a": "é"]).pythonDumpsLength == 15)
        #expect(JSONValue.array([1, 2]).pythonDumpsLength == 6)
        // {"n": ""} is 9 characters, so 1,015 x's make exactly 1,024, the largest allowed.
        let limit: JSONValue = ["n": .string(String(repeating: "x", count: 1015))]
        #expect(limit.pythonDumpsLength == 1024)
    }

    @Test func malformedEmailIsRejected() {
        #expect(message { try validate(subscriptionId: subscription, email: "not-an-email") }?
            .hasPrefix("value is not a valid email address") == true)
    }
}

@Suite struct EmailAddressTests {
    @Test(arguments: ["a@example.com", "first.last+tag@example.co.uk", "jöhn@example.com", "用户@example.com",
                      "o'neil@example.org"])
    func valid(_ email: String) {
        #expect(EmailAddress.problem(with: email) == nil)
    }

    @Test(arguments: ["", "plain", "@example.com", "a@", "a@localhost", "a b@example.com", "a..b@example.com",
                      ".a@example.com", "a@-example.com", "a@example..com", "a@@example.com", "a@example.123"])
    func invalid(_ email: String) {
        #expect(EmailAddress.problem(with: email) != nil)
    }

    @Test func comparisonIgnoresCase() {
        #expect(EmailAddress.normalized("Jo@Example.COM") == EmailAddress.normalized("jo@example.com"))
    }
}
