import Foundation
import TesseraCore
import TesseraStore

/// What a merchant does with webhook endpoints and their deliveries. Each write is one
/// transaction that locks the endpoint before changing it, so a change never writes back a
/// failure streak the webhook worker has moved on meanwhile.
struct WebhookEndpointOperations: Sendable {
    /// A new endpoint as the merchant describes it (already validated).
    struct Registration: Sendable {
        var url: String
        var name: String?
        /// The merchant's own signing secret; nil for a generated one.
        var secret: String?
        var events: [WebhookEventType]
    }

    /// A partial update: nil leaves a field as it is.
    struct Change: Sendable {
        var url: String?
        /// nil leaves the name; `.some(nil)` clears it.
        var name: String??
        var events: [WebhookEventType]?
        var enabled: Bool?
    }

    let database: TesseraDatabase
    let now: @Sendable () -> Date
    /// Which URLs endpoints may have (no private networks unless the operator allows them).
    let targetPolicy: WebhookTargetPolicy

    /// Why the policy refuses `url` as an endpoint's address, or nil when it accepts it.
    func refusal(of url: String) -> WebhookTargetRefusal? {
        do {
            _ = try targetPolicy.target(for: url)
            return nil
        } catch {
            return error
        }
    }

    func create(_ registration: Registration, organizationId: UUID) async throws -> WebhookEndpoint {
        let now = now()
        let endpoint = WebhookEndpoint(
            id: UUID.timeOrdered(), organizationId: organizationId, url: registration.url, name: registration.name,
            secret: registration.secret ?? WebhookEndpoint.generateSecret(), events: registration.events, enabled: true,
            disabledReason: nil, failedEventsInRow: 0, createdAt: now, modifiedAt: nil)
        try await database.transaction { try await $0.webhooks.insert(endpoint) }
        return endpoint
    }

    func list(organizationId: UUID, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        try await database.read { try await $0.webhooks.endpoints(organizationId: organizationId, page: page) }
    }

    func endpoint(id: UUID, organizationId: UUID) async throws -> WebhookEndpoint {
        try await database.read { try await $0.webhooks.requireEndpoint(id: id, organizationId: organizationId) }
    }

    /// Changes url, name, events or enabled (see `WebhookEndpoint.setEnabled`).
    func update(id: UUID, organizationId: UUID, change: Change) async throws -> WebhookEndpoint {
        let now = now()
        return try await database.transaction { tx in
            var endpoint = try await tx.webhooks.lockEndpoint(id: id, organizationId: organizationId)
            if let url = change.url { endpoint.url = url }
            if let name = change.name { endpoint.name = name }
            if let events = change.events { endpoint.events = events }
            if let enabled = change.enabled { endpoint.setEnabled(enabled) }
            endpoint.modifiedAt = now
            try await tx.webhooks.update(endpoint)
            return endpoint
        }
    }

    /// Deletes the endpoint; what was still queued for it is dropped.
    func delete(id: UUID, organizationId: UUID) async throws {
        let now = now()
        try await database.transaction { tx in
            _ = try await tx.webhooks.lockEndpoint(id: id, organizationId: organizationId)
            try await tx.webhooks.delete(id: id, at: now)
        }
    }

    /// A new secret; events from now on are signed with it.
    func rotateSecret(id: UUID, organizationId: UUID) async throws -> WebhookEndpoint {
        let now = now()
        return try await database.transaction { tx in
            var endpoint = try await tx.webhooks.lockEndpoint(id: id, organizationId: organizationId)
            endpoint.secret = WebhookEndpoint.generateSecret()
            endpoint.modifiedAt = now
            try await tx.webhooks.update(endpoint)
            return endpoint
        }
    }

    /// Delivery attempts, newest first, optionally for one endpoint.
    func deliveries(organizationId: UUID, endpointId: UUID?, page: PageRequest) async throws
        -> Page<WebhookDeliveryAttempt>
    {
        try await database.read {
            try await $0.webhooks.deliveries(organizationId: organizationId, endpointId: endpointId, page: page)
        }
    }

    /// Queues an event again for the endpoints it went to that are still enabled;
    /// `notFound(.webhookEvent)` when the event is not the organization's.
    func redeliver(eventId: UUID, organizationId: UUID) async throws {
        let now = now()
        let found = try await database.transaction {
            try await $0.webhooks.redeliver(eventId: eventId, organizationId: organizationId, at: now)
        }
        guard found else { throw TesseraError.notFound(.webhookEvent) }
    }
}
