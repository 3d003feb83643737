import Foundation

/// Benefits (`/v1/benefits`) and their grants: scopes `benefits:read` and `benefits:write`.
public struct Benefits: Sendable {
    let executor: RequestExecutor

    /// Creates a benefit. Sends an `Idempotency-Key` (`idempotencyKey`, or a new random one) and
    /// is retried by default: a repeat gets the first answer back.
    public func create(_ request: BenefitCreate, idempotencyKey: String? = nil, retries: RetryConfig? = nil)
        async throws -> Benefit
    {
        try await executor.send(APIRequest.keyed(.POST, "/v1/benefits/", key: idempotencyKey).with(body: request),
                                retries: retries)
    }

    /// A benefit by id. Retried by default.
    public func get(id: String, retries: RetryConfig? = nil) async throws -> Benefit {
        try await executor.send(APIRequest(.GET, "/v1/benefits/\(URLEncoding.segment(id))", safeToRetry: true),
                                retries: retries)
    }

    /// A page of benefits, oldest first: of one `type` and with `query` in their description,
    /// when given. Retried by default.
    public func list(type: BenefitType? = nil, query: String? = nil, page: Int? = nil, limit: Int? = nil,
                     retries: RetryConfig? = nil) async throws -> ListResource<Benefit> {
        let items = pageQuery(page, limit) + [("type", type?.rawValue), ("query", query)]
        return try await executor.send(APIRequest(.GET, "/v1/benefits/", query: items, safeToRetry: true), retries: retries)
    }

    /// Changes the fields that are set. Retried by default.
    public func update(id: String, _ request: BenefitUpdate, retries: RetryConfig? = nil) async throws -> Benefit {
        try await executor.send(
            APIRequest(.PATCH, "/v1/benefits/\(URLEncoding.segment(id))", safeToRetry: true).with(body: request),
            retries: retries)
    }

    /// A page of one benefit's grants: to one customer or member, live (`isGranted: true`) or
    /// revoked (`false`), when given. Retried by default.
    public func grants(id: String, customerId: String? = nil, memberId: String? = nil, isGranted: Bool? = nil,
                       page: Int? = nil, limit: Int? = nil, retries: RetryConfig? = nil) async throws
        -> ListResource<BenefitGrant>
    {
        let items = pageQuery(page, limit) + [("customer_id", customerId), ("member_id", memberId),
                                              ("is_granted", isGranted.map { $0 ? "true" : "false" })]
        return try await executor.send(
            APIRequest(.GET, "/v1/benefits/\(URLEncoding.segment(id))/grants", query: items, safeToRetry: true),
            retries: retries)
    }

    /// A page of the organization's grants (`GET /v1/benefit-grants/`): to one customer (by id
    /// or external id), live or revoked, when given. Retried by default.
    public func allGrants(customerId: String? = nil, externalCustomerId: String? = nil, isGranted: Bool? = nil,
                          page: Int? = nil, limit: Int? = nil, retries: RetryConfig? = nil) async throws
        -> ListResource<BenefitGrant>
    {
        let items = pageQuery(page, limit) + [("customer_id", customerId), ("external_customer_id", externalCustomerId),
                                              ("is_granted", isGranted.map { $0 ? "true" : "false" })]
        return try await executor.send(APIRequest(.GET, "/v1/benefit-grants/", query: items, safeToRetry: true),
                                       retries: retries)
    }

    /// Deletes a benefit: it leaves every product. Retried by default (a repeat after a lost
    /// answer gets a 404).
    public func delete(id: String, retries: RetryConfig? = nil) async throws {
        try await executor.sendExpectingNoContent(
            APIRequest(.DELETE, "/v1/benefits/\(URLEncoding.segment(id))", safeToRetry: true), retries: retries)
    }
}

extension Products {
    /// Makes `benefitIds`, in this order, the product's benefits (`POST /v1/products/{id}/benefits`).
    /// Retried by default: the same list twice leaves the same product.
    public func setBenefits(productId: String, benefitIds: [String], retries: RetryConfig? = nil) async throws -> Product {
        try await executor.send(
            APIRequest(.POST, "/v1/products/\(URLEncoding.segment(productId))/benefits", safeToRetry: true)
                .with(body: ProductBenefitsUpdate(benefits: benefitIds)),
            retries: retries)
    }
}
