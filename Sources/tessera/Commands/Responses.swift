import Foundation
import TesseraClient

// How every client command makes its one API call and prints the answer: with `--json` the
// API's JSON exactly as the server sent it (so fields the SDK's models lack, such as a
// subscription's prices, reach scripts), else text made from the SDK's model.

extension ClientOptions {
    /// Makes `call` and prints the answer: its body with `--json`, else `human(value)`.
    func show<Value>(tokenRequired: Bool = true, _ call: (TesseraClient) async throws -> Value,
                     human: (Value) -> String) async throws {
        try await execute(tokenRequired: tokenRequired) { client in
            let answer = try await client.withRawResponse(call)
            if json {
                Output.raw(answer.body)
            } else {
                print(human(answer.value))
            }
        }
    }

    /// Fetches the page `pages` asks for with `call` and prints it: the body with `--json`,
    /// else `table` of the items and where the page stands among all pages.
    func showPage<Item>(_ pages: PageOptions, noun: String,
                        _ call: (TesseraClient, _ page: Int?, _ limit: Int?) async throws -> ListResource<Item>,
                        table: ([Item]) -> String) async throws {
        try await show({ client in try await call(client, pages.page, pages.limit) }) { list in
            table(list.items) + "\n" + Output.pagination(list.pagination, page: pages.page, noun: noun)
        }
    }

    /// Makes a delete `call`, which the API answers with no body, and prints
    /// `{"deleted": true, "id": …}` with `--json`, else `human`.
    func showDeleted(id: String, _ call: (TesseraClient) async throws -> Void, human: String) async throws {
        try await execute { client in
            try await call(client)
            if json {
                try Output.json(DeletedResult(id: id))
            } else {
                print(human)
            }
        }
    }
}
