import Foundation

/// Customers (`/v1/customers`): scopes `customers:read` and `customers:write`.
public struct Customers: Sendable {
    let executor: RequestExecutor

    /// Creates a customer. Email and external id are unique in the organization (a clash is a 422).
    /// Sends an `Idempotency-Key` (`idempotencyKey`, or a new random one) and is retried by
    /// default: a repeat gets the first answer back instead of a 422 for the email now taken.
    public func create(_ request: CustomerCreate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> Customer
    {
        try await executor.send(APIRequest.keyed(.POST, "/v1/customers/", key: idempotencyKey).with(body: request),
                                retries: retries)
    }

    /// A customer by id. Retried by default.
    public func get(id: String, retries: RetryConfig? = nil) async throws -> Customer {
        try await executor.send(APIRequest(.GET, "/v1/customers/\(URLEncoding.segment(id))", safeToRetry: true),
                                retries: retries)
    }

    /// A customer by your external id. Retried by default.
    public func getExternal(externalId: String, retries: RetryConfig? = nil) async throws -> Customer {
        try await executor.send(
            APIRequest(.GET, "/v1/customers/external/\(URLEncoding.segment(externalId))", safeToRetry: true),
            retries: retries)
    }

    /// What the customer has now: active subscriptions and granted benefits. Retried by default.
    public func state(id: String, retries: RetryConfig? = nil) async throws -> CustomerState {
        try await executor.send(APIRequest(.GET, "/v1/customers/\(URLEncoding.segment(id))/state", safeToRetry: true),
                                retries: retries)
    }

    /// The state of the customer with your external id. Retried by default.
    public func state(externalId: String, retries: RetryConfig? = nil) async throws -> CustomerState {
        try await executor.send(
            APIRequest(.GET, "/v1/customers/external/\(URLEncoding.segment(externalId))/state", safeToRetry: true),
            retries: retries)
    }

    /// A page of customers, optionally only the one with `email`. Retried by default.
    public func list(email: String? = nil, page: Int? = nil, limit: Int? = nil, retries: RetryConfig? = nil)
        async throws -> ListResource<Customer>
    {
        try await executor.send(
            APIRequest(.GET, "/v1/customers/", query: [("email", email)] + pageQuery(page, limit), safeToRetry: true),
            retries: retries)
    }

    /// Changes the fields that are set. Retried by default.
    public func update(id: String, _ request: CustomerUpdate, retries: RetryConfig? = nil) async throws -> Customer {
        try await executor.send(
            APIRequest(.PATCH, "/v1/customers/\(URLEncoding.segment(id))", safeToRetry: true).with(body: request),
            retries: retries)
    }

    /// Deletes a customer and their members, revoking every seat they hold. Retried by default
    /// (a repeat after a lost answer gets a 404).
    public func delete(id: String, retries: RetryConfig? = nil) async throws {
        try await executor.sendExpectingNoContent(
            APIRequest(.DELETE, "/v1/customers/\(URLEncoding.segment(id))", safeToRetry: true), retries: retries)
    }
}

/// Members (`/v1/members`, `/v1/customers/{id}/members`): scopes `members:read` and `members:write`.
public struct Members: Sendable {
    let executor: RequestExecutor

    /// Adds a member to a customer. Sends an `Idempotency-Key` (`idempotencyKey`, or a new
    /// random one) and is retried by default: a repeat gets the first answer back.
    public func create(_ request: MemberCreate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> Member
    {
        try await executor.send(
            APIRequest.keyed(.POST, "/v1/customers/\(URLEncoding.segment(request.customerId))/members",
                             key: idempotencyKey)
                .with(body: request),
            retries: retries)
    }

    /// A page of members, optionally of one customer. Retried by default.
    public func list(customerId: String? = nil, page: Int? = nil, limit: Int? = nil, retries: RetryConfig? = nil)
        async throws -> ListResource<Member>
    {
        try await executor.send(
            APIRequest(.GET, "/v1/members/", query: [("customer_id", customerId)] + pageQuery(page, limit),
                       safeToRetry: true),
            retries: retries)
    }

    /// Deletes a member, revoking the seats they hold. Retried by default.
    public func delete(customerId: String, memberId: String, retries: RetryConfig? = nil) async throws {
        try await executor.sendExpectingNoContent(
            APIRequest(.DELETE,
                       "/v1/customers/\(URLEncoding.segment(customerId))/members/\(URLEncoding.segment(memberId))",
                       safeToRetry: true),
            retries: retries)
    }
}

/// `page` and `limit` query items, when given.
func pageQuery(_ page: Int?, _ limit: Int?) -> [(name: String, value: String?)] {
    [("page", page.map(String.init)), ("limit", limit.map(String.init))]
}
