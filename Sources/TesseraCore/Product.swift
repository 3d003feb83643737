import Foundation

/// Something a merchant sells. A product with a seat-based price creates seat pools.
public struct Product: Sendable, Equatable {
    public enum RecurringInterval: String, Sendable, CaseIterable {
        case day, week, month, year
    }

    public var id: UUID
    public var organizationId: UUID
    public var name: String
    public var description: String?
    public var recurringInterval: RecurringInterval?
    public var prices: [ProductPrice]
    public var metadata: [String: JSONValue]
    public var isArchived: Bool
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, organizationId: UUID, name: String, description: String?,
                recurringInterval: RecurringInterval?, prices: [ProductPrice], metadata: [String: JSONValue],
                isArchived: Bool, createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.organizationId = organizationId
        self.name = name
        self.description = description
        self.recurringInterval = recurringInterval
        self.prices = prices
        self.metadata = metadata
        self.isArchived = isArchived
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    /// The seat tiers of the product's seat-based price, if it has one.
    public var seatTiers: SeatTiers? {
        for price in prices {
            if case .seatBased(_, let tiers) = price.kind { return tiers }
        }
        return nil
    }

    public var isRecurring: Bool { recurringInterval != nil }

    /// Checks a seat count for a new pool of this product.
    public func validateSeatCount(_ seats: Int?) throws(TesseraError) -> Int? {
        guard let tiers = seatTiers else {
            if seats != nil {
                throw TesseraError.seatsWithoutSeatBasedPrice
            }
            return nil
        }
        guard let seats else {
            throw TesseraError.seatsRequiredBySeatBasedPrice
        }
        try tiers.check(seats)
        return seats
    }

    /// Applies a merchant's change. New prices replace the old ones as a whole, each with a new
    /// id, created now.
    public mutating func apply(_ update: ProductUpdate, at now: Date) {
        if let name = update.name { self.name = name }
        if let description = update.description { self.description = description }
        if let metadata = update.metadata { self.metadata = metadata }
        if let isArchived = update.isArchived { self.isArchived = isArchived }
        if let prices = update.prices { self.prices = ProductPrice.created(prices, at: now) }
        modifiedAt = now
    }
}

/// A merchant's change to a product (PATCH): a nil field stays as it is.
public struct ProductUpdate: Sendable, Equatable {
    public var name: String?
    /// `.some(nil)` clears the description (the field sent as `null`); nil leaves it.
    public var description: String??
    public var metadata: [String: JSONValue]?
    public var isArchived: Bool?
    /// The new prices, already read (`ProductPrice.read`).
    public var prices: [ProductPrice.Kind]?

    public init(name: String? = nil, description: String?? = nil, metadata: [String: JSONValue]? = nil,
                isArchived: Bool? = nil, prices: [ProductPrice.Kind]? = nil) {
        self.name = name
        self.description = description
        self.metadata = metadata
        self.isArchived = isArchived
        self.prices = prices
    }
}

/// One price of a product. Tessera bills nobody: prices are kept for the wire shape and
/// seat tiers bound seat counts.
public struct ProductPrice: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable {
        case seatBased(currency: String, tiers: SeatTiers)
        case fixed(currency: String, amount: Int)
        case free
    }

    public var id: UUID
    public var kind: Kind
    public var createdAt: Date

    public init(id: UUID, kind: Kind, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.createdAt = createdAt
    }

    /// New prices of these kinds, each with a fresh id, created at `now`.
    public static func created(_ kinds: [Kind], at now: Date) -> [ProductPrice] {
        kinds.map { ProductPrice(id: UUID.timeOrdered(), kind: $0, createdAt: now) }
    }

    public var amountType: String {
        switch kind {
        case .seatBased: "seat_based"
        case .fixed: "fixed"
        case .free: "free"
        }
    }

    // Stored as JSON in the products table.
    private enum CodingKeys: String, CodingKey {
        case id, amountType = "amount_type", currency, amount, tiers, createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        createdAt = Timestamp.date(micros: try container.decode(Int64.self, forKey: .createdAt))
        switch try container.decode(String.self, forKey: .amountType) {
        case "seat_based":
            kind = .seatBased(currency: try container.decode(String.self, forKey: .currency),
                              tiers: try container.decode(SeatTiers.self, forKey: .tiers))
        case "fixed":
            kind = .fixed(currency: try container.decode(String.self, forKey: .currency),
                          amount: try container.decode(Int.self, forKey: .amount))
        default:
            kind = .free
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(Timestamp.micros(createdAt), forKey: .createdAt)
        try container.encode(amountType, forKey: .amountType)
        switch kind {
        case .seatBased(let currency, let tiers):
            try container.encode(currency, forKey: .currency)
            try container.encode(tiers, forKey: .tiers)
        case .fixed(let currency, let amount):
            try container.encode(currency, forKey: .currency)
            try container.encode(amount, forKey: .amount)
        case .free:
            break
        }
    }
}

// MARK: Reading prices

/// A broken price rule, where it is and in the words of the 422 answer (the server turns it
/// into a validation issue at `["body", "prices", index]`).
public struct PriceProblem: Sendable, Equatable {
    /// The price's position in the list; nil when the problem is the list as a whole.
    public var index: Int?
    public var message: String

    public init(index: Int?, message: String) {
        self.index = index
        self.message = message
    }
}

extension ProductPrice {
    /// The currency of a price that names none.
    public static let defaultCurrency = "usd"
    /// A currency code is 3 to 8 characters (`usd`, and room for others).
    public static let currencyCodeLengths = 3...8
    /// A fixed price, in cents.
    public static let fixedAmounts = 0...SeatTiers.maximumPricePerSeat

    /// One broken rule of one price: its message.
    struct RuleBroken: Error {
        let message: String
    }

    /// Reads a product's `prices` as a request sends them and applies every price rule: each
    /// price's own (one problem a price, the first found), then the list's (at most one
    /// seat-based price, counting the valid ones). Returns the valid prices' kinds and the problems.
    public static func read(_ items: [JSONValue]) -> (kinds: [Kind], problems: [PriceProblem]) {
        var kinds: [Kind] = []
        var problems: [PriceProblem] = []
        for (index, item) in items.enumerated() {
            do {
                kinds.append(try kind(of: item))
            } catch {
                problems.append(PriceProblem(index: index, message: error.message))
            }
        }
        if let message = listProblem(kinds) {
            problems.append(PriceProblem(index: nil, message: message))
        }
        return (kinds, problems)
    }

    /// Reads one price: its amount type first, then its currency, then what the type needs.
    static func kind(of item: JSONValue) throws(RuleBroken) -> Kind {
        let amountTypeProblem = RuleBroken(message: "amount_type must be one of 'seat_based', 'fixed', 'free'")
        guard let amountType = item["amount_type"]?.stringValue else { throw amountTypeProblem }
        let currency = try currency(item["price_currency"] ?? .null)
        switch amountType {
        case "free":
            return .free
        case "fixed":
            guard let amount = item["price_amount"]?.intValue, fixedAmounts.contains(amount) else {
                throw RuleBroken(message: "price_amount must be a whole number of cents from 0 to \(fixedAmounts.upperBound)")
            }
            return .fixed(currency: currency, amount: amount)
        case "seat_based":
            return .seatBased(currency: currency, tiers: try SeatTiers.read(item["seat_tiers"]))
        default:
            throw amountTypeProblem
        }
    }

    /// A price's currency: a code of `currencyCodeLengths` characters, or null or absent for
    /// `defaultCurrency`.
    static func currency(_ value: JSONValue) throws(RuleBroken) -> String {
        if value.isNull { return defaultCurrency }
        guard let code = value.stringValue, currencyCodeLengths.contains(TextRules.length(of: code)) else {
            throw RuleBroken(message: "price_currency must be a currency code such as 'usd'")
        }
        return code
    }

    /// The rule over a product's prices as a whole: seat tiers bound one pool size, so a
    /// product has at most one seat-based price. Nil when the prices keep it.
    public static func listProblem(_ kinds: [Kind]) -> String? {
        let seatBased = kinds.filter { if case .seatBased = $0 { true } else { false } }
        return seatBased.count > 1 ? "A product can have only one seat-based price" : nil
    }
}

extension SeatTiers {
    /// Reads the `seat_tiers` of a seat-based price (`seat_tier_type` null or absent is
    /// volume) and applies the tier rules (`problem`).
    static func read(_ value: JSONValue?) throws(ProductPrice.RuleBroken) -> SeatTiers {
        guard let value, case .array(let items)? = value["tiers"] else {
            throw .init(message: "seat_tiers with a list of tiers is required for a seat-based price")
        }
        let typeValue = value["seat_tier_type"] ?? .null
        guard let type = TierType(rawValue: typeValue.isNull ? TierType.volume.rawValue : typeValue.stringValue ?? "") else {
            throw .init(message: "seat_tier_type must be 'volume' or 'graduated'")
        }
        var tiers: [Tier] = []
        for item in items {
            let maxSeats = item["max_seats"] ?? .null
            guard let minSeats = item["min_seats"]?.intValue, let pricePerSeat = item["price_per_seat"]?.intValue,
                  maxSeats.isNull || maxSeats.intValue != nil else {
                throw .init(message: "each tier needs whole-number min_seats and price_per_seat (cents), and max_seats a whole number or null")
            }
            tiers.append(Tier(minSeats: minSeats, maxSeats: maxSeats.intValue, pricePerSeat: pricePerSeat))
        }
        let seatTiers = SeatTiers(type: type, tiers: tiers)
        if let message = seatTiers.problem { throw .init(message: message) }
        return seatTiers
    }
}

/// Seat tiers of a seat-based price: contiguous ranges starting at the minimum, only the
/// last may be unbounded.
public struct SeatTiers: Sendable, Equatable, Codable {
    public enum TierType: String, Sendable, Codable, CaseIterable {
        case volume, graduated
    }

    public struct Tier: Sendable, Equatable, Codable {
        public var minSeats: Int
        public var maxSeats: Int?
        public var pricePerSeat: Int

        public init(minSeats: Int, maxSeats: Int?, pricePerSeat: Int) {
            self.minSeats = minSeats
            self.maxSeats = maxSeats
            self.pricePerSeat = pricePerSeat
        }
    }

    public var type: TierType
    public var tiers: [Tier]

    /// The largest seat count Tessera accepts anywhere; keeps every seat count and amount far
    /// from integer overflow.
    public static let maximumSeatCount = 1_000_000
    /// The largest price per seat, in cents.
    public static let maximumPricePerSeat = 100_000_000

    public init(type: TierType, tiers: [Tier]) {
        self.type = type
        self.tiers = tiers
    }

    public var minimumSeats: Int { tiers.first?.minSeats ?? 1 }
    /// nil when the last tier is unbounded.
    public var maximumSeats: Int? { tiers.last?.maxSeats }

    /// Returns the problem with these tiers, or nil when they are valid.
    public var problem: String? {
        guard !tiers.isEmpty else { return "At least one tier is required." }
        var expectedMin: Int?
        for (index, tier) in tiers.enumerated() {
            if tier.minSeats < 1 { return "Tier \(index + 1): min_seats must be at least 1." }
            if tier.minSeats > Self.maximumSeatCount || (tier.maxSeats ?? 0) > Self.maximumSeatCount {
                return "Tier \(index + 1): seat counts must be at most \(Self.maximumSeatCount)."
            }
            if tier.pricePerSeat < 0 || tier.pricePerSeat > Self.maximumPricePerSeat {
                return "Tier \(index + 1): price_per_seat must be between 0 and \(Self.maximumPricePerSeat) cents."
            }
            if let max = tier.maxSeats, max < tier.minSeats {
                return "Tier \(index + 1): max_seats must be greater than or equal to min_seats."
            }
            if let expectedMin, tier.minSeats != expectedMin {
                return "Tiers must be contiguous: tier \(index + 1) must start at \(expectedMin) seats."
            }
            if tier.maxSeats == nil && index != tiers.count - 1 {
                return "Only the last tier may have no max_seats."
            }
            expectedMin = tier.maxSeats.map { $0 + 1 }
        }
        return nil
    }

    /// Throws the Polar error for a seat count outside the tiers.
    public func check(_ seats: Int) throws(TesseraError) {
        if seats < minimumSeats { throw TesseraError.belowMinimumSeats(minimum: minimumSeats) }
        if let maximumSeats, seats > maximumSeats { throw TesseraError.aboveMaximumSeats(maximum: maximumSeats) }
    }
}
