import Foundation
import Hummingbird
import TesseraCore

/// Registers routes on the router and remembers each method and path, for 405 answers.
struct Routes {
    typealias Handler = @Sendable (Request, TesseraRequestContext) async throws -> Response

    let router: Router<TesseraRequestContext>
    private(set) var registered: [(HTTPRequest.Method, String)] = []

    init(router: Router<TesseraRequestContext>) {
        self.router = router
    }

    mutating func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        router.on(RouterPath(path), method: method, use: handler)
        registered.append((method, path))
    }

    var table: RouteTable { RouteTable(registered) }
}
