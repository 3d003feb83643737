import Foundation
import Testing
@testable import TesseraCore

@Suite struct SeatTiersTests {
    typealias Tier = SeatTiers.Tier

    @Test func contiguousTiersWithAnUnboundedLastAreValid() {
        let tiers = SeatTiers(type: .graduated, tiers: [
            Tier(minSeats: 1, maxSeats: 5, pricePerSeat: 1000), Tier(minSeats: 6, maxSeats: nil, pricePerSeat: 800),
        ])
        #expect(tiers.problem == nil)
        #expect(tiers.minimumSeats == 1)
        #expect(tiers.maximumSeats == nil)
    }

    @Test func gapsOverlapsAndEarlyUnboundedTiersAreInvalid() {
        let gap = SeatTiers(type: .volume, tiers: [Tier(minSeats: 1, maxSeats: 5, pricePerSeat: 1),
                                                   Tier(minSeats: 7, maxSeats: nil, pricePerSeat: 1)])
        #expect(gap.problem?.contains("contiguous") == true)
        let overlap = SeatTiers(type: .volume, tiers: [Tier(minSeats: 1, maxSeats: 5, pricePerSeat: 1),
                                                       Tier(minSeats: 5, maxSeats: nil, pricePerSeat: 1)])
        #expect(overlap.problem?.contains("contiguous") == true)
        let earlyUnbounded = SeatTiers(type: .volume, tiers: [Tier(minSeats: 1, maxSeats: nil, pricePerSeat: 1),
                                                              Tier(minSeats: 2, maxSeats: 3, pricePerSeat: 1)])
        #expect(earlyUnbounded.problem != nil)
        #expect(SeatTiers(type: .volume, tiers: []).problem != nil)
        #expect(SeatTiers(type: .volume, tiers: [Tier(minSeats: 0, maxSeats: nil, pricePerSeat: 1)]).problem != nil)
        #expect(SeatTiers(type: .volume, tiers: [Tier(minSeats: 3, maxSeats: 2, pricePerSeat: 1)]).problem != nil)
    }

    @Test func seatCountsOutsideTheTiersUsePolarErrors() {
        let tiers = SeatTiers(type: .volume, tiers: [Tier(minSeats: 2, maxSeats: 10, pricePerSeat: 100)])
        #expect(throws: TesseraError.belowMinimumSeats(minimum: 2)) { try tiers.check(1) }
        #expect(throws: TesseraError.aboveMaximumSeats(maximum: 10)) { try tiers.check(11) }
        #expect(throws: Never.self) { try tiers.check(10) }
    }

    @Test func amounts() {
        let volume = SeatTiers(type: .volume, tiers: [Tier(minSeats: 1, maxSeats: 5, pricePerSeat: 1000),
                                                      Tier(minSeats: 6, maxSeats: nil, pricePerSeat: 800)])
        #expect(volume.amount(forSeats: 6) == 4800)
        let graduated = SeatTiers(type: .graduated, tiers: volume.tiers)
        #expect(graduated.amount(forSeats: 6) == 5 * 1000 + 800)
    }
}

@Suite struct SubscriptionSeatChangeTests {
    func subscription(seats: Int?, active: Int, status: Subscription.Status = .active, cancelAtPeriodEnd: Bool = false)
        -> Subscription
    {
        let now = Date()
        return Subscription(
            id: UUID(), organizationId: UUID(), customerId: UUID(), productId: UUID(), seats: seats, activeSeats: active,
            status: status, amount: 0, currency: "usd", recurringInterval: .month, cancelAtPeriodEnd: cancelAtPeriodEnd,
            canceledAt: nil, startedAt: now, endedAt: nil, currentPeriodStart: now, currentPeriodEnd: now, metadata: [:],
            createdAt: now, modifiedAt: nil)
    }

    let tiers = SeatTiers(type: .volume, tiers: [.init(minSeats: 2, maxSeats: 20, pricePerSeat: 100)])

    @Test func checksComeInPolarsOrder() {
        // A canceled subscription is refused before anything else is looked at.
        #expect(throws: TesseraError.alreadyCanceledSubscription) {
            _ = try subscription(seats: 5, active: 5, status: .canceled).validateSeatChange(to: 1, tiers: nil)
        }
        #expect(throws: TesseraError.alreadyCanceledSubscription) {
            _ = try subscription(seats: 5, active: 0, cancelAtPeriodEnd: true).validateSeatChange(to: 6, tiers: tiers)
        }
        #expect(throws: TesseraError.notASeatBasedSubscription) {
            _ = try subscription(seats: nil, active: 0).validateSeatChange(to: 1, tiers: nil)
        }
        // Below the tier minimum wins over "already assigned".
        #expect(throws: TesseraError.belowMinimumSeats(minimum: 2)) {
            _ = try subscription(seats: 5, active: 5).validateSeatChange(to: 1, tiers: tiers)
        }
        #expect(throws: TesseraError.aboveMaximumSeats(maximum: 20)) {
            _ = try subscription(seats: 5, active: 5).validateSeatChange(to: 21, tiers: tiers)
        }
        #expect(throws: TesseraError.seatsAlreadyAssigned(requested: 3, assigned: 4)) {
            _ = try subscription(seats: 5, active: 4).validateSeatChange(to: 3, tiers: tiers)
        }
    }

    @Test func theSameCountIsANoOp() throws {
        #expect(try subscription(seats: 5, active: 1).validateSeatChange(to: 5, tiers: tiers) == false)
        #expect(try subscription(seats: 5, active: 1).validateSeatChange(to: 4, tiers: tiers) == true)
    }

    @Test func theAssignedMessageIsPolars() {
        #expect(TesseraError.seatsAlreadyAssigned(requested: 3, assigned: 4).message
            == "Cannot decrease seats to 3. Currently 4 seats are assigned. Revoke seats first.")
    }
}

@Suite struct SecretTokenTests {
    @Test func tokensAre256BitURLSafeAndPrefixed() {
        let invitation = SecretToken.generate(.invitation)
        #expect(invitation.value.count == 43)
        #expect(invitation.value.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(SecretToken.generate(.organizationAccess).value.hasPrefix("tsr_oat_"))
        #expect(SecretToken.generate(.customerSession).value.hasPrefix("tsr_cst_"))
        #expect(SecretToken.generate(.memberSession).value.hasPrefix("tsr_mst_"))
        #expect(SecretToken.generate(.invitation) != SecretToken.generate(.invitation))
    }

    /// 0xfb 0xff is "+/8=" in standard base64: both swapped letters and the padding show.
    @Test func base64URLSwapsTheTwoLettersAndDropsThePadding() throws {
        let bytes = Data([0xfb, 0xff])
        #expect(bytes.base64EncodedString() == "+/8=")
        #expect(bytes.base64URLEncoded() == "-_8")
        #expect(Data(base64URLEncoded: "-_8") == bytes)
        #expect(Data(base64URLEncoded: "-_8=") == bytes, "padding is accepted")
        for count in 0..<8 {
            let data = Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 251) })
            #expect(Data(base64URLEncoded: data.base64URLEncoded()) == data)
        }
        #expect(Data(base64URLEncoded: "a") == nil)
        #expect(Data(base64URLEncoded: "ab!d") == nil)
    }

    @Test func theHashIsSHA256Hex() {
        // SHA-256("abc"), a published test vector.
        #expect(SecretToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func writeScopesGrantRead() {
        #expect(Scope.customerSeatsRead.isGranted(by: [.customerSeatsWrite]))
        #expect(!Scope.customerSeatsWrite.isGranted(by: [.customerSeatsRead]))
        #expect(!Scope.customersRead.isGranted(by: [.customerSeatsWrite]))
    }
}

@Suite struct OrganizationSlugTests {
    @Test(arguments: ["acme", "big-co", "a1b2c3"])
    func valid(_ slug: String) { #expect(OrganizationSlug.isValid(slug)) }

    // "healthz" would make /healthz/portal unreachable behind the health route.
    @Test(arguments: ["ab", "-acme", "acme-", "ac--me", "Acme", "ac_me", "healthz", "v1"])
    func invalid(_ slug: String) { #expect(!OrganizationSlug.isValid(slug)) }
}
