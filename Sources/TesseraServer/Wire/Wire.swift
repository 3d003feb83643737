import Foundation
import TesseraCore
import TesseraStore

/// The JSON shapes of Polar's API, built field by field so that every nullable field is
/// written as `null` and every name is exactly the wire name.
enum Wire {
    static func validationError(_ failure: ValidationFailure) -> JSONValue {
        .object([
            "error": "RequestValidationError",
            "detail": .array(failure.issues.map { issue in
                .object([
                    "type": .string(issue.type),
                    "loc": .array(issue.loc.map { part in
                        switch part {
                        case .key(let key): .string(key)
                        case .index(let index): .int(Int64(index))
                        }
                    }),
                    "msg": .string(issue.msg),
                    "input": issue.input,
                ])
            }),
        ])
    }

    static func list<Item>(_ page: Page<Item>, request: PageRequest, item: (Item) -> JSONValue) -> JSONValue {
        let maxPage = page.totalCount == 0 ? 0 : (page.totalCount + request.limit - 1) / request.limit
        return .object([
            "items": .array(page.items.map(item)),
            "pagination": .object(["total_count": JSONValue(page.totalCount), "max_page": JSONValue(maxPage)]),
        ])
    }
}
