import Foundation

/// Where an organization receives webhook events, and the secret that signs them.
public struct WebhookEndpoint: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    public var url: String
    public var name: String?
    public var format: WebhookFormat
    /// The signing secret: pass it to ``Webhooks/verify(body:headers:secret:now:tolerance:)``.
    public var secret: String
    public var organizationId: String
    public var events: [WebhookEventType]
    /// False once the server gave up on the endpoint (see `disabledReason`).
    public var enabled: Bool
    /// Why Tessera disabled the endpoint, if it did.
    public var disabledReason: String?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case url, name, format, secret
        case organizationId = "organization_id"
        case events, enabled
        case disabledReason = "disabled_reason"
    }
}

/// The body of ``WebhookEndpoints/create(_:idempotencyKey:retries:)``.
public struct WebhookEndpointCreate: Codable, Sendable, Hashable {
    public var url: String
    public var name: String?
    public var format: WebhookFormat
    public var events: [WebhookEventType]
    /// Tessera only: your own signing secret (16 characters or more); one is generated otherwise.
    public var secret: String?

    enum CodingKeys: String, CodingKey {
        case url, name, format, events, secret
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(url: String, events: [WebhookEventType], name: String? = nil, format: WebhookFormat = .raw,
                secret: String? = nil) {
        self.url = url
        self.name = name
        self.format = format
        self.events = events
        self.secret = secret
    }
}

/// The body of ``WebhookEndpoints/update(id:_:retries:)``: only the fields that are set change.
public struct WebhookEndpointUpdate: Codable, Sendable, Hashable {
    public var url: String?
    public var name: String?
    public var format: WebhookFormat?
    public var events: [WebhookEventType]?
    /// `true` turns on an endpoint the server disabled.
    public var enabled: Bool?

    enum CodingKeys: String, CodingKey {
        case url, name, format, events, enabled
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(url: String? = nil, name: String? = nil, format: WebhookFormat? = nil,
                events: [WebhookEventType]? = nil, enabled: Bool? = nil) {
        self.url = url
        self.name = name
        self.format = format
        self.events = events
        self.enabled = enabled
    }
}
