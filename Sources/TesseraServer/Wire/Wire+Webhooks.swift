import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    /// The body of every webhook Tessera sends, as Polar's: the event type, when it happened,
    /// and the resource as the API shows it. `timestamp` is the event's time, not the send's.
    static func webhookEvent(_ type: WebhookEventType, data: JSONValue, at time: Date) -> JSONValue {
        .object(["type": .string(type.rawValue), "timestamp": JSONValue(time), "data": data])
    }

    static func webhookEndpoint(_ endpoint: WebhookEndpoint) -> JSONValue {
        .object([
            "id": JSONValue(endpoint.id),
            "created_at": JSONValue(endpoint.createdAt),
            "modified_at": JSONValue(endpoint.modifiedAt),
            "url": .string(endpoint.url),
            "name": JSONValue(endpoint.name),
            "format": "raw",
            "secret": .string(endpoint.secret),
            "organization_id": JSONValue(endpoint.organizationId),
            "events": .array(endpoint.events.map { .string($0.rawValue) }),
            "enabled": JSONValue(endpoint.enabled),
            "disabled_reason": JSONValue(endpoint.disabledReason),
        ])
    }

    /// The answer to a redelivery: the event is queued again, not yet sent.
    static let redeliveryQueued: JSONValue = ["status": "queued"]

    /// One attempt, with its event, as Polar's `WebhookDelivery`.
    static func webhookDelivery(_ attempt: WebhookDeliveryAttempt) -> JSONValue {
        .object([
            "id": JSONValue(attempt.id),
            "created_at": JSONValue(attempt.createdAt),
            "modified_at": .null,
            "succeeded": JSONValue(attempt.succeeded),
            "http_code": JSONValue(attempt.httpCode),
            "response": JSONValue(attempt.response),
            "error": JSONValue(attempt.error),
            "duration_ms": JSONValue(attempt.durationMs),
            "endpoint_id": JSONValue(attempt.endpointId),
            "webhook_event": .object([
                "id": JSONValue(attempt.eventId),
                "created_at": JSONValue(attempt.eventCreatedAt),
                "modified_at": .null,
                "last_http_code": JSONValue(attempt.httpCode),
                "succeeded": JSONValue(attempt.succeeded),
                "skipped": false,
                "payload": .string(attempt.eventBody),
                "type": .string(attempt.eventType),
                "is_archived": false,
            ]),
        ])
    }
}
