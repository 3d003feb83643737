import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `GET /v1/access`: Tessera's own question, the one a merchant's app asks at every sign-in:
/// may this person in, through a claimed seat, to this benefit or product? One indexed read,
/// no write (see `AccessStore`).
struct AccessController {
    let database: TesseraDatabase

    func register(on merchant: MerchantRoutes) {
        merchant.add(.get, "/access", anyOf: .customersRead, use: check)
    }

    @Sendable func check(_ request: Request, context: MerchantContext) async throws -> Response {
        var query = QueryFields(request)
        let benefitId = query.uuid("benefit_id"), productId = query.uuid("product_id")
        let email = query.string("email"), externalCustomerId = query.string("external_customer_id")
        let externalMemberId = query.string("external_member_id")
        let targets: [AccessStore.Target] = [benefitId.map { .benefit($0) }, productId.map { .product($0) }].compactMap { $0 }
        let people: [AccessStore.Person] = [email.map { .email($0) }, externalCustomerId.map { .externalCustomerId($0) },
                                            externalMemberId.map { .externalMemberId($0) }].compactMap { $0 }
        if targets.count != 1 {
            query.appendIssue(key: "benefit_id", "Give exactly one of benefit_id and product_id.")
        }
        if people.count != 1 {
            query.appendIssue(key: "email", "Give exactly one of email, external_customer_id and external_member_id.")
        }
        try query.validate()
        guard let target = targets.first, let person = people.first else { throw ValidationFailure([]) }
        let finding = try await database.read {
            try await $0.access.check(target, for: person, organizationId: context.organizationId)
        }
        return .json(Wire.access(finding, target: target))
    }
}
