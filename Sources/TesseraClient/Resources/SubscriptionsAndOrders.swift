import Foundation

/// Subscriptions (`/v1/subscriptions`): scopes `subscriptions:read` and `subscriptions:write`.
public struct Subscriptions: Sendable {
    let executor: RequestExecutor

    /// Creates a subscription of a recurring product with `seats` seats. Sends an
    /// `Idempotency-Key` (`idempotencyKey`, or a new random one) and is retried by default: a
    /// repeat gets the first answer back.
    public func create(_ request: SubscriptionCreate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> Subscription
    {
        try await executor.send(APIRequest.keyed(.POST, "/v1/subscriptions/", key: idempotencyKey).with(body: request),
                                retries: retries)
    }

    /// A subscription by id. Retried by default.
    public func get(id: String, retries: RetryConfig? = nil) async throws -> Subscription {
        try await executor.send(APIRequest(.GET, "/v1/subscriptions/\(URLEncoding.segment(id))", safeToRetry: true),
                                retries: retries)
    }

    /// A page of subscriptions, optionally of one customer or product. Retried by default.
    public func list(customerId: String? = nil, productId: String? = nil, page: Int? = nil, limit: Int? = nil,
                     retries: RetryConfig? = nil) async throws -> ListResource<Subscription>
    {
        try await executor.send(
            APIRequest(.GET, "/v1/subscriptions/",
                       query: [("customer_id", customerId), ("product_id", productId)] + pageQuery(page, limit),
                       safeToRetry: true),
            retries: retries)
    }

    /// Resizes the pool to `seats`, within the product's tiers and never below the seats in use.
    /// Retried by default (it sets an absolute value).
    /// - Throws: ``APIError`` such as `SeatsAlreadyAssigned` or `BelowMinimumSeats` (400).
    public func updateSeats(id: String, seats: Int, prorationBehavior: ProrationBehavior? = nil,
                            retries: RetryConfig? = nil) async throws -> Subscription
    {
        try await executor.send(
            APIRequest(.PATCH, "/v1/subscriptions/\(URLEncoding.segment(id))", safeToRetry: true)
                .with(body: SubscriptionUpdateSeats(seats: seats, prorationBehavior: prorationBehavior)),
            retries: retries)
    }

    /// Sets (or with `false`, clears) cancellation at the end of the current period.
    /// Retried by default.
    public func cancelAtPeriodEnd(id: String, _ cancel: Bool = true, retries: RetryConfig? = nil) async throws
        -> Subscription
    {
        try await executor.send(
            APIRequest(.PATCH, "/v1/subscriptions/\(URLEncoding.segment(id))", safeToRetry: true)
                .with(body: SubscriptionCancel(cancelAtPeriodEnd: cancel)),
            retries: retries)
    }

    /// Ends the subscription now and revokes all of its seats. Retried by default (a repeat
    /// after a lost answer gets a 403 `AlreadyCanceledSubscription`).
    public func revoke(id: String, retries: RetryConfig? = nil) async throws -> Subscription {
        try await executor.send(
            APIRequest(.DELETE, "/v1/subscriptions/\(URLEncoding.segment(id))", safeToRetry: true), retries: retries)
    }
}

/// Orders (`/v1/orders`): scopes `orders:read` and `orders:write`.
public struct Orders: Sendable {
    let executor: RequestExecutor

    /// Records a one-time order with `seats` seats (paid unless `status` says otherwise).
    /// Tessera only: Polar creates orders through checkouts. Sends an `Idempotency-Key`
    /// (`idempotencyKey`, or a new random one) and is retried by default: a repeat gets the first
    /// answer back.
    public func create(_ request: OrderCreate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> Order
    {
        try await executor.send(APIRequest.keyed(.POST, "/v1/orders/", key: idempotencyKey).with(body: request),
                                retries: retries)
    }

    /// An order by id. Retried by default.
    public func get(id: String, retries: RetryConfig? = nil) async throws -> Order {
        try await executor.send(APIRequest(.GET, "/v1/orders/\(URLEncoding.segment(id))", safeToRetry: true),
                                retries: retries)
    }

    /// A page of orders, optionally of one customer or product. Retried by default.
    public func list(customerId: String? = nil, productId: String? = nil, page: Int? = nil, limit: Int? = nil,
                     retries: RetryConfig? = nil) async throws -> ListResource<Order>
    {
        try await executor.send(
            APIRequest(.GET, "/v1/orders/",
                       query: [("customer_id", customerId), ("product_id", productId)] + pageQuery(page, limit),
                       safeToRetry: true),
            retries: retries)
    }

    /// Marks a pending order paid, so its seats can be assigned. Tessera only.
    /// Retried by default (marking a paid order paid changes nothing).
    public func markPaid(id: String, retries: RetryConfig? = nil) async throws -> Order {
        try await executor.send(
            APIRequest(.PATCH, "/v1/orders/\(URLEncoding.segment(id))", safeToRetry: true)
                .with(body: OrderUpdate(status: .paid)),
            retries: retries)
    }
}
