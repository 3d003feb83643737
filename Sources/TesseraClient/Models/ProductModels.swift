import Foundation

/// Something a merchant sells. A seat-based price's tiers bound the size of its pools.
public struct Product: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    public var name: String
    public var description: String?
    /// How often it renews; nil for a one-time product (sold with orders).
    public var recurringInterval: RecurringInterval?
    public var isRecurring: Bool
    public var isArchived: Bool
    public var organizationId: String
    public var metadata: Metadata
    public var prices: [ProductPrice]
    /// What the product grants to the holders of its seats, in the merchant's order.
    public var benefits: [Benefit]

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case name, description
        case recurringInterval = "recurring_interval"
        case isRecurring = "is_recurring"
        case isArchived = "is_archived"
        case organizationId = "organization_id"
        case metadata, prices, benefits
    }
}

/// One price of a product.
public struct ProductPrice: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date?
    public var amountType: AmountType
    /// Lower-case ISO 4217 code, such as `usd`.
    public var priceCurrency: String?
    /// In cents, for a fixed price.
    public var priceAmount: Int?
    /// For a seat-based price.
    public var seatTiers: SeatTiers?
    public var isArchived: Bool?
    public var productId: String?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case amountType = "amount_type"
        case priceCurrency = "price_currency"
        case priceAmount = "price_amount"
        case seatTiers = "seat_tiers"
        case isArchived = "is_archived"
        case productId = "product_id"
    }
}

/// The tiers of a seat-based price.
public struct SeatTiers: Codable, Sendable, Hashable {
    public var seatTierType: SeatTierType
    public var tiers: [SeatTier]
    /// The smallest pool the tiers allow (in responses).
    public var minimumSeats: Int?
    /// The largest pool the tiers allow, nil for no limit (in responses).
    public var maximumSeats: Int?

    enum CodingKeys: String, CodingKey {
        case seatTierType = "seat_tier_type"
        case tiers
        case minimumSeats = "minimum_seats"
        case maximumSeats = "maximum_seats"
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(seatTierType: SeatTierType = .volume, tiers: [SeatTier]) {
        self.seatTierType = seatTierType
        self.tiers = tiers
    }
}

/// One tier: a range of seat counts and the price of a seat in it.
public struct SeatTier: Codable, Sendable, Hashable {
    public var minSeats: Int
    /// nil: no upper bound.
    public var maxSeats: Int?
    /// In cents.
    public var pricePerSeat: Int

    enum CodingKeys: String, CodingKey {
        case minSeats = "min_seats"
        case maxSeats = "max_seats"
        case pricePerSeat = "price_per_seat"
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(minSeats: Int, maxSeats: Int? = nil, pricePerSeat: Int) {
        self.minSeats = minSeats
        self.maxSeats = maxSeats
        self.pricePerSeat = pricePerSeat
    }
}

/// A price in ``ProductCreate`` or ``ProductUpdate``; build one with ``seatBased(_:currency:)``,
/// ``fixed(amount:currency:)`` or ``free``.
public struct ProductPriceCreate: Codable, Sendable, Hashable {
    public var amountType: AmountType
    public var priceCurrency: String?
    public var priceAmount: Int?
    public var seatTiers: SeatTiers?

    enum CodingKeys: String, CodingKey {
        case amountType = "amount_type"
        case priceCurrency = "price_currency"
        case priceAmount = "price_amount"
        case seatTiers = "seat_tiers"
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(amountType: AmountType, priceCurrency: String? = nil, priceAmount: Int? = nil,
                seatTiers: SeatTiers? = nil) {
        self.amountType = amountType
        self.priceCurrency = priceCurrency
        self.priceAmount = priceAmount
        self.seatTiers = seatTiers
    }

    /// A price per seat, from tiers.
    public static func seatBased(_ tiers: SeatTiers, currency: String = "usd") -> ProductPriceCreate {
        ProductPriceCreate(amountType: .seatBased, priceCurrency: currency, seatTiers: tiers)
    }

    /// A fixed price in cents.
    public static func fixed(amount: Int, currency: String = "usd") -> ProductPriceCreate {
        ProductPriceCreate(amountType: .fixed, priceCurrency: currency, priceAmount: amount)
    }

    /// No charge.
    public static let free = ProductPriceCreate(amountType: .free)
}

/// The body of ``Products/create(_:idempotencyKey:retries:)``.
public struct ProductCreate: Codable, Sendable, Hashable {
    public var name: String
    public var description: String?
    /// Set for a product sold by subscription; nil for a one-time product.
    public var recurringInterval: RecurringInterval?
    public var prices: [ProductPriceCreate]
    public var metadata: Metadata?

    enum CodingKeys: String, CodingKey {
        case name, description
        case recurringInterval = "recurring_interval"
        case prices, metadata
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(name: String, description: String? = nil, recurringInterval: RecurringInterval? = nil,
                prices: [ProductPriceCreate], metadata: Metadata? = nil) {
        self.name = name
        self.description = description
        self.recurringInterval = recurringInterval
        self.prices = prices
        self.metadata = metadata
    }
}

/// The body of ``Products/update(id:_:retries:)``: only the fields that are set change.
public struct ProductUpdate: Codable, Sendable, Hashable {
    public var name: String?
    public var description: String?
    public var metadata: Metadata?
    public var isArchived: Bool?
    /// Replaces every price.
    public var prices: [ProductPriceCreate]?

    enum CodingKeys: String, CodingKey {
        case name, description, metadata
        case isArchived = "is_archived"
        case prices
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(name: String? = nil, description: String? = nil, metadata: Metadata? = nil, isArchived: Bool? = nil,
                prices: [ProductPriceCreate]? = nil) {
        self.name = name
        self.description = description
        self.metadata = metadata
        self.isArchived = isArchived
        self.prices = prices
    }
}
