import Foundation
import Testing
@testable import TesseraCore

@Suite struct SubscriptionLifecycleTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)
    let later = Date(timeIntervalSince1970: 1_700_086_400)

    func subscription(seats: Int? = 5, active: Int = 0, interval: Product.RecurringInterval = .month) -> Subscription {
        var subscription = Subscription(
            id: UUID(), organizationId: UUID(), customerId: UUID(), productId: UUID(), seats: seats, amount: 500,
            currency: "usd", recurringInterval: interval, metadata: ["k": "v"], startingAt: start)
        subscription.activeSeats = active
        return subscription
    }

    func product(tiers: SeatTiers?) -> Product {
        let kind: ProductPrice.Kind = tiers.map { .seatBased(currency: "usd", tiers: $0) } ?? .fixed(currency: "usd", amount: 900)
        return Product(id: UUID(), organizationId: UUID(), name: "Team", description: nil, recurringInterval: .month,
                       prices: [ProductPrice(id: UUID(), kind: kind, createdAt: start)], metadata: [:], isArchived: false,
                       createdAt: start, modifiedAt: nil)
    }

    let tiers = SeatTiers(type: .volume, tiers: [.init(minSeats: 1, maxSeats: 20, pricePerSeat: 100)])

    @Test func aNewSubscriptionIsActiveForOnePeriodWithNoSeatAssigned() {
        let new = Subscription(
            id: UUID(), organizationId: UUID(), customerId: UUID(), productId: UUID(), seats: 5, amount: 500,
            currency: "usd", recurringInterval: .year, metadata: [:], startingAt: start)
        #expect(new.status == .active)
        #expect(new.activeSeats == 0)
        #expect(!new.cancelAtPeriodEnd && new.canceledAt == nil && new.endedAt == nil)
        #expect(new.startedAt == start && new.currentPeriodStart == start && new.createdAt == start)
        #expect(new.currentPeriodEnd == Product.RecurringInterval.year.periodEnd(from: start))
        #expect(new.modifiedAt == nil)
    }

    @Test(arguments: [
        (Product.RecurringInterval.day, DateComponents(day: 16)),
        (.week, DateComponents(day: 22)),
        (.month, DateComponents(month: 2, day: 15)),
        (.year, DateComponents(year: 2025, day: 15)),
    ])
    func aPeriodLastsOneInterval(interval: Product.RecurringInterval, expected: DateComponents) throws {
        let calendar = Calendar.current
        let from = try #require(calendar.date(from: DateComponents(year: 2024, month: 1, day: 15, hour: 12)))
        let end = calendar.dateComponents([.year, .month, .day, .hour], from: interval.periodEnd(from: from))
        #expect(end.year == expected.year ?? 2024)
        #expect(end.month == expected.month ?? 1)
        #expect(end.day == expected.day)
        #expect(end.hour == 12)
    }

    @Test func changingSeatsRepricesThePool() throws {
        var pool = subscription(seats: 5)
        let changed = try pool.changeSeats(to: 7, product: product(tiers: tiers), at: later)
        #expect(changed)
        #expect(pool.seats == 7)
        #expect(pool.amount == 700)
        #expect(pool.modifiedAt == later)
    }

    @Test func theSameSeatCountChangesNothing() throws {
        var pool = subscription(seats: 5)
        let before = pool
        let changed = try pool.changeSeats(to: 5, product: product(tiers: tiers), at: later)
        #expect(!changed)
        #expect(pool == before)
    }

    @Test func aRefusedSeatChangeChangesNothing() throws {
        var pool = subscription(seats: 5, active: 4)
        let before = pool
        #expect(throws: TesseraError.seatsAlreadyAssigned(requested: 3, assigned: 4)) {
            _ = try pool.changeSeats(to: 3, product: product(tiers: tiers), at: later)
        }
        #expect(throws: TesseraError.notASeatBasedSubscription) {
            _ = try pool.changeSeats(to: 6, product: product(tiers: nil), at: later)
        }
        #expect(pool == before)
    }

    @Test func cancelingAtThePeriodEndIsScheduledAndCanBeTakenBack() throws {
        var pool = subscription()
        let scheduled = try pool.setCancelAtPeriodEnd(true, at: start)
        #expect(scheduled == .scheduled)
        #expect(pool.cancelAtPeriodEnd && pool.canceledAt == start && pool.modifiedAt == start)
        #expect(pool.status == .active, "it still runs until the period ends")

        // Asking again changes nothing, not even when it was asked for.
        let again = try pool.setCancelAtPeriodEnd(true, at: later)
        #expect(again == nil)
        #expect(pool.canceledAt == start && pool.modifiedAt == start)

        let withdrawn = try pool.setCancelAtPeriodEnd(false, at: later)
        #expect(withdrawn == .withdrawn)
        #expect(!pool.cancelAtPeriodEnd && pool.canceledAt == nil && pool.modifiedAt == later)
        let withdrawnAgain = try pool.setCancelAtPeriodEnd(false, at: later)
        #expect(withdrawnAgain == nil)
    }

    @Test func aCanceledSubscriptionCannotScheduleACancellation() throws {
        var pool = subscription()
        try pool.revoke(at: start)
        let before = pool
        #expect(throws: TesseraError.alreadyCanceledSubscription) { _ = try pool.setCancelAtPeriodEnd(false, at: later) }
        #expect(pool == before)
    }

    @Test func revokingEndsTheSubscriptionNowWithoutSeats() throws {
        var pool = subscription(active: 3)
        try pool.revoke(at: later)
        #expect(pool.status == .canceled)
        #expect(pool.canceledAt == later && pool.endedAt == later && pool.modifiedAt == later)
        #expect(pool.activeSeats == 0)
    }

    @Test func revokingKeepsWhenTheCancellationWasAskedFor() throws {
        var pool = subscription()
        _ = try pool.setCancelAtPeriodEnd(true, at: start)
        try pool.revoke(at: later)
        #expect(pool.canceledAt == start)
        #expect(pool.endedAt == later)
    }

    @Test func aRevokedSubscriptionCannotBeRevokedAgain() throws {
        var pool = subscription()
        try pool.revoke(at: start)
        let before = pool
        #expect(throws: TesseraError.alreadyCanceledSubscription) { try pool.revoke(at: later) }
        #expect(pool == before)
    }
}

@Suite struct OrderStatusTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func order(_ status: Order.Status) -> Order {
        Order(id: UUID(), organizationId: UUID(), customerId: UUID(), productId: UUID(), seats: 2, activeSeats: 0,
              status: status, amount: 200, currency: "usd", metadata: ["a": "1"], createdAt: now, modifiedAt: nil)
    }

    @Test func aPendingOrderIsMarkedPaidOnce() {
        var pending = order(.pending)
        let first = pending.markPaid()
        #expect(first)
        #expect(pending.status == .paid)
        let second = pending.markPaid()
        #expect(!second, "marking a paid order paid again changes nothing")
    }

    @Test func aPaidOrderCannotGoBackToPending() {
        var paid = order(.paid)
        let before = paid
        #expect(throws: TesseraError.paidOrderCannotBecomePending) { _ = try paid.changeStatus(to: .pending) }
        #expect(throws: TesseraError.paidOrderCannotBecomePending) {
            _ = try paid.update(status: .pending, metadata: ["b": "2"], at: now)
        }
        #expect(paid == before, "a refused change changes nothing, metadata included")
    }

    @Test func statusChangesSayWhetherTheOrderBecamePaid() throws {
        var pending = order(.pending)
        let stillPending = try pending.changeStatus(to: .pending)
        #expect(!stillPending)
        #expect(pending.status == .pending)
        let paid = try pending.changeStatus(to: .paid)
        #expect(paid)
        let paidAgain = try pending.changeStatus(to: .paid)
        #expect(!paidAgain)
    }

    @Test func anUpdateTouchesModifiedAtAndReplacesMetadata() throws {
        var pending = order(.pending)
        let untouched = try pending.update(status: nil, metadata: nil, at: now)
        #expect(!untouched)
        #expect(pending.status == .pending && pending.metadata == ["a": "1"] && pending.modifiedAt == now)
        let paid = try pending.update(status: .paid, metadata: ["b": "2"], at: now)
        #expect(paid)
        #expect(pending.status == .paid && pending.metadata == ["b": "2"])
    }
}

@Suite struct SeatPoolStatusTests {
    func pool(_ reference: SeatPoolReference, _ status: SeatPool.Status) -> SeatPool {
        SeatPool(reference: reference, organizationId: UUID(), customerId: UUID(), productId: UUID(), seats: 3,
                 activeSeats: 0, status: status)
    }

    @Test func onlyActiveSubscriptionsAndPaidOrdersTakeAssignments() {
        #expect(pool(.subscription(UUID()), .subscription(.active)).acceptsAssignments)
        #expect(!pool(.subscription(UUID()), .subscription(.canceled)).acceptsAssignments)
        #expect(pool(.order(UUID()), .order(.paid)).acceptsAssignments)
        #expect(!pool(.order(UUID()), .order(.pending)).acceptsAssignments)
    }

    @Test func aCanceledSubscriptionHasNoSeatFreeAndAPendingOrderIsNotPaid() {
        let canceled = pool(.subscription(UUID()), .subscription(.canceled))
        #expect(throws: TesseraError.seatNotAvailable(poolId: canceled.reference.id)) { try canceled.requireFreeSeat() }
        #expect(throws: TesseraError.orderNotPaid) { try pool(.order(UUID()), .order(.pending)).requireFreeSeat() }
        #expect(throws: Never.self) { try pool(.order(UUID()), .order(.paid)).requireFreeSeat() }
    }
}

@Suite struct CustomerReferenceTests {
    @Test func exactlyOneOfIdOrExternalIdNamesTheCustomer() {
        let id = UUID()
        #expect(CustomerReference(id: id, externalId: nil) == .id(id))
        #expect(CustomerReference(id: nil, externalId: "cus_1") == .externalId("cus_1"))
        #expect(CustomerReference(id: nil, externalId: nil) == nil)
        #expect(CustomerReference(id: id, externalId: "cus_1") == nil)
    }
}
