import Foundation
import Testing
import TesseraClient

/// Bulk assignment through the SDK (Tessera): each row's outcome, and an atomic refusal that
/// keeps every row's outcome in its error.
@Suite struct SeatBulkAssignTests {
    @Test func eachRecipientGetsItsOwnOutcome() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let subscription = try await makeTeamPlan(client, seats: 5)
            let held = try await client.customerSeats.assignSeat(SeatAssign(
                subscriptionId: subscription.id, email: "held@bigco.example"))

            let result = try await client.customerSeats.assignMany(subscriptionId: subscription.id, recipients: [
                SeatRecipient(email: "ada@bigco.example", metadata: ["team": "red"]),
                SeatRecipient(email: "bo@bigco.example", sendInvitation: false),
                SeatRecipient(email: "HELD@bigco.example"),
                SeatRecipient(customerId: UUID().uuidString.lowercased()),
                SeatRecipient(email: "not an address"),
                SeatRecipient(email: "cy@bigco.example", externalMemberId: "user-cy", immediateClaim: true),
            ])
            #expect(result.results.map(\.index) == Array(0..<6))
            #expect(result.results.map(\.status) == [.assigned, .assigned, .alreadyAssigned, .failed, .failed, .assigned])
            #expect(result.assigned == 3 && result.alreadyAssigned == 1 && result.failed == 2)

            let rows = result.results
            #expect(rows[0].seat?.status == .pending)
            #expect(rows[0].seat?.seatMetadata == ["team": "red"])
            #expect(rows[0].seat?.invitationUrl == nil)
            let link = try #require(rows[1].seat?.invitationToken)
            #expect(rows[2].seat?.id == held.id)
            #expect(rows[5].seat?.status == .claimed)
            #expect(rows[5].seat?.member?.externalId == "user-cy")

            #expect(rows[3].seat == nil)
            #expect(rows[3].error?.statusCode == 404)
            #expect(rows[3].error?.error == "CustomerNotFound")
            #expect(rows[3].error?.message?.isEmpty == false)
            #expect(rows[4].error?.statusCode == 422)
            #expect(rows[4].error?.validationProblems?.map(\.path) == [["body", "email"]])

            // Really assigned: four active seats, one email each for those invited by email.
            let list = try await client.customerSeats.listSeats(subscriptionId: subscription.id)
            #expect(list.availableSeats == 1)
            #expect(try await server.deliverInvitations(to: "ada@bigco.example").count == 1)
            #expect(try await server.deliverInvitations(to: "bo@bigco.example").isEmpty)
            #expect(try await server.client().customerSeats.claimSeat(SeatClaim(invitationToken: link)).seat.status
                == .claimed)
        }
    }

    @Test func anAtomicFailureAssignsNothingAndKeepsEveryRowsOutcome() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let subscription = try await makeTeamPlan(client, seats: 3)
            _ = try await client.customerSeats.assignSeat(SeatAssign(subscriptionId: subscription.id, email: "held@bigco.example"))
            let recipients = [SeatRecipient(email: "new@bigco.example"), SeatRecipient(email: "held@bigco.example"),
                              SeatRecipient(customerId: UUID().uuidString.lowercased())]

            let refused = await #expect(throws: APIError.self) {
                try await client.customerSeats.assignMany(subscriptionId: subscription.id, recipients: recipients,
                                                          atomic: true)
            }
            #expect(refused?.statusCode == 400)
            #expect(refused?.error == "BulkAssignmentFailed")
            #expect(refused?.message?.hasPrefix("Nothing was assigned") == true)
            let outcome = try #require(refused?.bulkAssignment)
            #expect(outcome.results.map(\.status) == [.notAssigned, .alreadyAssigned, .failed])
            #expect(outcome.results[0].seat == nil)
            #expect(outcome.results[2].error?.error == "CustomerNotFound")
            #expect(outcome.assigned == 0 && outcome.failed == 1)
            #expect(try await client.customerSeats.listSeats(subscriptionId: subscription.id).seats.count == 1)
            #expect(try await server.deliverInvitations(to: "new@bigco.example").isEmpty)

            // A pool too small for the new recipients is refused whole, with no rows to read.
            let short = await #expect(throws: APIError.self) {
                try await client.customerSeats.assignMany(subscriptionId: subscription.id, recipients: [
                    SeatRecipient(email: "a@bigco.example"), SeatRecipient(email: "b@bigco.example"),
                    SeatRecipient(email: "c@bigco.example"),
                ])
            }
            #expect(short?.error == "SeatNotAvailable")
            #expect(short?.bulkAssignment == nil)

            // Without the failing row, the atomic request goes through.
            let done = try await client.customerSeats.assignMany(subscriptionId: subscription.id,
                                                                 recipients: Array(recipients.prefix(2)), atomic: true)
            #expect(done.results.map(\.status) == [.assigned, .alreadyAssigned])
        }
    }
}
