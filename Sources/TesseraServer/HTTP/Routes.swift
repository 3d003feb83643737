import Foundation
import Hummingbird
import TesseraCore

/// Registers routes on the router and remembers each method and path, for 405 answers.
struct Routes {
    typealias Handler = @Sendable (Request, TesseraRequestContext) async throws -> Response

    /// The router, or a group of it with its own middleware.
    private let target: any RouterMethods<TesseraRequestContext>
    private(set) var registered: [(HTTPRequest.Method, String)] = []

    init(router: Router<TesseraRequestContext>) {
        target = router
    }

    private init(target: any RouterMethods<TesseraRequestContext>) {
        self.target = target
    }

    mutating func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        target.on(RouterPath(path), method: method, use: handler)
        registered.append((method, path))
    }

    /// Adds the routes `register` adds behind `middleware`, which runs inside the router's own
    /// middleware and for these routes only (the pages' HTML errors, for example).
    mutating func group(behind middleware: some RouterMiddleware<TesseraRequestContext>,
                        _ register: (inout Routes) -> Void) {
        var group = Routes(target: target.group().add(middleware: middleware))
        register(&group)
        registered += group.registered
    }

    var table: RouteTable { RouteTable(registered) }
}
