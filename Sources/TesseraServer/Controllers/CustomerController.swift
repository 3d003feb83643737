import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/customers` and `/v1/members`: the people who buy and hold seats.
struct CustomerController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func register(on merchant: MerchantRoutes) {
        merchant.add(.post, "/customers", anyOf: .customersWrite, use: create)
        merchant.add(.get, "/customers", anyOf: .customersRead, use: list)
        merchant.add(.get, "/customers/external/:external_id", anyOf: .customersRead, use: getExternal)
        merchant.add(.get, "/customers/external/:external_id/state", anyOf: .customersRead, use: externalState)
        merchant.add(.get, "/customers/:id/state", anyOf: .customersRead, use: state)
        merchant.add(.get, "/customers/:id", anyOf: .customersRead, use: get)
        merchant.add(.patch, "/customers/:id", anyOf: .customersWrite, use: update)
        merchant.add(.delete, "/customers/:id", anyOf: .customersWrite, use: delete)
        merchant.add(.post, "/customers/:id/members", anyOf: .membersWrite, use: createMember)
        merchant.add(.delete, "/customers/:id/members/:member_id", anyOf: .membersWrite, use: deleteMember)
        merchant.add(.get, "/members", anyOf: .membersRead, use: listMembers)
    }

    /// Customers and members, with this controller's database and clock.
    var operations: CustomerOperations { CustomerOperations(database: database, now: now) }

    @Sendable func create(_ request: Request, context: MerchantContext) async throws -> Response {
        var body = try await BodyFields.read(request)
        let email = body.requiredEmail("email")
        let name = body.string("name", maxLength: 256)
        let externalId = body.string("external_id", maxLength: 256)
        let metadata = body.metadata()
        try body.validate()
        let customer = try await operations.create(
            email: email ?? "", name: name, externalId: externalId, metadata: metadata ?? [:],
            organizationId: context.organizationId)
        return .json(Wire.customer(customer), status: .created)
    }

    @Sendable func list(_ request: Request, context: MerchantContext) async throws -> Response {
        var query = QueryFields(request)
        let page = query.page()
        try query.validate()
        let result = try await operations.list(organizationId: context.organizationId, email: query.string("email"),
                                               page: page)
        return .json(Wire.list(result, request: page, item: { Wire.customer($0) }))
    }

    @Sendable func get(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.customer(try await operations.get(id: id, organizationId: context.organizationId)))
    }

    @Sendable func getExternal(_ request: Request, context: MerchantContext) async throws -> Response {
        // Route parameters arrive percent-encoded, as clients send them.
        let rawExternalId = context.parameters.get("external_id") ?? ""
        let externalId = rawExternalId.removingPercentEncoding ?? rawExternalId
        return .json(Wire.customer(try await operations.get(externalId: externalId,
                                                            organizationId: context.organizationId)))
    }

    /// `GET /v1/customers/{id}/state`: active subscriptions and granted benefits.
    @Sendable func state(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.customerState(try await operations.state(id: id, externalId: nil,
                                                                   organizationId: context.organizationId)))
    }

    @Sendable func externalState(_ request: Request, context: MerchantContext) async throws -> Response {
        let rawExternalId = context.parameters.get("external_id") ?? ""
        let externalId = rawExternalId.removingPercentEncoding ?? rawExternalId
        return .json(Wire.customerState(try await operations.state(id: nil, externalId: externalId,
                                                                   organizationId: context.organizationId)))
    }

    @Sendable func update(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let email = body.email("email")
        let name = body.string("name", maxLength: 256)
        let externalId = body.string("external_id", maxLength: 256)
        let metadata = body.metadata()
        try body.validate()
        let update = CustomerUpdate(email: email, name: body.has("name") ? .some(name) : nil, externalId: externalId,
                                    metadata: metadata)
        let customer = try await operations.update(id: id, organizationId: context.organizationId, with: update)
        return .json(Wire.customer(customer))
    }

    /// Deletes the customer and their members, revoking every seat they hold and ending their
    /// portal sessions (API and pages).
    @Sendable func delete(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        try await operations.delete(id: id, organizationId: context.organizationId, actor: context.actor)
        return .noContent
    }

    @Sendable func createMember(_ request: Request, context: MerchantContext) async throws -> Response {
        let customerId = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let email = body.requiredEmail("email")
        let name = body.string("name", maxLength: 256)
        let externalId = body.string("external_id", maxLength: 256)
        let role = body.choice("role", Member.Role.self) ?? .member
        try body.validate()
        let member = try await operations.createMember(
            email: email ?? "", name: name, externalId: externalId, role: role, customerId: customerId,
            organizationId: context.organizationId)
        return .json(Wire.member(member), status: .created)
    }

    /// Deletes a member, revoking the seats they hold and ending their portal sessions.
    @Sendable func deleteMember(_ request: Request, context: MerchantContext) async throws -> Response {
        let customerId = try context.pathUUID("id")
        let memberId = try context.pathUUID("member_id")
        try await operations.deleteMember(id: memberId, customerId: customerId, organizationId: context.organizationId,
                                         actor: context.actor)
        return .noContent
    }

    @Sendable func listMembers(_ request: Request, context: MerchantContext) async throws -> Response {
        var query = QueryFields(request)
        let customerId = query.uuid("customer_id")
        let page = query.page()
        try query.validate()
        let result = try await operations.listMembers(organizationId: context.organizationId, customerId: customerId,
                                                      page: page)
        return .json(Wire.list(result, request: page, item: Wire.member))
    }
}
