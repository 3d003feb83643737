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
        merchant.add(.get, "/customers/:id", anyOf: .customersRead, use: get)
        merchant.add(.patch, "/customers/:id", anyOf: .customersWrite, use: update)
        merchant.add(.delete, "/customers/:id", anyOf: .customersWrite, use: delete)
        merchant.add(.post, "/customers/:id/members", anyOf: .membersWrite, use: createMember)
        merchant.add(.delete, "/customers/:id/members/:member_id", anyOf: .membersWrite, use: deleteMember)
        merchant.add(.get, "/members", anyOf: .membersRead, use: listMembers)
    }

    @Sendable func create(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        var body = try await BodyFields.read(request)
        let email = body.requiredEmail("email")
        let name = body.string("name", maxLength: 256)
        let externalId = body.string("external_id", maxLength: 256)
        let metadata = body.metadata()
        try body.validate()
        let now = now()
        let customer = Customer(
            id: UUID(), organizationId: organizationId, email: email ?? "", name: name, externalId: externalId,
            metadata: metadata ?? [:], createdAt: now, modifiedAt: nil)
        try await database.transaction { tx in
            try await tx.requireUniqueCustomer(customer)
            try await tx.customers.insert(customer)
            try await tx.webhooks.emit(.customerCreated, data: Wire.customer(customer), organizationId: organizationId, at: now)
        }
        return .json(Wire.customer(customer), status: .created)
    }

    @Sendable func list(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        var query = QueryFields(request)
        let page = query.page()
        try query.validate()
        let result = try await database.withConnection {
            try await $0.customers.list(organizationId: organizationId, email: query.string("email"), page: page)
        }
        return .json(Wire.list(result, request: page, item: { Wire.customer($0) }))
    }

    @Sendable func get(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        let customer = try await database.withConnection { try await $0.customers.require(id: id, organizationId: organizationId) }
        return .json(Wire.customer(customer))
    }

    @Sendable func getExternal(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        // Route parameters arrive percent-encoded, as clients send them.
        let rawExternalId = context.parameters.get("external_id") ?? ""
        let externalId = rawExternalId.removingPercentEncoding ?? rawExternalId
        let customer = try await database.withConnection {
            try await $0.customers.find(externalId: externalId, organizationId: organizationId)
        }
        guard let customer else { throw TesseraError.notFound(.customer) }
        return .json(Wire.customer(customer))
    }

    @Sendable func update(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let email = body.email("email")
        let name = body.string("name", maxLength: 256)
        let externalId = body.string("external_id", maxLength: 256)
        let metadata = body.metadata()
        try body.validate()
        let now = now()
        let customer = try await database.transaction { tx in
            var customer = try await tx.customers.require(id: id, organizationId: organizationId)
            if let email { customer.email = email }
            if body.has("name") { customer.name = name }
            if let externalId {
                // Polar lets an external id be set once, never changed.
                if let existing = customer.externalId, existing != externalId {
                    throw ValidationFailure([.valueError([.key("body"), .key("external_id")],
                                                         "external_id cannot be updated once set",
                                                         input: .string(externalId))])
                }
                customer.externalId = externalId
            }
            if let metadata { customer.metadata = metadata }
            customer.modifiedAt = now
            try await tx.requireUniqueCustomer(customer)
            try await tx.customers.update(customer)
            try await tx.webhooks.emit(.customerUpdated, data: Wire.customer(customer), organizationId: organizationId, at: now)
            return customer
        }
        return .json(Wire.customer(customer))
    }

    /// Deletes the customer and their members, revoking every seat they hold and ending their
    /// portal sessions (API and pages) in the same transaction.
    @Sendable func delete(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        let now = now()
        try await database.transaction { tx in
            let customer = try await tx.customers.require(id: id, organizationId: organizationId)
            let memberIds = try await tx.members.ids(customerId: id)
            try await SeatRevocation(tx: tx, now: now).revoke(try await tx.seats.activeSeats(customerId: id, memberIds: memberIds))
            for memberId in memberIds {
                guard let member = try await tx.members.find(id: memberId, organizationId: organizationId) else { continue }
                try await tx.members.softDelete(id: memberId, at: now)
                try await tx.webhooks.emit(.memberDeleted, data: Wire.member(member), organizationId: organizationId, at: now)
            }
            try await tx.customers.softDelete(id: id, at: now)
            // Member sessions carry their customer too, so this ends those of every member above.
            try await tx.accessTokens.deleteSessions(customerId: id)
            try await tx.webhooks.emit(.customerDeleted, data: Wire.customer(customer, deletedAt: now),
                                       organizationId: organizationId, at: now)
        }
        return .noContent
    }

    @Sendable func createMember(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let customerId = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let email = body.requiredEmail("email")
        let name = body.string("name", maxLength: 256)
        let externalId = body.string("external_id", maxLength: 256)
        let role = body.choice("role", Member.Role.self) ?? .member
        try body.validate()
        let member = Member(
            id: UUID(), organizationId: organizationId, customerId: customerId, email: email ?? "", name: name,
            externalId: externalId, role: role, createdAt: now(), modifiedAt: nil)
        try await database.transaction { tx in
            _ = try await tx.customers.require(id: customerId, organizationId: organizationId)
            if try await tx.members.find(email: member.email, customerId: customerId) != nil {
                throw ValidationFailure([.valueError([.key("body"), .key("email")],
                                                     "A member with this email already exists for this customer.",
                                                     input: .string(member.email))])
            }
            if let externalId, try await tx.members.find(externalId: externalId, customerId: customerId) != nil {
                throw ValidationFailure([.valueError([.key("body"), .key("external_id")],
                                                     "A member with this external ID already exists for this customer.",
                                                     input: .string(externalId))])
            }
            try await tx.members.insert(member)
            try await tx.webhooks.emit(.memberCreated, data: Wire.member(member), organizationId: organizationId,
                                       at: member.createdAt)
        }
        return .json(Wire.member(member), status: .created)
    }

    /// Deletes a member, revoking the seats they hold and ending their portal sessions in the
    /// same transaction.
    @Sendable func deleteMember(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let customerId = try context.pathUUID("id")
        let memberId = try context.pathUUID("member_id")
        let now = now()
        try await database.transaction { tx in
            guard let member = try await tx.members.find(id: memberId, organizationId: organizationId),
                  member.customerId == customerId else { throw TesseraError.notFound(.member) }
            try await SeatRevocation(tx: tx, now: now).revoke(try await tx.seats.activeSeats(customerId: nil, memberIds: [memberId]))
            try await tx.members.softDelete(id: memberId, at: now)
            try await tx.accessTokens.deleteSessions(memberId: memberId)
            try await tx.webhooks.emit(.memberDeleted, data: Wire.member(member), organizationId: organizationId, at: now)
        }
        return .noContent
    }

    @Sendable func listMembers(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        var query = QueryFields(request)
        let customerId = query.uuid("customer_id")
        let page = query.page()
        try query.validate()
        let result = try await database.withConnection {
            try await $0.members.list(organizationId: organizationId, customerId: customerId, page: page)
        }
        return .json(Wire.list(result, request: page, item: Wire.member))
    }
}

extension SQLSession {
    /// Email (case-insensitive) and external id are each unique within an organization.
    func requireUniqueCustomer(_ customer: Customer) async throws {
        if let other = try await customers.find(email: customer.email, organizationId: customer.organizationId),
           other.id != customer.id {
            throw ValidationFailure([.valueError([.key("body"), .key("email")],
                                                 "A customer with this email address already exists.",
                                                 input: .string(customer.email))])
        }
        if let externalId = customer.externalId,
           let other = try await customers.find(externalId: externalId, organizationId: customer.organizationId),
           other.id != customer.id {
            throw ValidationFailure([.valueError([.key("body"), .key("external_id")],
                                                 "A customer with this external ID already exists.",
                                                 input: .string(externalId))])
        }
    }
}
