import Foundation

/// License keys (`/v1/license-keys`): scopes `license_keys:read` and `license_keys:write`.
public struct LicenseKeys: Sendable {
    let executor: RequestExecutor

    /// A page of the organization's keys, oldest first: of one benefit and status when given.
    /// Retried by default.
    public func list(benefitId: String? = nil, status: LicenseKeyStatus? = nil, page: Int? = nil, limit: Int? = nil,
                     retries: RetryConfig? = nil) async throws -> ListResource<LicenseKey> {
        let items = pageQuery(page, limit) + [("benefit_id", benefitId), ("status", status?.rawValue)]
        return try await executor.send(APIRequest(.GET, "/v1/license-keys/", query: items, safeToRetry: true),
                                       retries: retries)
    }

    /// A key with its activations. Retried by default.
    public func get(id: String, retries: RetryConfig? = nil) async throws -> LicenseKey {
        try await executor.send(APIRequest(.GET, "/v1/license-keys/\(URLEncoding.segment(id))", safeToRetry: true),
                                retries: retries)
    }

    /// Changes the fields that are set. Retried by default: the same change twice leaves the same key.
    public func update(id: String, _ request: LicenseKeyUpdate, retries: RetryConfig? = nil) async throws -> LicenseKey {
        try await executor.send(
            APIRequest(.PATCH, "/v1/license-keys/\(URLEncoding.segment(id))", safeToRetry: true).with(body: request),
            retries: retries)
    }

    /// One activation of a key, with the key. Retried by default.
    public func activation(keyId: String, id: String, retries: RetryConfig? = nil) async throws -> LicenseKeyActivationDetails {
        try await executor.send(
            APIRequest(.GET, "/v1/license-keys/\(URLEncoding.segment(keyId))/activations/\(URLEncoding.segment(id))",
                       safeToRetry: true),
            retries: retries)
    }

    /// Validates a key of your organization (the token's): a revoked, disabled or expired key,
    /// or one that does not match, is a ``TesseraAPIError`` with status 404. Retried by default.
    ///
    /// One that counts usage (`incrementUsage`) sends an `Idempotency-Key` (`idempotencyKey`, or
    /// a new random one), so that a repeat gets the first answer back instead of counting the
    /// usage twice; it is retried by default only on a server that honours keys
    /// (``TesseraClient/Server/honoursIdempotencyKeys``). One that counts none is a read: it
    /// sends a key only when you give one.
    public func validate(_ request: LicenseKeyValidate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> LicenseKey
    {
        try await executor.send(
            LicenseKeyCalls.validate(request, path: "/v1/license-keys/validate", authenticated: true,
                                     idempotencyKey: idempotencyKey),
            retries: retries)
    }

    /// Activates a key within its benefit's limit (403 past it). Sends an `Idempotency-Key`
    /// (`idempotencyKey`, or a new random one) and is retried by default: a repeat gets the first
    /// answer, the same activation, back instead of using a second place.
    public func activate(_ request: LicenseKeyActivate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> LicenseKeyActivationDetails
    {
        try await executor.send(
            APIRequest.keyed(.POST, "/v1/license-keys/activate", key: idempotencyKey).with(body: request),
            retries: retries)
    }

    /// Removes an activation, freeing its place. Retried by default (a repeat gets a 404).
    public func deactivate(_ request: LicenseKeyDeactivate, retries: RetryConfig? = nil) async throws {
        try await executor.sendExpectingNoContent(
            APIRequest(.POST, "/v1/license-keys/deactivate", safeToRetry: true).with(body: request), retries: retries)
    }
}

/// The customer portal (`/v1/customer-portal/…`): what a signed-in customer, or your desktop
/// app with no token at all, may call.
public struct CustomerPortal: Sendable {
    /// The customer's license keys.
    public let licenseKeys: CustomerPortalLicenseKeys
}

/// License keys through the customer portal. `list` and `get` need a customer or member
/// session token (``CustomerSessions/create(_:idempotencyKey:retries:)``) as the client's token;
/// `validate`, `activate` and `deactivate` send no token at all, and are limited per client address.
public struct CustomerPortalLicenseKeys: Sendable {
    let executor: RequestExecutor

    /// A page of the signed-in customer's keys (a member's own, for a member session). Retried by default.
    public func list(benefitId: String? = nil, page: Int? = nil, limit: Int? = nil, retries: RetryConfig? = nil)
        async throws -> ListResource<LicenseKey>
    {
        let items = pageQuery(page, limit) + [("benefit_id", benefitId)]
        return try await executor.send(
            APIRequest(.GET, "/v1/customer-portal/license-keys/", query: items, safeToRetry: true), retries: retries)
    }

    /// One of the signed-in customer's keys, with its activations. Retried by default.
    public func get(id: String, retries: RetryConfig? = nil) async throws -> LicenseKey {
        try await executor.send(
            APIRequest(.GET, "/v1/customer-portal/license-keys/\(URLEncoding.segment(id))", safeToRetry: true),
            retries: retries)
    }

    /// ``LicenseKeys/validate(_:idempotencyKey:retries:)`` with no token. Keys of calls without a
    /// token share one scope on the server, so a key of your own must be one nobody else would pick.
    public func validate(_ request: LicenseKeyValidate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> LicenseKey
    {
        try await executor.send(
            LicenseKeyCalls.validate(request, path: "/v1/customer-portal/license-keys/validate", authenticated: false,
                                     idempotencyKey: idempotencyKey),
            retries: retries)
    }

    /// ``LicenseKeys/activate(_:idempotencyKey:retries:)`` with no token. Keys of calls without a
    /// token share one scope on the server, so a key of your own must be one nobody else would pick.
    public func activate(_ request: LicenseKeyActivate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> LicenseKeyActivationDetails
    {
        try await executor.send(
            APIRequest.keyed(.POST, "/v1/customer-portal/license-keys/activate", key: idempotencyKey,
                             authenticated: false)
                .with(body: request),
            retries: retries)
    }

    /// ``LicenseKeys/deactivate(_:retries:)`` with no token.
    public func deactivate(_ request: LicenseKeyDeactivate, retries: RetryConfig? = nil) async throws {
        try await executor.sendExpectingNoContent(
            APIRequest(.POST, "/v1/customer-portal/license-keys/deactivate", authenticated: false, safeToRetry: true)
                .with(body: request),
            retries: retries)
    }
}

/// What both validation routes share.
enum LicenseKeyCalls {
    /// A validation that counts usage is keyed (a repeat would count it twice); one that counts
    /// none is safe to repeat, and carries a key only when the caller gave one.
    static func validate(_ request: LicenseKeyValidate, path: String, authenticated: Bool, idempotencyKey: String?)
        throws -> APIRequest
    {
        let countsUsage = (request.incrementUsage ?? 0) > 0
        var call = APIRequest(.POST, path, authenticated: authenticated, safeToRetry: !countsUsage)
        call.idempotencyKey = countsUsage ? idempotencyKey ?? APIRequest.newIdempotencyKey() : idempotencyKey
        return try call.with(body: request)
    }
}

/// Customer sessions (`POST /v1/customer-sessions`, scope `customer_sessions:write`): signs a
/// customer, or one of its members, into the portal for an hour.
public struct CustomerSessions: Sendable {
    let executor: RequestExecutor

    /// A new session: its token is the customer's for the portal API, and its
    /// `customerPortalUrl` signs them into the portal page. Sends an `Idempotency-Key`
    /// (`idempotencyKey`, or a new random one) and is retried by default: a repeat gets the first
    /// answer, the same session, back.
    public func create(_ request: CustomerSessionCreate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> CustomerSession
    {
        try await executor.send(
            APIRequest.keyed(.POST, "/v1/customer-sessions/", key: idempotencyKey).with(body: request),
            retries: retries)
    }
}
