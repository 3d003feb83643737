import Foundation
import TesseraCore
import TesseraStore

/// Records webhook events in the caller's transaction, so an event is sent exactly when its
/// change commits. The envelope is a wire shape (`Wire.webhookEvent`); the store only stores
/// the finished body and queues it for the endpoints that want the event.
struct WebhookEvents {
    let tx: SQLSession

    /// Records an event of `type` about `data` (the resource as the API shows it) for every
    /// enabled endpoint of the organization that wants it. Returns the event id, or nil when
    /// no endpoint wants it (then nothing is stored, and `data` is never built).
    @discardableResult
    func emit(_ type: WebhookEventType, data: @autoclosure () -> JSONValue, organizationId: UUID,
              at time: Date) async throws -> UUID? {
        let endpointIds = try await tx.webhooks.endpointIds(wanting: type, organizationId: organizationId)
        guard !endpointIds.isEmpty else { return nil }
        let body = Wire.webhookEvent(type, data: data(), at: time).serialized()
        return try await tx.webhooks.insertEvent(type, body: body, organizationId: organizationId,
                                                 endpointIds: endpointIds, at: time)
    }

    /// Whether any enabled endpoint of the organization wants `type`: asked before reading what
    /// an event would embed.
    func isWanted(_ type: WebhookEventType, organizationId: UUID) async throws -> Bool {
        !(try await tx.webhooks.endpointIds(wanting: type, organizationId: organizationId)).isEmpty
    }
}
