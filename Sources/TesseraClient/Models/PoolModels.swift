import Foundation

/// A seat pool that renews: `seats` seats of a recurring product for a customer.
public struct Subscription: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    /// In cents, per period.
    public var amount: Int
    public var currency: String
    public var recurringInterval: RecurringInterval
    public var status: SubscriptionStatus
    public var currentPeriodStart: Date
    public var currentPeriodEnd: Date?
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Date?
    public var startedAt: Date?
    public var endsAt: Date?
    public var endedAt: Date?
    public var customerId: String
    public var productId: String
    /// The pool's size (nil for a product without seats).
    public var seats: Int?
    public var metadata: Metadata
    public var customer: Customer?
    public var product: Product?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case amount, currency
        case recurringInterval = "recurring_interval"
        case status
        case currentPeriodStart = "current_period_start"
        case currentPeriodEnd = "current_period_end"
        case cancelAtPeriodEnd = "cancel_at_period_end"
        case canceledAt = "canceled_at"
        case startedAt = "started_at"
        case endsAt = "ends_at"
        case endedAt = "ended_at"
        case customerId = "customer_id"
        case productId = "product_id"
        case seats, metadata, customer, product
    }
}

/// The body of ``Subscriptions/create(_:idempotencyKey:retries:)``: a product, and the customer by id or
/// external id (exactly one).
public struct SubscriptionCreate: Codable, Sendable, Hashable {
    public var productId: String
    public var customerId: String?
    public var externalCustomerId: String?
    /// The pool's size; the product's seat tiers bound it.
    public var seats: Int?
    public var metadata: Metadata?

    enum CodingKeys: String, CodingKey {
        case productId = "product_id"
        case customerId = "customer_id"
        case externalCustomerId = "external_customer_id"
        case seats, metadata
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(productId: String, customerId: String? = nil, externalCustomerId: String? = nil, seats: Int? = nil,
                metadata: Metadata? = nil) {
        self.productId = productId
        self.customerId = customerId
        self.externalCustomerId = externalCustomerId
        self.seats = seats
        self.metadata = metadata
    }
}

/// `PATCH /v1/subscriptions/{id}` with a new seat count.
struct SubscriptionUpdateSeats: Codable, Sendable, Hashable {
    var seats: Int
    var prorationBehavior: ProrationBehavior?

    enum CodingKeys: String, CodingKey {
        case seats
        case prorationBehavior = "proration_behavior"
    }
}

/// `PATCH /v1/subscriptions/{id}` setting or clearing cancellation at period end.
struct SubscriptionCancel: Codable, Sendable, Hashable {
    var cancelAtPeriodEnd: Bool

    enum CodingKeys: String, CodingKey {
        case cancelAtPeriodEnd = "cancel_at_period_end"
    }
}

/// A one-time seat pool: `seats` seats of a product, bought once.
public struct Order: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    public var status: OrderStatus
    public var paid: Bool
    /// In cents.
    public var totalAmount: Int
    public var currency: String
    /// The pool's size (nil for a product without seats).
    public var seats: Int?
    public var customerId: String
    public var productId: String?
    public var subscriptionId: String?
    public var metadata: Metadata
    public var customer: Customer?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case status, paid
        case totalAmount = "total_amount"
        case currency, seats
        case customerId = "customer_id"
        case productId = "product_id"
        case subscriptionId = "subscription_id"
        case metadata, customer
    }
}

/// The body of ``Orders/create(_:idempotencyKey:retries:)`` (Tessera records orders it did not bill).
public struct OrderCreate: Codable, Sendable, Hashable {
    public var productId: String
    public var customerId: String?
    public var externalCustomerId: String?
    public var seats: Int?
    /// `paid` when not given; a `pending` order's seats cannot be assigned until it is paid.
    public var status: OrderStatus?
    public var metadata: Metadata?

    enum CodingKeys: String, CodingKey {
        case productId = "product_id"
        case customerId = "customer_id"
        case externalCustomerId = "external_customer_id"
        case seats, status, metadata
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(productId: String, customerId: String? = nil, externalCustomerId: String? = nil, seats: Int? = nil,
                status: OrderStatus? = nil, metadata: Metadata? = nil) {
        self.productId = productId
        self.customerId = customerId
        self.externalCustomerId = externalCustomerId
        self.seats = seats
        self.status = status
        self.metadata = metadata
    }
}

/// `PATCH /v1/orders/{id}`.
struct OrderUpdate: Codable, Sendable, Hashable {
    var status: OrderStatus?
    var metadata: Metadata?
}
