import Foundation
import TesseraCore
import TesseraStore

extension Wire {
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
