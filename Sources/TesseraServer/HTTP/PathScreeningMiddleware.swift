import Hummingbird
import TesseraCore

/// Refuses a path holding an encoded NUL (`%00`) before any route sees it: path segments reach
/// SQL as text (external ids, slugs), and NUL is text neither database stores faithfully.
struct PathScreeningMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        if TextRules.containsEncodedNUL(path) || TextRules.containsNUL(path) {
            throw ValidationFailure([.valueError([.key("path")], TextRules.invalidCharactersMessage, input: .string(path))])
        }
        return try await next(request, context)
    }
}
