import Foundation
import Hummingbird
import Testing
import TesseraCore
@testable import TesseraServer

/// The OpenAPI document (`docs/openapi.json`, served at `GET /openapi.json`) against the router:
/// every registered route is in it with the access its group gives, it names no route the router
/// lacks, the server serves exactly the file, and it holds only schemas it uses.
@Suite struct OpenAPIDocumentTests {
    /// Routes the document leaves out on purpose: one list, with the reason (the document's
    /// description says the same).
    static let excluded: [(prefix: String, reason: String)] = [
        ("/:slug/portal", "the claim page and customer portal: HTML pages for people, not API"),
        ("/_static/", "the pages' stylesheet"),
        ("/dashboard", "the merchant's dashboard: HTML pages for people, not API"),
    ]

    static func isExcluded(_ path: String) -> Bool {
        excluded.contains { path.hasPrefix($0.prefix) }
    }

    /// The document as the server holds it.
    static func document() throws -> JSONValue {
        try JSONValue.parse(bytes: Array(OpenAPIDocument.text.utf8))
    }

    /// `/v1/customers/:id/` as the document writes it: `{id}`, and no trailing slash (the router
    /// matches a path with or without one, and the document keeps Polar's `/v1/customers/`).
    static func normalized(_ path: String) -> String {
        let segments = path.split(separator: "/").map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }
        return "/" + segments.joined(separator: "/")
    }

    static func registeredRoutes() async throws -> [RegisteredRoute] {
        try await Backend.sqlite.withFreshDatabase { database, _ in
            buildRoutes(configuration: ServerConfiguration(), database: database).catalog.registered
        }
    }

    /// Each operation of the document, keyed `METHOD /normalized/path`.
    static func operations(_ document: JSONValue) -> [String: JSONValue] {
        var found: [String: JSONValue] = [:]
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] where method != "parameters" {
                found["\(method.uppercased()) \(normalized(path))"] = operation
            }
        }
        return found
    }

    @Test func documentHasEveryRouteAndNoOther() async throws {
        let document = try Self.document()
        let documented = Set(Self.operations(document).keys)
        let routes = try await Self.registeredRoutes().filter { !Self.isExcluded($0.path) }
        let registered = Set(routes.map { "\($0.method.rawValue) \(Self.normalized($0.path))" })
        #expect(routes.count == registered.count, "a route is registered twice")
        let undocumented = registered.subtracting(documented).sorted()
        let unknown = documented.subtracting(registered).sorted()
        #expect(undocumented.isEmpty, "routes missing from docs/openapi.json: \(undocumented)")
        #expect(unknown.isEmpty, "docs/openapi.json names routes the router lacks: \(unknown)")
    }

    @Test func excludedRoutesExistAndTheDocumentSaysSo() async throws {
        let routes = try await Self.registeredRoutes()
        let description = try Self.document()["info"]?["description"]?.stringValue ?? ""
        for (prefix, reason) in Self.excluded {
            #expect(routes.contains { $0.path.hasPrefix(prefix) }, "no route under \(prefix) (\(reason)): drop it from the list")
            #expect(description.contains("`\(Self.normalized(prefix))"), "the document's description does not mention \(prefix)")
        }
    }

    /// Each operation's `security` is what its group admits: none, the operator token, a portal
    /// session, or an organization token with any one of the route's scopes (a write scope also
    /// admits where its read scope does).
    @Test func everyOperationNamesTheCredentialsItsRouteAdmits() async throws {
        let operations = Self.operations(try Self.document())
        for route in try await Self.registeredRoutes() where !Self.isExcluded(route.path) {
            let key = "\(route.method.rawValue) \(Self.normalized(route.path))"
            guard let operation = operations[key] else { continue }  // reported by documentHasEveryRouteAndNoOther
            let security = Set((operation["security"]?.arrayValue ?? []).map(\.description))
            let expected: Set<String> = switch route.access {
            case .public: []
            case .operator: [#"{"operatorToken":[]}"#]
            case .portal: [#"{"customerSession":[]}"#, #"{"memberSession":[]}"#]
            case .merchant(let scopes):
                Set(Scope.allCases.filter { candidate in scopes.contains { $0.isGranted(by: [candidate]) } }
                    .map { #"{"organizationAccessToken":["\#($0.rawValue)"]}"# })
            }
            #expect(operation["security"] != nil, "\(key) has no security")
            #expect(security == expected, "\(key): security \(security.sorted()), expected \(expected.sorted())")
        }
    }

    @Test func theServerServesTheDocumentFile() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(OpenAPIDocument.text + "\n" == file,
                "Sources/TesseraServer/OpenAPI/OpenAPIDocumentText.swift is not docs/openapi.json: run scripts/embed-openapi")
        try await TestServer.run(.sqlite) { server in
            let response = try await server.request(.get, "/openapi.json")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.json == (try Self.document()))
            #expect(response["openapi"]?.stringValue == "3.1.0")
        }
    }

    /// Every `$ref` resolves, and every schema is reached from an operation (unused ones are
    /// dead text to review and keep right).
    @Test func everySchemaIsUsedAndEveryReferenceResolves() throws {
        let document = try Self.document()
        let components = document["components"]?.objectValue ?? [:]
        func target(_ reference: String) -> JSONValue? {
            let parts = reference.split(separator: "/").map(String.init)
            guard parts.count == 4, parts[0] == "#", parts[1] == "components" else { return nil }
            return components[parts[2]]?[parts[3]]
        }
        var reached: Set<String> = []
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if case .string(let reference)? = members["$ref"] {
                    #expect(target(reference) != nil, "unresolved reference \(reference)")
                    if reached.insert(reference).inserted, let referenced = target(reference) { walk(referenced) }
                }
                for member in members.values { walk(member) }
            case .array(let items):
                items.forEach(walk)
            default:
                break
            }
        }
        walk(document["paths"] ?? .null)
        let schemas = Set((components["schemas"]?.objectValue ?? [:]).keys.map { "#/components/schemas/\($0)" })
        #expect(schemas.subtracting(reached).isEmpty, "schemas nothing uses: \(schemas.subtracting(reached).sorted())")
    }
}
