import Foundation

/// Organizations: Tessera's operator API (the client's token must be the operator token).
public struct Organizations: Sendable {
    let executor: RequestExecutor

    /// Creates an organization. Sends an `Idempotency-Key` (`idempotencyKey`, or a new random
    /// one) and is retried by default: a repeat gets the first answer back instead of a 409 for
    /// the slug now taken.
    /// - Throws: ``APIError`` 409 `Conflict` when the slug is taken.
    public func create(_ request: OrganizationCreate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> Organization
    {
        try await executor.send(APIRequest.keyed(.POST, "/v1/organizations/", key: idempotencyKey).with(body: request),
                                retries: retries)
    }

    /// An organization by id. Retried by default.
    public func get(id: String, retries: RetryConfig? = nil) async throws -> Organization {
        try await executor.send(APIRequest(.GET, "/v1/organizations/\(URLEncoding.segment(id))", safeToRetry: true),
                                retries: retries)
    }

    /// Changes the fields that are set. Retried by default.
    public func update(id: String, _ request: OrganizationUpdate, retries: RetryConfig? = nil) async throws
        -> Organization
    {
        try await executor.send(
            APIRequest(.PATCH, "/v1/organizations/\(URLEncoding.segment(id))", safeToRetry: true).with(body: request),
            retries: retries)
    }
}

/// Organization access tokens: Tessera's operator API (the client's token must be the operator token).
public struct OrganizationAccessTokens: Sendable {
    let executor: RequestExecutor

    /// Creates a token; the answer holds its secret value, shown only this once.
    /// Sends an `Idempotency-Key` (`idempotencyKey`, or a new random one) and is retried by
    /// default: a repeat gets the first answer, the same token, back instead of making a second one.
    public func create(_ request: OrganizationAccessTokenCreate, idempotencyKey: String? = nil,
                       retries: RetryConfig? = nil) async throws -> OrganizationAccessTokenCreateResponse
    {
        try await executor.send(
            APIRequest.keyed(.POST, "/v1/organization-access-tokens/", key: idempotencyKey).with(body: request),
            retries: retries)
    }

    /// Deletes a token: it stops working at once. Retried by default.
    public func delete(id: String, retries: RetryConfig? = nil) async throws {
        try await executor.sendExpectingNoContent(
            APIRequest(.DELETE, "/v1/organization-access-tokens/\(URLEncoding.segment(id))", safeToRetry: true),
            retries: retries)
    }
}
