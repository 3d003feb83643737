import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/subscriptions` and `/v1/orders`: the seat pools.
struct PoolController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    var subscriptions: SubscriptionOperations { SubscriptionOperations(database: database, now: now) }
    var orders: OrderOperations { OrderOperations(database: database, now: now) }

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
        var body = try await BodyFields.read(request)
        let new = try NewPoolFields(&body).validated(body)
        let created = try await subscriptions.create(new, organizationId: context.organizationId)
        return .json(Wire.subscription(created), status: .created)
    }

    @Sendable func listSubscriptions(_ request: Request, context: MerchantContext) async throws -> Response {
        let list = try PoolListFilter(request)
        let page = try await subscriptions.list(organizationId: context.organizationId, filter: list.filter,
                                                page: list.page)
        return .json(Wire.list(page, request: list.page, item: Wire.subscription))
    }

    @Sendable func getSubscription(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.subscription(try await subscriptions.get(id: id, organizationId: context.organizationId)))
    }

    /// Changes the seat count (Polar's checks, in Polar's order) or `cancel_at_period_end`;
    /// with both, only the seat count.
    @Sendable func updateSubscription(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let seats = body.int("seats", minimum: 1, maximum: SeatTiers.maximumSeatCount)
        _ = body.choice("proration_behavior", ProrationBehavior.self)
        let cancelAtPeriodEnd = body.bool("cancel_at_period_end")
        let updated: SubscriptionDetails
        if let seats {
            try body.validate()
            updated = try await subscriptions.changeSeats(subscriptionId: id, to: seats, organizationId: organizationId)
        } else if let cancelAtPeriodEnd {
            try body.validate()
            updated = try await subscriptions.setCancelAtPeriodEnd(cancelAtPeriodEnd, subscriptionId: id,
                                                                    organizationId: organizationId)
        } else {
            if body.issues.isEmpty {
                body.appendIssue(.valueError([.key("body")], "Provide seats or cancel_at_period_end", input: body.whole))
            }
            throw ValidationFailure(body.issues)
        }
        return .json(Wire.subscription(updated))
    }

    /// Revokes the subscription now: it ends, and every active seat is revoked.
    @Sendable func revokeSubscription(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.subscription(try await subscriptions.revoke(subscriptionId: id,
                                                                      organizationId: context.organizationId,
                                                                      actor: context.actor)))
    }

    // MARK: Orders

    @Sendable func createOrder(_ request: Request, context: MerchantContext) async throws -> Response {
        var body = try await BodyFields.read(request)
        let fields = NewPoolFields(&body)
        let status = body.choice("status", Order.Status.self) ?? .paid
        let new = try fields.validated(body)
        let created = try await orders.create(new, status: status, organizationId: context.organizationId)
        return .json(Wire.order(created), status: .created)
    }

    @Sendable func listOrders(_ request: Request, context: MerchantContext) async throws -> Response {
        let list = try PoolListFilter(request)
        let page = try await orders.list(organizationId: context.organizationId, filter: list.filter, page: list.page)
        return .json(Wire.list(page, request: list.page, item: Wire.order))
    }

    @Sendable func getOrder(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.order(try await orders.get(id: id, organizationId: context.organizationId)))
    }

    /// Marks a pending order paid (the only status change Tessera accepts) or changes its metadata.
    @Sendable func updateOrder(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let status = body.choice("status", Order.Status.self)
        let metadata = body.metadata()
        try body.validate()
        return .json(Wire.order(try await orders.update(id: id, status: status, metadata: metadata,
                                                        organizationId: context.organizationId)))
    }

    // MARK: Shared

    /// Accepted for Polar's sake; Tessera bills nobody, so it changes nothing.
    enum ProrationBehavior: String, CaseIterable {
        case invoice, prorate, none
    }
}

/// Reads the fields shared by a new subscription and a new order.
struct NewPoolFields {
    var productId: UUID?
    var customer: CustomerReference?
    var seats: Int?
    var metadata: [String: JSONValue]?

    init(_ body: inout BodyFields) {
        productId = body.requiredUUID("product_id")
        customer = CustomerReference(id: body.uuid("customer_id"), externalId: body.string("external_customer_id"))
        seats = body.int("seats", minimum: 1, maximum: SeatTiers.maximumSeatCount)
        metadata = body.metadata()
        if customer == nil {
            body.appendIssue(.valueError([.key("body")], "Exactly one of customer_id or external_customer_id must be provided",
                                         input: body.whole))
        }
    }

    /// The new pool once every field of `body` is read: throws the body's issues, if any. A
    /// missing product or customer always left an issue.
    func validated(_ body: BodyFields) throws(ValidationFailure) -> NewPool {
        try body.validate()
        guard let productId, let customer else { throw ValidationFailure(body.issues) }
        return NewPool(productId: productId, customer: customer, seats: seats, metadata: metadata ?? [:])
    }
}

/// `customer_id`, `product_id`, `page` and `limit` of a pool list.
struct PoolListFilter {
    var filter: PoolFilter
    var page: PageRequest

    init(_ request: Request) throws {
        var query = QueryFields(request)
        filter = PoolFilter(customerId: query.uuid("customer_id"), productId: query.uuid("product_id"))
        page = query.page()
        try query.validate()
    }
}
