import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/webhooks`: where a merchant's app receives seat events.
struct WebhookController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date
    /// Which URLs endpoints may have (no private networks unless the operator allows them).
    let targetPolicy: WebhookTargetPolicy

    var operations: WebhookEndpointOperations {
        WebhookEndpointOperations(database: database, now: now, targetPolicy: targetPolicy)
    }

    func register(on merchant: MerchantRoutes) {
        merchant.add(.post, "/webhooks/endpoints", anyOf: .webhooksWrite, use: create)
        merchant.add(.get, "/webhooks/endpoints", anyOf: .webhooksRead, use: list)
        merchant.add(.get, "/webhooks/endpoints/:id", anyOf: .webhooksRead, use: get)
        merchant.add(.patch, "/webhooks/endpoints/:id", anyOf: .webhooksWrite, use: update)
        merchant.add(.delete, "/webhooks/endpoints/:id", anyOf: .webhooksWrite, use: delete)
        merchant.add(.patch, "/webhooks/endpoints/:id/secret", anyOf: .webhooksWrite, use: rotateSecret)
        merchant.add(.get, "/webhooks/deliveries", anyOf: .webhooksRead, use: deliveries)
        merchant.add(.post, "/webhooks/events/:id/redeliver", anyOf: .webhooksWrite, use: redeliver)
    }

    @Sendable func create(_ request: Request, context: MerchantContext) async throws -> Response {
        var body = try await BodyFields.read(request)
        let url = body.requiredString("url", maxLength: 2048)
        let name = body.string("name", maxLength: 256)
        let secret = body.string("secret", maxLength: 256)
        Self.checkFormat(&body)
        let events = Self.events(&body, required: true)
        if let url { checkURL(url, in: &body) }
        if let secret, secret.count < 16 {
            body.invalid("secret", "string_too_short", "String should have at least 16 characters")
        }
        try body.validate()
        let registration = WebhookEndpointOperations.Registration(url: url ?? "", name: name, secret: secret,
                                                                  events: events ?? [])
        let endpoint = try await operations.create(registration, organizationId: context.organizationId)
        return .json(Wire.webhookEndpoint(endpoint), status: .created)
    }

    @Sendable func list(_ request: Request, context: MerchantContext) async throws -> Response {
        var query = QueryFields(request)
        let page = query.page()
        try query.validate()
        let result = try await operations.list(organizationId: context.organizationId, page: page)
        return .json(Wire.list(result, request: page, item: Wire.webhookEndpoint))
    }

    @Sendable func get(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.webhookEndpoint(try await operations.endpoint(id: id, organizationId: context.organizationId)))
    }

    /// Changes url, name, events or enabled. Enabling an endpoint Tessera disabled clears the
    /// reason and the failure count.
    @Sendable func update(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let url = body.string("url", maxLength: 2048)
        let name = body.string("name", maxLength: 256)
        Self.checkFormat(&body)
        let events = Self.events(&body, required: false)
        let enabled = body.bool("enabled")
        if let url { checkURL(url, in: &body) }
        try body.validate()
        // A name sent as null clears it; no name at all leaves it.
        let change = WebhookEndpointOperations.Change(url: url, name: body.has("name") ? .some(name) : nil,
                                                      events: events, enabled: enabled)
        let endpoint = try await operations.update(id: id, organizationId: context.organizationId, change: change)
        return .json(Wire.webhookEndpoint(endpoint))
    }

    @Sendable func delete(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        try await operations.delete(id: id, organizationId: context.organizationId)
        return .noContent
    }

    /// A new secret; events from now on are signed with it.
    @Sendable func rotateSecret(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.webhookEndpoint(try await operations.rotateSecret(id: id, organizationId: context.organizationId)))
    }

    @Sendable func deliveries(_ request: Request, context: MerchantContext) async throws -> Response {
        var query = QueryFields(request)
        let endpointId = query.uuid("endpoint_id")
        let page = query.page()
        try query.validate()
        let result = try await operations.deliveries(organizationId: context.organizationId, endpointId: endpointId,
                                                     page: page)
        return .json(Wire.list(result, request: page, item: Wire.webhookDelivery))
    }

    @Sendable func redeliver(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        try await operations.redeliver(eventId: id, organizationId: context.organizationId)
        return .json(Wire.redeliveryQueued, status: .accepted)
    }

    /// Refuses a URL the policy refuses: a malformed one as pydantic words it, and one that
    /// points at this machine or a private network (request forgery) with the policy's reason.
    func checkURL(_ url: String, in body: inout BodyFields) {
        guard let refusal = operations.refusal(of: url) else { return }
        if refusal.reason == .notHTTP {
            body.invalid("url", "url_parsing", "Input should be a valid URL with an http or https scheme")
        } else {
            body.invalid("url", "value_error", "Value error, webhook URL refused: \(refusal.message)")
        }
    }

    static func checkFormat(_ body: inout BodyFields) {
        if let format = body.string("format"), format != "raw" {
            body.invalid("format", "enum", "Tessera sends raw webhooks only; use 'raw'")
        }
    }

    static func events(_ body: inout BodyFields, required: Bool) -> [WebhookEventType]? {
        guard let items = body.array("events") else {
            if required && !body.has("events") { body.missing("events") }
            return nil
        }
        var events: [WebhookEventType] = []
        for item in items {
            guard let event = item.stringValue.flatMap(WebhookEventType.init(rawValue:)) else {
                body.invalid("events", "enum", "Unknown or unsupported event \(item.serialized())")
                continue
            }
            if !events.contains(event) { events.append(event) }
        }
        return events
    }
}

