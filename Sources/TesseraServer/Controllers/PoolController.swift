import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/subscriptions` and `/v1/orders`: the seat pools.
struct PoolController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func register(on routes: inout Routes) {
        routes.add(.post, "/v1/subscriptions", createSubscription)
        routes.add(.get, "/v1/subscriptions", listSubscriptions)
        routes.add(.get, "/v1/subscriptions/:id", getSubscription)
        routes.add(.patch, "/v1/subscriptions/:id", updateSubscription)
        routes.add(.delete, "/v1/subscriptions/:id", revokeSubscription)
        routes.add(.post, "/v1/orders", createOrder)
        routes.add(.get, "/v1/orders", listOrders)
        routes.add(.get, "/v1/orders/:id", getOrder)
        routes.add(.patch, "/v1/orders/:id", updateOrder)
    }

    // MARK: Subscriptions

    @Sendable func createSubscription(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let organizationId = try context.requireOrganization(anyOf: .subscriptionsWrite)
        var body = try await BodyFields.read(request)
        let productId = body.requiredUUID("product_id")
        let customerId = body.uuid("customer_id")
        let externalCustomerId = body.string("external_customer_id")
        let seats = body.int("seats", minimum: 1)
        let metadata = body.metadata()
        if (customerId == nil) == (externalCustomerId == nil) {
            body.appendIssue(.valueError([.key("body")], "Exactly one of customer_id or external_customer_id must be provided",
                                         input: body.whole))
        }
        try body.validate()
        let now = now()
        let (subscription, customer, product) = try await database.transaction { tx in
            let customer = try await tx.requirePoolCustomer(customerId, externalId: externalCustomerId,
                                                            organizationId: organizationId)
            let product = try await tx.requireProduct(productId ?? UUID(), organizationId: organizationId)
            guard let interval = product.recurringInterval else {
                throw ValidationFailure([.valueError([.key("body"), .key("product_id")],
                                                     "A subscription needs a recurring product; use an order for a one-time product",
                                                     input: JSONValue(productId))])
            }
            let poolSeats = try Self.validateSeats(seats, for: product)
            let (amount, currency) = product.amount(forSeats: poolSeats)
            let subscription = Subscription(
                id: UUID(), organizationId: organizationId, customerId: customer.id, productId: product.id,
                seats: poolSeats, activeSeats: 0, status: .active, amount: amount, currency: currency,
                recurringInterval: interval, cancelAtPeriodEnd: false, canceledAt: nil, startedAt: now, endedAt: nil,
                currentPeriodStart: now, currentPeriodEnd: Self.periodEnd(from: now, interval: interval),
                metadata: metadata ?? [:], createdAt: now, modifiedAt: nil)
            try await tx.subscriptions.insert(subscription)
            return (subscription, customer, product)
        }
        return .json(Wire.subscription(subscription, customer: customer, product: product), status: .created)
    }

    @Sendable func listSubscriptions(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let organizationId = try context.requireOrganization(anyOf: .subscriptionsRead)
        var query = QueryFields(request)
        let customerId = query.uuid("customer_id")
        let productId = query.uuid("product_id")
        let page = query.page()
        try query.validate()
        let (result, wire) = try await database.withConnection { session in
            let result = try await session.subscriptions.list(
                organizationId: organizationId, customerId: customerId, productId: productId, page: page)
            let wire = try await session.wireSubscriptions(result.items)
            return (result, wire)
        }
        return .json(Wire.list(Page(items: wire, totalCount: result.totalCount), request: page, item: { $0 }))
    }

    @Sendable func getSubscription(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let organizationId = try context.requireOrganization(anyOf: .subscriptionsRead)
        let id = try context.pathUUID("id")
        return .json(try await database.withConnection { session in
            guard let subscription = try await session.subscriptions.find(id: id, organizationId: organizationId) else {
                throw TesseraError.subscriptionNotFound
            }
            return try await session.wireSubscriptions([subscription])[0]
        })
    }

    /// Changes the seat count (Polar's checks, in Polar's order) or `cancel_at_period_end`.
    @Sendable func updateSubscription(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let organizationId = try context.requireOrganization(anyOf: .subscriptionsWrite)
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let seats = body.int("seats", minimum: 1)
        _ = body.choice("proration_behavior", ProrationBehavior.self)
        let cancelAtPeriodEnd = body.bool("cancel_at_period_end")
        if seats == nil && cancelAtPeriodEnd == nil && body.issues.isEmpty {
            body.appendIssue(.valueError([.key("body")], "Provide seats or cancel_at_period_end", input: body.whole))
        }
        try body.validate()
        let now = now()
        return .json(try await database.transaction { tx in
            guard var subscription = try await tx.subscriptions.findForUpdate(id: id, organizationId: organizationId) else {
                throw TesseraError.subscriptionNotFound
            }
            if let seats {
                let product = try await tx.requireProduct(subscription.productId, organizationId: organizationId)
                if try subscription.validateSeatChange(to: seats, tiers: product.seatTiers) {
                    subscription.seats = seats
                    subscription.amount = product.amount(forSeats: seats).amount
                    subscription.modifiedAt = now
                }
            } else if let cancelAtPeriodEnd {
                if subscription.status == .canceled { throw TesseraError.alreadyCanceledSubscription }
                subscription.cancelAtPeriodEnd = cancelAtPeriodEnd
                subscription.canceledAt = cancelAtPeriodEnd ? now : nil
                subscription.modifiedAt = now
            }
            try await tx.subscriptions.update(subscription)
            return try await tx.wireSubscriptions([subscription])[0]
        })
    }

    /// Revokes the subscription now: it ends, and every active seat is revoked.
    @Sendable func revokeSubscription(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let organizationId = try context.requireOrganization(anyOf: .subscriptionsWrite)
        let id = try context.pathUUID("id")
        let now = now()
        return .json(try await database.transaction { tx in
            guard var subscription = try await tx.subscriptions.findForUpdate(id: id, organizationId: organizationId) else {
                throw TesseraError.subscriptionNotFound
            }
            if subscription.status == .canceled { throw TesseraError.alreadyCanceledSubscription }
            try await tx.revokeSeats(try await tx.seats.activeSeats(in: .subscription(id)), now: now)
            subscription.status = .canceled
            subscription.canceledAt = subscription.canceledAt ?? now
            subscription.endedAt = now
            subscription.modifiedAt = now
            try await tx.subscriptions.update(subscription)
            subscription.activeSeats = 0
            return try await tx.wireSubscriptions([subscription])[0]
        })
    }

    // MARK: Orders

    @Sendable func createOrder(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let organizationId = try context.requireOrganization(anyOf: .ordersWrite)
        var body = try await BodyFields.read(request)
        let productId = body.requiredUUID("product_id")
        let customerId = body.uuid("customer_id")
        let externalCustomerId = body.string("external_customer_id")
        let seats = body.int("seats", minimum: 1)
        let status = body.choice("status", Order.Status.self) ?? .paid
        let metadata = body.metadata()
        if (customerId == nil) == (externalCustomerId == nil) {
            body.appendIssue(.valueError([.key("body")], "Exactly one of customer_id or external_customer_id must be provided",
                                         input: body.whole))
        }
        try body.validate()
        let now = now()
        let (order, customer, product) = try await database.transaction { tx in
            let customer = try await tx.requirePoolCustomer(customerId, externalId: externalCustomerId,
                                                            organizationId: organizationId)
            let product = try await tx.requireProduct(productId ?? UUID(), organizationId: organizationId)
            let poolSeats = try Self.validateSeats(seats, for: product)
            let (amount, currency) = product.amount(forSeats: poolSeats)
            let order = Order(
                id: UUID(), organizationId: organizationId, customerId: customer.id, productId: product.id,
                seats: poolSeats, activeSeats: 0, status: status, amount: amount, currency: currency,
                metadata: metadata ?? [:], createdAt: now, modifiedAt: nil)
            try await tx.orders.insert(order)
            return (order, customer, product)
        }
        return .json(Wire.order(order, customer: customer, product: product), status: .created)
    }

    @Sendable func listOrders(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let organizationId = try context.requireOrganization(anyOf: .ordersRead)
        var query = QueryFields(request)
        let customerId = query.uuid("customer_id")
        let productId = query.uuid("product_id")
        let page = query.page()
        try query.validate()
        let (result, wire) = try await database.withConnection { session in
            let result = try await session.orders.list(
                organizationId: organizationId, customerId: customerId, productId: productId, page: page)
            return (result, try await session.wireOrders(result.items))
        }
        return .json(Wire.list(Page(items: wire, totalCount: result.totalCount), request: page, item: { $0 }))
    }

    @Sendable func getOrder(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let organizationId = try context.requireOrganization(anyOf: .ordersRead)
        let id = try context.pathUUID("id")
        return .json(try await database.withConnection { session in
            guard let order = try await session.orders.find(id: id, organizationId: organizationId) else {
                throw TesseraError.orderNotFound
            }
            return try await session.wireOrders([order])[0]
        })
    }

    /// Marks a pending order paid (the only change Tessera accepts).
    @Sendable func updateOrder(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let organizationId = try context.requireOrganization(anyOf: .ordersWrite)
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let status = body.choice("status", Order.Status.self)
        let metadata = body.metadata()
        try body.validate()
        let now = now()
        return .json(try await database.transaction { tx in
            guard var order = try await tx.orders.find(id: id, organizationId: organizationId) else {
                throw TesseraError.orderNotFound
            }
            if let status {
                if order.status == .paid && status == .pending {
                    throw TesseraError.badRequest("A paid order cannot become pending again.")
                }
                order.status = status
            }
            if let metadata { order.metadata = metadata }
            order.modifiedAt = now
            try await tx.orders.update(order)
            return try await tx.wireOrders([order])[0]
        })
    }

    // MARK: Shared

    enum ProrationBehavior: String, CaseIterable {
        case invoice, prorate, none
    }

    /// A pool's seat count for this product, as a 422 on `seats` when it does not fit.
    static func validateSeats(_ seats: Int?, for product: Product) throws -> Int? {
        do {
            return try product.validateSeatCount(seats)
        } catch {
            throw ValidationFailure([.valueError([.key("body"), .key("seats")], error.detail, input: JSONValue(seats))])
        }
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

    /// Subscriptions with their customer and product embedded, as Polar returns them.
    func wireSubscriptions(_ subscriptions: [Subscription]) async throws -> [JSONValue] {
        var wire: [JSONValue] = []
        for subscription in subscriptions {
            let customer = try await customers.findIncludingDeleted(id: subscription.customerId)
            let product = try await requireProduct(subscription.productId, organizationId: subscription.organizationId)
            wire.append(Wire.subscription(subscription, customer: customer, product: product))
        }
        return wire
    }

    func wireOrders(_ orders: [Order]) async throws -> [JSONValue] {
        var wire: [JSONValue] = []
        for order in orders {
            let customer = try await customers.findIncludingDeleted(id: order.customerId)
            let product = try await requireProduct(order.productId, organizationId: order.organizationId)
            wire.append(Wire.order(order, customer: customer, product: product))
        }
        return wire
    }
}
