import Foundation
import Hummingbird
import TesseraCore

/// Who is calling, resolved from the bearer token by `AuthenticationMiddleware`.
public enum Principal: Sendable, Equatable {
    case operatorAccess
    case organization(tokenId: UUID, organizationId: UUID, scopes: Set<Scope>)
    /// A customer or member session (`PortalSessions`).
    case portal(PortalCaller)
}

/// The request context of every Tessera route: Hummingbird's core storage plus the caller.
public struct TesseraRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil when the request carried no `Authorization` header.
    public var principal: Principal?
    /// Shared with the observation middleware, which reports the request when it ends.
    let observation = RequestObservation()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }
}

/// Authentication and authorization failures, rendered as OAuth 2 bearer errors.
enum AuthError: Error, Equatable {
    /// No credentials, or a kind of credentials this route does not take.
    case unauthorized
    /// A token that is unknown, expired or deleted.
    case invalidToken
    /// A valid token without the scope the route needs.
    case insufficientScope(String)
}
