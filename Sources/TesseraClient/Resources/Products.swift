import Foundation

/// Products (`/v1/products`): scopes `products:read` and `products:write`.
public struct Products: Sendable {
    let executor: RequestExecutor

    /// Creates a product. Sends an `Idempotency-Key` (`idempotencyKey`, or a new random one) and
    /// is retried by default: a repeat gets the first answer back.
    public func create(_ request: ProductCreate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> Product
    {
        try await executor.send(APIRequest.keyed(.POST, "/v1/products/", key: idempotencyKey).with(body: request),
                                retries: retries)
    }

    /// A product by id. Retried by default.
    public func get(id: String, retries: RetryConfig? = nil) async throws -> Product {
        try await executor.send(APIRequest(.GET, "/v1/products/\(URLEncoding.segment(id))", safeToRetry: true),
                                retries: retries)
    }

    /// A page of products. Retried by default.
    public func list(page: Int? = nil, limit: Int? = nil, retries: RetryConfig? = nil) async throws
        -> ListResource<Product>
    {
        try await executor.send(APIRequest(.GET, "/v1/products/", query: pageQuery(page, limit), safeToRetry: true),
                                retries: retries)
    }

    /// Changes the fields that are set. Retried by default.
    public func update(id: String, _ request: ProductUpdate, retries: RetryConfig? = nil) async throws -> Product {
        try await executor.send(
            APIRequest(.PATCH, "/v1/products/\(URLEncoding.segment(id))", safeToRetry: true).with(body: request),
            retries: retries)
    }
}
