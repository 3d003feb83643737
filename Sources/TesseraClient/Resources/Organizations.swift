import Foundation

/// Organizations: Tessera's operator API (the client's token must be the operator token).
public struct Organizations: Sendable {
    let executor: RequestExecutor

    /// Creates an organization. Not retried unless `retries:` is given.
    /// - Throws: ``APIError`` 409 `Conflict` when the slug is taken.
    public func create(_ request: OrganizationCreate, retries: RetryConfig? = nil) async throws -> Organization {
        try await executor.send(APIRequest(.POST, "/v1/organizations/", safeToRetry: false).with(body: request),
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
    /// Not retried unless `retries:` is given.
    public func create(_ request: OrganizationAccessTokenCreate, retries: RetryConfig? = nil) async throws
        -> OrganizationAccessTokenCreateResponse
    {
        try await executor.send(
            APIRequest(.POST, "/v1/organization-access-tokens/", safeToRetry: false).with(body: request),
            retries: retries)
    }

    /// Deletes a token: it stops working at once. Retried by default.
    public func delete(id: String, retries: RetryConfig? = nil) async throws {
        try await executor.sendExpectingNoContent(
            APIRequest(.DELETE, "/v1/organization-access-tokens/\(URLEncoding.segment(id))", safeToRetry: true),
            retries: retries)
    }
}
