import Foundation
import Testing
@testable import TesseraCore

/// The price rules a product request is checked against (`ProductPrice.read`), with the exact
/// messages the 422 answer carries.
@Suite struct ProductPriceRulesTests {
    typealias Tier = SeatTiers.Tier

    let amountTypeMessage = "amount_type must be one of 'seat_based', 'fixed', 'free'"
    let currencyMessage = "price_currency must be a currency code such as 'usd'"
    let amountMessage = "price_amount must be a whole number of cents from 0 to 100000000"
    let tiersMessage = "seat_tiers with a list of tiers is required for a seat-based price"
    let tierTypeMessage = "seat_tier_type must be 'volume' or 'graduated'"
    let tierShapeMessage = "each tier needs whole-number min_seats and price_per_seat (cents), and max_seats a whole number or null"

    func seatBased(_ tiers: [JSONValue], type: JSONValue = .null) -> JSONValue {
        ["amount_type": "seat_based", "seat_tiers": ["seat_tier_type": type, "tiers": .array(tiers)]]
    }

    func tier(_ min: JSONValue, _ max: JSONValue, _ price: JSONValue) -> JSONValue {
        ["min_seats": min, "max_seats": max, "price_per_seat": price]
    }

    /// The one problem of a single price, or nil when it is valid.
    func problem(_ item: JSONValue) -> PriceProblem? {
        let (_, problems) = ProductPrice.read([item])
        return problems.first
    }

    @Test func validPricesAndTheirDefaults() {
        let (kinds, problems) = ProductPrice.read([
            ["amount_type": "free"],
            ["amount_type": "fixed", "price_amount": 0],
            ["amount_type": "fixed", "price_currency": "eur", "price_amount": 100_000_000],
            seatBased([tier(1, 5, 1000), tier(6, .null, 800)], type: "graduated"),
        ])
        #expect(problems.isEmpty)
        #expect(kinds == [
            .free,
            .fixed(currency: "usd", amount: 0),
            .fixed(currency: "eur", amount: 100_000_000),
            .seatBased(currency: "usd", tiers: SeatTiers(type: .graduated, tiers: [
                Tier(minSeats: 1, maxSeats: 5, pricePerSeat: 1000), Tier(minSeats: 6, maxSeats: nil, pricePerSeat: 800),
            ])),
        ])
        // A null or absent tier type is volume.
        let (volume, _) = ProductPrice.read([seatBased([tier(1, .null, 1)])])
        #expect(volume == [.seatBased(currency: "usd", tiers: SeatTiers(type: .volume, tiers: [
            Tier(minSeats: 1, maxSeats: nil, pricePerSeat: 1),
        ]))])
    }

    @Test func theAmountTypeIsOneOfThree() {
        #expect(problem([:])?.message == amountTypeMessage)
        #expect(problem(["amount_type": 1])?.message == amountTypeMessage)
        #expect(problem(["amount_type": "custom"])?.message == amountTypeMessage)
        #expect(problem("free")?.message == amountTypeMessage)
    }

    @Test func theCurrencyIsACodeOfThreeToEightCharacters() {
        #expect(problem(["amount_type": "free", "price_currency": "us"])?.message == currencyMessage)
        #expect(problem(["amount_type": "free", "price_currency": "abcdefghi"])?.message == currencyMessage)
        #expect(problem(["amount_type": "free", "price_currency": 840])?.message == currencyMessage)
        #expect(problem(["amount_type": "free", "price_currency": "abcdefgh"]) == nil)
        #expect(problem(["amount_type": "free", "price_currency": .null]) == nil)
    }

    @Test func problemsAreCheckedInOrder() {
        // A missing amount type comes before the currency; an unknown one after it.
        #expect(problem(["price_currency": "x"])?.message == amountTypeMessage)
        #expect(problem(["amount_type": "custom", "price_currency": "x"])?.message == currencyMessage)
        #expect(problem(["amount_type": "fixed", "price_currency": "x", "price_amount": -1])?.message == currencyMessage)
    }

    @Test func aFixedAmountIsWholeCentsWithinBounds() {
        #expect(problem(["amount_type": "fixed", "price_amount": -1])?.message == amountMessage)
        #expect(problem(["amount_type": "fixed", "price_amount": 100_000_001])?.message == amountMessage)
        #expect(problem(["amount_type": "fixed", "price_amount": 1.5])?.message == amountMessage)
        #expect(problem(["amount_type": "fixed", "price_amount": "100"])?.message == amountMessage)
        #expect(problem(["amount_type": "fixed"])?.message == amountMessage)
    }

    @Test func aSeatBasedPriceNeedsWellFormedTiers() {
        #expect(problem(["amount_type": "seat_based"])?.message == tiersMessage)
        #expect(problem(["amount_type": "seat_based", "seat_tiers": .null])?.message == tiersMessage)
        #expect(problem(["amount_type": "seat_based", "seat_tiers": ["tiers": "many"]])?.message == tiersMessage)
        #expect(problem(seatBased([tier(1, .null, 1)], type: "tiered"))?.message == tierTypeMessage)
        #expect(problem(seatBased([tier(1, .null, 1)], type: 2))?.message == tierTypeMessage)
        #expect(problem(seatBased([tier("1", .null, 1)]))?.message == tierShapeMessage)
        #expect(problem(seatBased([tier(1, "5", 1)]))?.message == tierShapeMessage)
        #expect(problem(seatBased([["min_seats": 1, "price_per_seat": 1]])) == nil)
        #expect(problem(seatBased([tier(1, 5, 1), ["min_seats": 6]]))?.message == tierShapeMessage)
    }

    @Test func seatTierRulesAreReportedWithTheirMessages() {
        #expect(problem(seatBased([]))?.message == "At least one tier is required.")
        #expect(problem(seatBased([tier(1, 5, 1), tier(7, .null, 1)]))?.message
            == "Tiers must be contiguous: tier 2 must start at 6 seats.")
        #expect(problem(seatBased([tier(1, 5, 100_000_001)]))?.message
            == "Tier 1: price_per_seat must be between 0 and 100000000 cents.")
        #expect(problem(seatBased([tier(1, 1_000_001, 1)]))?.message == "Tier 1: seat counts must be at most 1000000.")
    }

    @Test func eachProblemNamesItsPriceAndOnlyTheFirstIsReported() {
        let (kinds, problems) = ProductPrice.read([
            ["amount_type": "free"],
            ["amount_type": "fixed", "price_currency": "x", "price_amount": -1],
            ["amount_type": "custom"],
        ])
        #expect(kinds == [.free])
        #expect(problems == [PriceProblem(index: 1, message: currencyMessage),
                             PriceProblem(index: 2, message: amountTypeMessage)])
    }

    @Test func aProductHasAtMostOneSeatBasedPrice() {
        let valid = seatBased([tier(1, .null, 1)])
        let (_, two) = ProductPrice.read([valid, ["amount_type": "free"], valid])
        #expect(two == [PriceProblem(index: nil, message: "A product can have only one seat-based price")])
        // Only valid seat-based prices count.
        let (_, oneInvalid) = ProductPrice.read([valid, seatBased([])])
        #expect(oneInvalid == [PriceProblem(index: 1, message: "At least one tier is required.")])
    }

    @Test func anUpdateChangesOnlyWhatItNamesAndReplacesPricesAsAWhole() {
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let later = Date(timeIntervalSince1970: 1_800_000_600)
        let price = ProductPrice(id: UUID(), kind: .free, createdAt: created)
        var product = Product(
            id: UUID(), organizationId: UUID(), name: "Team", description: "For teams", recurringInterval: .month,
            prices: [price], metadata: ["tier": "a"], isArchived: false, createdAt: created, modifiedAt: nil)
        product.apply(ProductUpdate(), at: later)
        #expect(product.name == "Team")
        #expect(product.description == "For teams")
        #expect(product.prices == [price])
        #expect(product.metadata == ["tier": "a"])
        #expect(!product.isArchived)
        #expect(product.modifiedAt == later)

        product.apply(ProductUpdate(description: .some(nil), isArchived: true,
                                    prices: [.fixed(currency: "usd", amount: 5)]), at: later)
        #expect(product.name == "Team")
        #expect(product.description == nil)
        #expect(product.isArchived)
        #expect(product.prices.count == 1)
        #expect(product.prices.first?.kind == .fixed(currency: "usd", amount: 5))
        #expect(product.prices.first?.createdAt == later)
        #expect(product.prices.first?.id != price.id)
    }
}
