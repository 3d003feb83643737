import Foundation

/// Webhook endpoints (`/v1/webhooks/endpoints`): scopes `webhooks:read` and `webhooks:write`.
public struct WebhookEndpoints: Sendable {
    let executor: RequestExecutor

    /// Registers an endpoint; the answer carries its signing `secret`. Sends an `Idempotency-Key`
    /// (`idempotencyKey`, or a new random one) and is retried by default: a repeat gets the
    /// first answer, the same endpoint and secret, back.
    public func create(_ request: WebhookEndpointCreate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> WebhookEndpoint
    {
        try await executor.send(
            APIRequest.keyed(.POST, "/v1/webhooks/endpoints", key: idempotencyKey).with(body: request),
            retries: retries)
    }

    /// A page of endpoints. Retried by default.
    public func list(page: Int? = nil, limit: Int? = nil, retries: RetryConfig? = nil) async throws
        -> ListResource<WebhookEndpoint>
    {
        try await executor.send(
            APIRequest(.GET, "/v1/webhooks/endpoints", query: pageQuery(page, limit), safeToRetry: true),
            retries: retries)
    }

    /// An endpoint by id. Retried by default.
    public func get(id: String, retries: RetryConfig? = nil) async throws -> WebhookEndpoint {
        try await executor.send(
            APIRequest(.GET, "/v1/webhooks/endpoints/\(URLEncoding.segment(id))", safeToRetry: true),
            retries: retries)
    }

    /// Changes the fields that are set; `enabled: true` turns a disabled endpoint back on.
    /// Retried by default.
    public func update(id: String, _ request: WebhookEndpointUpdate, retries: RetryConfig? = nil) async throws
        -> WebhookEndpoint
    {
        try await executor.send(
            APIRequest(.PATCH, "/v1/webhooks/endpoints/\(URLEncoding.segment(id))", safeToRetry: true)
                .with(body: request),
            retries: retries)
    }

    /// Deletes an endpoint. Retried by default.
    public func delete(id: String, retries: RetryConfig? = nil) async throws {
        try await executor.sendExpectingNoContent(
            APIRequest(.DELETE, "/v1/webhooks/endpoints/\(URLEncoding.segment(id))", safeToRetry: true),
            retries: retries)
    }

    /// Replaces the signing secret with a new one (in the answer); events from then on are
    /// signed with it. Sends an `Idempotency-Key` (`idempotencyKey`, or a new random one) and is
    /// retried by default: a repeat gets the first answer, the same secret, back instead of
    /// another one.
    public func rotateSecret(id: String, idempotencyKey: String? = nil, retries: RetryConfig? = nil) async throws
        -> WebhookEndpoint
    {
        try await executor.send(
            APIRequest.keyed(.PATCH, "/v1/webhooks/endpoints/\(URLEncoding.segment(id))/secret", key: idempotencyKey),
            retries: retries)
    }
}
