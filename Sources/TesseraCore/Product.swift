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
