import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/subscriptions` and `/v1/orders`: the seat pools.
struct PoolController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func register(on merchant: MerchantRoutes) {
        merchant.add(.post, "/subscriptions", anyOf: .subscriptionsWrite, use: createSubscription)
        merchant.add(.get, "/subscriptions", anyOf: .subscriptionsRead, use: listSubscriptions)
        merchant.add(.get, "/subscriptions/:id", anyOf: .subscriptionsRead, use: getSubscription)
        merchant.add(.patch, "/subscriptions/:id", anyOf: .subscriptionsWrite, use: updateSubscription)
        merchant.add(.delete, "/subscriptions/:id", anyOf: .subscriptionsWrite, use: revokeSubscription)
        merchant.add(.post, "/orders", anyOf: .ordersWrite, use: createOrder)
        merchant.add(.get, "/orders", anyOf: .ordersRead, use: listOrders)
        merchant.add(.get, "/orders/:id", anyOf: .ordersRead, use: getOrder)
        merchant.add(.patch, "/orders/:id", anyOf: .ordersWrite, use: updateOrder)
    }

    // MARK: Subscriptions

    @Sendable func createSubscription(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        var body = try await BodyFields.read(request)
        let fields = NewPoolFields(&body)
        try body.validate()
        let now = now()
        let (subscription, customer, product) = try await database.transaction { tx in
            let new = try await fields.resolve(tx, organizationId: organizationId)
            guard let interval = new.product.recurringInterval else {
                throw ValidationFailure([.valueError([.key("body"), .key("product_id")],
                                                     "A subscription needs a recurring product; use an order for a one-time product",
                                                     input: JSONValue(new.product.id))])
            }
            let subscription = Subscription(
                id: UUID(), organizationId: organizationId, customerId: new.customer.id, productId: new.product.id,
                seats: new.seats, activeSeats: 0, status: .active, amount: new.amount, currency: new.currency,
                recurringInterval: interval, cancelAtPeriodEnd: false, canceledAt: nil, startedAt: now, endedAt: nil,
                currentPeriodStart: now, currentPeriodEnd: Self.periodEnd(from: now, interval: interval),
                metadata: fields.metadata ?? [:], createdAt: now, modifiedAt: nil)
            try await tx.subscriptions.insert(subscription)
            try await tx.webhooks.emit(.subscriptionCreated,
                                       data: Wire.subscription(subscription, customer: new.customer, product: new.product),
                                       organizationId: organizationId, at: now)
            return (subscription, new.customer, new.product)
        }
        return .json(Wire.subscription(subscription, customer: customer, product: product), status: .created)
    }

    @Sendable func listSubscriptions(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let filter = try PoolListFilter(request)
        return .json(try await database.withConnection { session in
            let result = try await session.subscriptions.list(
                organizationId: organizationId, customerId: filter.customerId, productId: filter.productId, page: filter.page)
            return try await session.wireList(result, page: filter.page, item: session.wireSubscription)
        })
    }

    @Sendable func getSubscription(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        return .json(try await database.withConnection { session in
            guard let subscription = try await session.subscriptions.find(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.subscription)
            }
            return try await session.wireSubscription(subscription)
        })
    }

    /// Changes the seat count (Polar's checks, in Polar's order) or `cancel_at_period_end`.
    @Sendable func updateSubscription(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let seats = body.int("seats", minimum: 1, maximum: SeatTiers.maximumSeatCount)
        _ = body.choice("proration_behavior", ProrationBehavior.self)
        let cancelAtPeriodEnd = body.bool("cancel_at_period_end")
        if seats == nil && cancelAtPeriodEnd == nil && body.issues.isEmpty {
            body.appendIssue(.valueError([.key("body")], "Provide seats or cancel_at_period_end", input: body.whole))
        }
        try body.validate()
        let now = now()
        return .json(try await database.transaction { tx in
            if let seats {
                let changed = try await tx.changeSeats(subscriptionId: id, to: seats, scope: .merchant(organizationId), now: now)
                return try await tx.wireSubscription(changed)
            }
            guard var subscription = try await tx.subscriptions.findForUpdate(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.subscription)
            }
            if subscription.status == .canceled { throw TesseraError.alreadyCanceledSubscription }
            var events: [WebhookEventType] = []
            if let cancelAtPeriodEnd, cancelAtPeriodEnd != subscription.cancelAtPeriodEnd {
                events = cancelAtPeriodEnd ? [.subscriptionUpdated, .subscriptionCanceled] : [.subscriptionUpdated]
                subscription.cancelAtPeriodEnd = cancelAtPeriodEnd
                subscription.canceledAt = cancelAtPeriodEnd ? now : nil
                subscription.modifiedAt = now
                try await tx.subscriptions.update(subscription)
            }
            let wire = try await tx.wireSubscription(subscription)
            for event in events { try await tx.webhooks.emit(event, data: wire, organizationId: organizationId, at: now) }
            return wire
        })
    }

    /// Revokes the subscription now: it ends, and every active seat is revoked.
    @Sendable func revokeSubscription(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        let now = now()
        return .json(try await database.transaction { tx in
            guard var subscription = try await tx.subscriptions.findForUpdate(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.subscription)
            }
            if subscription.status == .canceled { throw TesseraError.alreadyCanceledSubscription }
            try await SeatRevocation(tx: tx, now: now).revoke(try await tx.seats.activeSeats(in: .subscription(id)))
            subscription.status = .canceled
            subscription.canceledAt = subscription.canceledAt ?? now
            subscription.endedAt = now
            subscription.modifiedAt = now
            try await tx.subscriptions.update(subscription)
            subscription.activeSeats = 0
            let wire = try await tx.wireSubscription(subscription)
            for event in [WebhookEventType.subscriptionUpdated, .subscriptionRevoked] {
                try await tx.webhooks.emit(event, data: wire, organizationId: organizationId, at: now)
            }
            return wire
        })
    }

    // MARK: Orders

    @Sendable func createOrder(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        var body = try await BodyFields.read(request)
        let fields = NewPoolFields(&body)
        let status = body.choice("status", Order.Status.self) ?? .paid
        try body.validate()
        let now = now()
        let (order, customer, product) = try await database.transaction { tx in
            let new = try await fields.resolve(tx, organizationId: organizationId)
            let order = Order(
                id: UUID(), organizationId: organizationId, customerId: new.customer.id, productId: new.product.id,
                seats: new.seats, activeSeats: 0, status: status, amount: new.amount, currency: new.currency,
                metadata: fields.metadata ?? [:], createdAt: now, modifiedAt: nil)
            try await tx.orders.insert(order)
            let wire = Wire.order(order, customer: new.customer, product: new.product)
            for event in order.status == .paid ? [WebhookEventType.orderCreated, .orderPaid] : [.orderCreated] {
                try await tx.webhooks.emit(event, data: wire, organizationId: organizationId, at: now)
            }
            return (order, new.customer, new.product)
        }
        return .json(Wire.order(order, customer: customer, product: product), status: .created)
    }

    @Sendable func listOrders(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let filter = try PoolListFilter(request)
        return .json(try await database.withConnection { session in
            let result = try await session.orders.list(
                organizationId: organizationId, customerId: filter.customerId, productId: filter.productId, page: filter.page)
            return try await session.wireList(result, page: filter.page, item: session.wireOrder)
        })
    }

    @Sendable func getOrder(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        return .json(try await database.withConnection { session in
            guard let order = try await session.orders.find(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.order)
            }
            return try await session.wireOrder(order)
        })
    }

    /// Marks a pending order paid (the only change Tessera accepts).
    @Sendable func updateOrder(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let status = body.choice("status", Order.Status.self)
        let metadata = body.metadata()
        try body.validate()
        let now = now()
        return .json(try await database.transaction { tx in
            guard var order = try await tx.orders.find(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.order)
            }
            let becomesPaid = order.status == .pending && status == .paid
            if let status {
                if order.status == .paid && status == .pending {
                    throw TesseraError.paidOrderCannotBecomePending
                }
                order.status = status
            }
            if let metadata { order.metadata = metadata }
            order.modifiedAt = now
            try await tx.orders.update(order)
            let wire = try await tx.wireOrder(order)
            if becomesPaid { try await tx.webhooks.emit(.orderPaid, data: wire, organizationId: organizationId, at: now) }
            return wire
        })
    }

    // MARK: Shared

    enum ProrationBehavior: String, CaseIterable {
        case invoice, prorate, none
    }

    static func periodEnd(from start: Date, interval: Product.RecurringInterval) -> Date {
        let component: Calendar.Component
        switch interval {
        case .day: component = .day
        case .week: component = .weekOfYear
        case .month: component = .month
        case .year: component = .year
        }
        return Calendar.current.date(byAdding: component, value: 1, to: start) ?? start.addingTimeInterval(30 * 86_400)
    }
}

/// The fields shared by a new subscription and a new order.
struct NewPoolFields: Sendable {
    var productId: UUID?
    var customerId: UUID?
    var externalCustomerId: String?
    var seats: Int?
    var metadata: [String: JSONValue]?

    init(_ body: inout BodyFields) {
        productId = body.requiredUUID("product_id")
        customerId = body.uuid("customer_id")
        externalCustomerId = body.string("external_customer_id")
        seats = body.int("seats", minimum: 1, maximum: SeatTiers.maximumSeatCount)
        metadata = body.metadata()
        if (customerId == nil) == (externalCustomerId == nil) {
            body.appendIssue(.valueError([.key("body")], "Exactly one of customer_id or external_customer_id must be provided",
                                         input: body.whole))
        }
    }

    struct Resolved {
        var customer: Customer
        var product: Product
        var seats: Int?
        var amount: Int
        var currency: String
    }

    /// Looks up the customer and product and checks the seat count against the product's tiers
    /// (a 422 on `seats` when it does not fit).
    func resolve(_ tx: SQLSession, organizationId: UUID) async throws -> Resolved {
        let customer = try await tx.requirePoolCustomer(customerId, externalId: externalCustomerId,
                                                        organizationId: organizationId)
        let product = try await tx.products.require(id: productId ?? UUID(), organizationId: organizationId)
        let poolSeats: Int?
        do {
            poolSeats = try product.validateSeatCount(seats)
        } catch {
            throw ValidationFailure([.valueError([.key("body"), .key("seats")], error.message, input: JSONValue(seats))])
        }
        let (amount, currency) = product.amount(forSeats: poolSeats)
        return Resolved(customer: customer, product: product, seats: poolSeats, amount: amount, currency: currency)
    }
}

/// `customer_id`, `product_id`, `page` and `limit` of a pool list.
struct PoolListFilter {
    var customerId: UUID?
    var productId: UUID?
    var page: PageRequest

    init(_ request: Request) throws {
        var query = QueryFields(request)
        customerId = query.uuid("customer_id")
        productId = query.uuid("product_id")
        page = query.page()
        try query.validate()
    }
}

extension SQLSession {
    /// The billing customer of a new pool, by id or external id; 422 when unknown.
    func requirePoolCustomer(_ id: UUID?, externalId: String?, organizationId: UUID) async throws -> Customer {
        let customer: Customer?
        if let id {
            customer = try await customers.find(id: id, organizationId: organizationId)
        } else {
            customer = try await customers.find(externalId: externalId ?? "", organizationId: organizationId)
        }
        guard let customer else {
            let key = id == nil ? "external_customer_id" : "customer_id"
            throw ValidationFailure([.valueError([.key("body"), .key(key)], "Customer does not exist.",
                                                 input: id.map { .string($0.wire) } ?? JSONValue(externalId))])
        }
        return customer
    }

    /// A subscription with its customer and product embedded, as Polar returns it.
    func wireSubscription(_ subscription: Subscription) async throws -> JSONValue {
        let customer = try await customers.findIncludingDeleted(id: subscription.customerId)
        let product = try await products.require(id: subscription.productId, organizationId: subscription.organizationId)
        return Wire.subscription(subscription, customer: customer, product: product)
    }

    /// A subscription as the customer portal shows it to its customer (Polar's `CustomerSubscription`).
    /// The caller loads the organization once, since every item of a portal list shares it.
    func wireCustomerSubscription(_ subscription: Subscription, organization: Organization) async throws -> JSONValue {
        let product = try await products.require(id: subscription.productId, organizationId: subscription.organizationId)
        return Wire.customerSubscription(subscription, product: product, organization: organization)
    }

    func wireOrder(_ order: Order) async throws -> JSONValue {
        let customer = try await customers.findIncludingDeleted(id: order.customerId)
        let product = try await products.require(id: order.productId, organizationId: order.organizationId)
        return Wire.order(order, customer: customer, product: product)
    }

    /// A page of pools in Polar's list shape. Each item costs two lookups (its customer and
    /// product); a page holds at most 100.
    func wireList<Item>(_ page: Page<Item>, page request: PageRequest, item: (Item) async throws -> JSONValue)
        async throws -> JSONValue
    {
        var items: [JSONValue] = []
        for element in page.items { items.append(try await item(element)) }
        return Wire.list(Page(items: items, totalCount: page.totalCount), request: request, item: { $0 })
    }
}
