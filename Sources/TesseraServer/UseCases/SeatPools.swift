import Foundation
import TesseraCore
import TesseraStore

// Seat pools: subscriptions (`SubscriptionOperations`) and one-time orders (`OrderOperations`),
// for the merchant API and the portal API. Each write is one transaction that locks the pool row
// first, applies Core's rules, writes and sends its webhooks.

/// A subscription with the customer and product its merchant answers and events embed.
struct SubscriptionDetails: Sendable {
    var subscription: Subscription
    var customer: Customer
    var product: Product
    /// The product's benefits: Polar's subscription embeds the whole product, benefits included.
    var productBenefits: [Benefit]
}

/// A subscription as the portal shows it to its customer: with its product, and the
/// organization that product belongs to.
struct CustomerSubscriptionDetails: Sendable {
    var subscription: Subscription
    var product: Product
    var organization: Organization
}

/// An order with the customer and product its answers and events embed.
struct OrderDetails: Sendable {
    var order: Order
    var customer: Customer
    var product: Product
}

/// A validated request for a new subscription or order.
struct NewPool: Sendable {
    var productId: UUID
    var customer: CustomerReference
    var seats: Int?
    var metadata: [String: JSONValue]
}

/// Which pools a list shows: those of a customer, of a product, or all of them.
struct PoolFilter: Sendable {
    var customerId: UUID?
    var productId: UUID?
}

// MARK: - Subscriptions

/// Subscriptions for the merchant (create, read, resize, cancel at the period end, revoke)
/// and for the portal (resize one's own, list those one holds a seat in).
struct SubscriptionOperations: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    /// Starts a subscription of a recurring product; sends `subscription.created`.
    func create(_ new: NewPool, organizationId: UUID) async throws -> SubscriptionDetails {
        let now = now()
        return try await database.transaction { tx in
            let resolved = try await ResolvedPool(new, tx: tx, organizationId: organizationId)
            guard let interval = resolved.product.recurringInterval else {
                throw ValidationFailure([.valueError([.key("body"), .key("product_id")],
                                                     "A subscription needs a recurring product; use an order for a one-time product",
                                                     input: JSONValue(resolved.product.id))])
            }
            let subscription = Subscription(
                id: UUID.timeOrdered(), organizationId: organizationId, customerId: resolved.customer.id,
                productId: resolved.product.id, seats: resolved.seats, amount: resolved.amount,
                currency: resolved.currency, recurringInterval: interval, metadata: new.metadata, startingAt: now)
            try await tx.subscriptions.insert(subscription)
            let details = SubscriptionDetails(
                subscription: subscription, customer: resolved.customer, product: resolved.product,
                productBenefits: try await tx.benefits.benefits(ofProducts: [resolved.product.id])[resolved.product.id] ?? [])
            try await WebhookEvents(tx: tx).emit(.subscriptionCreated, data: Wire.subscription(details),
                                       organizationId: organizationId, at: now)
            return details
        }
    }

    /// A page of the organization's subscriptions, oldest first, with three lookups for the
    /// whole page (customers, products, their benefits); a page holds at most 100.
    func list(organizationId: UUID, filter: PoolFilter, page: PageRequest) async throws -> Page<SubscriptionDetails> {
        try await database.read { session in
            let found = try await session.subscriptions.list(
                organizationId: organizationId, customerId: filter.customerId, productId: filter.productId, page: page)
            let embeds = try await PoolEmbeds(found.items.map { ($0.customerId, $0.productId) },
                                              organizationId: organizationId, withBenefits: true, session)
            return Page(items: try found.items.map { try embeds.details(of: $0) }, totalCount: found.totalCount)
        }
    }

    func get(id: UUID, organizationId: UUID) async throws -> SubscriptionDetails {
        try await database.read { session in
            guard let subscription = try await session.subscriptions.find(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.subscription)
            }
            return try await Self.details(of: subscription, session)
        }
    }

    /// Resizes a subscription's seat pool for the merchant (see `resize`).
    func changeSeats(subscriptionId: UUID, to seats: Int, organizationId: UUID) async throws -> SubscriptionDetails {
        let now = now()
        return try await database.transaction { tx in
            // A resize changes no seat, so it records no seat history and names no actor.
            try await Self.resize(subscriptionId, to: seats, scope: .merchant(organizationId, actor: .system), tx: tx, now: now)
        }
    }

    /// Resizes the portal caller's own subscription, with the merchant's checks (see `resize`).
    func changeSeats(subscriptionId: UUID, to seats: Int, caller: PortalCaller) async throws
        -> CustomerSubscriptionDetails
    {
        let now = now()
        return try await database.transaction { tx in
            let changed = try await Self.resize(subscriptionId, to: seats, scope: caller.scope, tx: tx, now: now)
            return CustomerSubscriptionDetails(
                subscription: changed.subscription, product: changed.product,
                organization: try await tx.organizations.require(id: caller.organizationId))
        }
    }

    /// Schedules or takes back the cancellation at the period end. Scheduling sends
    /// `subscription.updated` and `subscription.canceled`, taking back only the first; no change
    /// sends nothing.
    func setCancelAtPeriodEnd(_ cancel: Bool, subscriptionId: UUID, organizationId: UUID) async throws
        -> SubscriptionDetails
    {
        let now = now()
        return try await database.transaction { tx in
            guard var subscription = try await tx.subscriptions.findForUpdate(id: subscriptionId,
                                                                              organizationId: organizationId) else {
                throw TesseraError.notFound(.subscription)
            }
            let change = try subscription.setCancelAtPeriodEnd(cancel, at: now)
            if change != nil { try await tx.subscriptions.update(subscription) }
            let details = try await Self.details(of: subscription, tx)
            let events: [WebhookEventType] = switch change {
            case .scheduled: [.subscriptionUpdated, .subscriptionCanceled]
            case .withdrawn: [.subscriptionUpdated]
            case nil: []
            }
            for event in events {
                try await WebhookEvents(tx: tx).emit(event, data: Wire.subscription(details), organizationId: organizationId, at: now)
            }
            return details
        }
    }

    /// Revokes the subscription now: it ends, and every active seat is revoked (each with its
    /// `customer_seat.revoked`); then `subscription.updated` and `subscription.revoked`.
    func revoke(subscriptionId: UUID, organizationId: UUID, actor: SeatActor) async throws -> SubscriptionDetails {
        let now = now()
        return try await database.transaction { tx in
            guard var subscription = try await tx.subscriptions.findForUpdate(id: subscriptionId,
                                                                              organizationId: organizationId) else {
                throw TesseraError.notFound(.subscription)
            }
            // Refuses a canceled subscription before any seat is touched.
            try subscription.revoke(at: now)
            try await SeatRevocation(tx: tx, now: now, actor: actor)
                .revoke(try await tx.seats.activeSeats(in: .subscription(subscriptionId)))
            try await tx.subscriptions.update(subscription)
            let details = try await Self.details(of: subscription, tx)
            for event in [WebhookEventType.subscriptionUpdated, .subscriptionRevoked] {
                try await WebhookEvents(tx: tx).emit(event, data: Wire.subscription(details), organizationId: organizationId, at: now)
            }
            return details
        }
    }

    /// The subscriptions in which the portal caller (its member, or for a customer session the
    /// customer) holds a claimed seat, oldest first, one page of them.
    func withClaimedSeat(caller: PortalCaller, page: PageRequest) async throws -> Page<CustomerSubscriptionDetails> {
        try await database.read { session in
            let ids = try await session.seats.subscriptionIdsWithClaimedSeat(
                memberId: caller.memberId, customerId: caller.memberId == nil ? caller.customerId : nil)
            let subscriptions = try await session.subscriptions.find(ids: ids, organizationId: caller.organizationId)
            let slice = subscriptions.dropFirst((page.page - 1) * page.limit).prefix(page.limit)
            // Every item shares the organization, and products are loaded once for the page.
            let organization = try await session.organizations.require(id: caller.organizationId)
            let products = try await session.products.find(ids: Set(slice.map(\.productId)),
                                                           organizationId: caller.organizationId)
            let items = try slice.map { subscription in
                guard let product = products[subscription.productId] else { throw TesseraError.notFound(.product) }
                return CustomerSubscriptionDetails(subscription: subscription, product: product, organization: organization)
            }
            return Page(items: items, totalCount: subscriptions.count)
        }
    }

    // MARK: Shared steps

    /// Resizes a subscription's seat pool inside the caller's transaction, for the merchant or
    /// in the customer portal.
    ///
    /// The subscription row is locked first, as an assignment locks it, so a resize and an
    /// assignment never interleave; then Polar's checks run in Polar's order (see
    /// `Subscription.validateSeatChange`). A changed count sends `subscription.updated`.
    /// A subscription of another customer than the portal caller's is not found.
    private static func resize(_ id: UUID, to seats: Int, scope: SeatOperations.Scope, tx: SQLSession, now: Date)
        async throws -> SubscriptionDetails
    {
        guard var subscription = try await tx.subscriptions.findForUpdate(id: id, organizationId: scope.organizationId),
              scope.customerId.map({ $0 == subscription.customerId }) ?? true else {
            throw TesseraError.notFound(.subscription)
        }
        let product = try await tx.products.require(id: subscription.productId, organizationId: scope.organizationId)
        let changed = try subscription.changeSeats(to: seats, product: product, at: now)
        if changed { try await tx.subscriptions.update(subscription) }
        let details = SubscriptionDetails(
            subscription: subscription, customer: try await tx.customers.findIncludingDeleted(id: subscription.customerId),
            product: product, productBenefits: try await tx.benefits.benefits(ofProducts: [product.id])[product.id] ?? [])
        if changed {
            try await WebhookEvents(tx: tx).emit(.subscriptionUpdated, data: Wire.subscription(details),
                                       organizationId: scope.organizationId, at: now)
        }
        return details
    }

    /// Loads what a merchant answer embeds: the customer (even a deleted one) and the product.
    static func details(of subscription: Subscription, _ session: SQLSession) async throws -> SubscriptionDetails {
        try await PoolEmbeds([(subscription.customerId, subscription.productId)],
                             organizationId: subscription.organizationId, withBenefits: true, session)
            .details(of: subscription)
    }
}

// MARK: - Orders

/// One-time orders for the merchant: place, read, mark paid.
struct OrderOperations: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    /// Places an order, paid or pending; sends `order.created`, and `order.paid` for a paid one.
    func create(_ new: NewPool, status: Order.Status, organizationId: UUID) async throws -> OrderDetails {
        let now = now()
        return try await database.transaction { tx in
            let resolved = try await ResolvedPool(new, tx: tx, organizationId: organizationId)
            let order = Order(
                id: UUID.timeOrdered(), organizationId: organizationId, customerId: resolved.customer.id,
                productId: resolved.product.id, seats: resolved.seats, activeSeats: 0, status: status,
                amount: resolved.amount, currency: resolved.currency, metadata: new.metadata, createdAt: now,
                modifiedAt: nil)
            try await tx.orders.insert(order)
            let details = OrderDetails(order: order, customer: resolved.customer, product: resolved.product)
            for event in order.status == .paid ? [WebhookEventType.orderCreated, .orderPaid] : [.orderCreated] {
                try await WebhookEvents(tx: tx).emit(event, data: Wire.order(details), organizationId: organizationId, at: now)
            }
            return details
        }
    }

    /// A page of the organization's orders, oldest first, each with its customer and product.
    func list(organizationId: UUID, filter: PoolFilter, page: PageRequest) async throws -> Page<OrderDetails> {
        try await database.read { session in
            let found = try await session.orders.list(
                organizationId: organizationId, customerId: filter.customerId, productId: filter.productId, page: page)
            let embeds = try await PoolEmbeds(found.items.map { ($0.customerId, $0.productId) },
                                              organizationId: organizationId, withBenefits: false, session)
            return Page(items: try found.items.map { try embeds.details(of: $0) }, totalCount: found.totalCount)
        }
    }

    func get(id: UUID, organizationId: UUID) async throws -> OrderDetails {
        try await database.read { session in
            guard let order = try await session.orders.find(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.order)
            }
            return try await Self.details(of: order, session)
        }
    }

    /// Changes an order's status and metadata (`Order.update`): marking a pending order paid
    /// is the change that matters, and sends `order.paid`.
    func update(id: UUID, status: Order.Status?, metadata: [String: JSONValue]?, organizationId: UUID) async throws
        -> OrderDetails
    {
        let now = now()
        return try await database.transaction { tx in
            guard var order = try await tx.orders.find(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.order)
            }
            let becamePaid = try order.update(status: status, metadata: metadata, at: now)
            try await tx.orders.update(order)
            let details = try await Self.details(of: order, tx)
            if becamePaid {
                try await WebhookEvents(tx: tx).emit(.orderPaid, data: Wire.order(details), organizationId: organizationId, at: now)
            }
            return details
        }
    }

    /// Loads what an answer embeds: the customer (even a deleted one) and the product.
    static func details(of order: Order, _ session: SQLSession) async throws -> OrderDetails {
        try await PoolEmbeds([(order.customerId, order.productId)], organizationId: order.organizationId,
                             withBenefits: false, session)
            .details(of: order)
    }
}

// MARK: - Shared

/// The customers and products that pools embed in their answers and events, each loaded once
/// for a whole page: two queries however many pools, and a third for the products' benefits
/// (which a subscription embeds and an order does not).
private struct PoolEmbeds {
    let customers: [UUID: Customer]
    let products: [UUID: Product]
    let benefits: [UUID: [Benefit]]

    /// Loads the billing customers (deleted ones too: a pool keeps its customer) and products
    /// of pools given as (customer id, product id), and the products' benefits `withBenefits`.
    init(_ pools: [(customerId: UUID, productId: UUID)], organizationId: UUID, withBenefits: Bool,
         _ session: SQLSession) async throws {
        customers = try await session.customers.findIncludingDeleted(ids: Set(pools.map(\.customerId)))
        products = try await session.products.find(ids: Set(pools.map(\.productId)), organizationId: organizationId)
        benefits = withBenefits ? try await session.benefits.benefits(ofProducts: Set(pools.map(\.productId))) : [:]
    }

    func details(of subscription: Subscription) throws -> SubscriptionDetails {
        SubscriptionDetails(subscription: subscription, customer: try customer(subscription.customerId),
                            product: try product(subscription.productId),
                            productBenefits: benefits[subscription.productId] ?? [])
    }

    func details(of order: Order) throws -> OrderDetails {
        OrderDetails(order: order, customer: try customer(order.customerId), product: try product(order.productId))
    }

    private func customer(_ id: UUID) throws -> Customer {
        guard let customer = customers[id] else { throw DatabaseError.unexpected("customer \(id.wire) is missing") }
        return customer
    }

    private func product(_ id: UUID) throws -> Product {
        guard let product = products[id] else { throw TesseraError.notFound(.product) }
        return product
    }
}

/// A new pool's customer and product, looked up, with its seat count checked against the
/// product's tiers and its price worked out.
private struct ResolvedPool {
    var customer: Customer
    var product: Product
    var seats: Int?
    var amount: Int
    var currency: String

    /// Looks up the customer (a 422 when unknown) and the product (404), and checks the seat
    /// count against the product's tiers (a 422 on `seats` when it does not fit).
    init(_ new: NewPool, tx: SQLSession, organizationId: UUID) async throws {
        customer = try await new.customer.require(tx, organizationId: organizationId)
        product = try await tx.products.require(id: new.productId, organizationId: organizationId)
        do {
            seats = try product.validateSeatCount(new.seats)
        } catch {
            throw ValidationFailure([.valueError([.key("body"), .key("seats")], error.message, input: JSONValue(new.seats))])
        }
        (amount, currency) = product.amount(forSeats: seats)
    }
}

extension CustomerReference {
    /// The customer named in a request body (a new pool, a portal session); a 422 on the field
    /// that named it when there is none in the organization.
    func require(_ session: SQLSession, organizationId: UUID) async throws -> Customer {
        let found: Customer?
        switch self {
        case .id(let id): found = try await session.customers.find(id: id, organizationId: organizationId)
        case .externalId(let externalId):
            found = try await session.customers.find(externalId: externalId, organizationId: organizationId)
        }
        guard let found else {
            let (key, input): (String, JSONValue) = switch self {
            case .id(let id): ("customer_id", .string(id.wire))
            case .externalId(let externalId): ("external_customer_id", .string(externalId))
            }
            throw ValidationFailure([.valueError([.key("body"), .key(key)], "Customer does not exist.", input: input)])
        }
        return found
    }
}
