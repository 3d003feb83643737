import Foundation
import TesseraCore
import TesseraStore

/// What the portal page shows: every seat pool (subscription or order) billed to the signed-in
/// customer, with its seats, and the seats the viewer holds in other customers' pools.
struct PortalOverview: Sendable {
    struct Pool: Sendable {
        var pool: SeatPool
        var kindLabel: String
        var statusLabel: String
        var productName: String
        /// One page of the pool's seats, oldest first.
        var seats: [SeatDetails]
        /// Where the next page starts; nil on the last.
        var next: ListCursor?
        /// Whether this is a later page than the first.
        var isLaterPage: Bool
    }

    /// Seats shown per pool and page: a pool of any size costs one page.
    static let seatsPerPage = 50

    struct HeldSeat: Sendable {
        var productName: String
        var claimedAt: Date?
    }

    var pools: [Pool]
    var held: [HeldSeat]

    /// Reads everything in one connection. Only pools whose billing customer is the viewer's
    /// customer are read, the same reach as `SeatOperations.Scope(organizationId:customerId:)`.
    /// `page` names the pool whose seats continue after a cursor; every other pool shows its
    /// first page.
    static func load(_ session: SQLSession, viewer: PortalViewer, page: (poolId: UUID, cursor: ListCursor)? = nil)
        async throws -> PortalOverview
    {
        let organizationId = viewer.organization.id
        let customerId = viewer.caller.customerId
        var products: [UUID: String] = [:]
        func productName(_ id: UUID) async throws -> String {
            if let name = products[id] { return name }
            let name = try await session.products.find(id: id, organizationId: organizationId)?.name ?? "Seats"
            products[id] = name
            return name
        }

        var pools: [Pool] = []
        var references: [(SeatPoolReference, String, String)] = []
        for subscription in try await allPages({ page in
            try await session.subscriptions.list(organizationId: organizationId, customerId: customerId,
                                                 productId: nil, page: page)
        }) where subscription.seats != nil {
            let status = subscription.status == .active && subscription.cancelAtPeriodEnd
                ? "Active until the end of the period" : label(subscription.status.rawValue)
            references.append((.subscription(subscription.id), "Subscription", status))
        }
        for order in try await allPages({ page in
            try await session.orders.list(organizationId: organizationId, customerId: customerId, productId: nil,
                                          page: page)
        }) where order.seats != nil {
            references.append((.order(order.id), "One-time order", order.status == .pending ? "Awaiting payment" : label(order.status.rawValue)))
        }
        for (reference, kind, status) in references {
            guard let pool = try await session.seats.pool(reference, organizationId: organizationId),
                  pool.customerId == customerId else { continue }
            let cursor = page.flatMap { $0.poolId == reference.id ? $0.cursor : nil }
            let seats = try await session.seats.details(in: reference, billingCustomerId: customerId, status: nil,
                                                        emailPrefix: nil, limit: Self.seatsPerPage, after: cursor)
            pools.append(Pool(pool: pool, kindLabel: kind, statusLabel: status,
                              productName: try await productName(pool.productId),
                              seats: seats.items, next: seats.next, isLaterPage: cursor != nil))
        }

        // Claimed seats the viewer holds in pools that someone else pays for.
        let ownPools = Set(pools.map(\.pool.reference))
        let viewersSeats = if let member = viewer.member {
            try await session.seats.activeSeats(heldByMember: member.id)
        } else {
            try await session.seats.activeSeats(heldByCustomer: customerId)
        }
        var held: [HeldSeat] = []
        for seat in viewersSeats
        where seat.status == .claimed && !ownPools.contains(seat.pool) && seat.organizationId == organizationId {
            guard let pool = try await session.seats.pool(seat.pool, organizationId: organizationId) else { continue }
            held.append(HeldSeat(productName: try await productName(pool.productId), claimedAt: seat.claimedAt))
        }
        return PortalOverview(pools: pools, held: held)
    }

    private static func allPages<Item>(_ fetch: (PageRequest) async throws -> Page<Item>) async throws -> [Item] {
        var items: [Item] = []
        var number = 1
        while true {
            let page = try await fetch(PageRequest(page: number, limit: 100))
            items += page.items
            if page.items.count < 100 || items.count >= page.totalCount { return items }
            number += 1
        }
    }

    private static func label(_ raw: String) -> String {
        raw.replacingOccurrences(of: "_", with: " ").prefix(1).uppercased() + raw.replacingOccurrences(of: "_", with: " ").dropFirst()
    }

    // MARK: Template values

    func values(viewer: PortalViewer, csrf: String, notice: PortalNotice?, error: PageErrorMessage?,
                form: (poolId: UUID?, email: String)?, bulk: PortalBulkOutcome? = nil) -> [String: Any] {
        let canManage = viewer.canManage
        let poolValues: [[String: Any]] = pools.map { entry in
            let pool = entry.pool
            let seats: [[String: Any]] = entry.seats.map { details in
                let seat = details.seat
                let email = details.holderEmail ?? ""
                let name = details.member?.name ?? ""
                var values: [String: Any] = [
                    "seat_id": seat.id.wire, "status": seat.status.rawValue,
                    "status_label": Self.label(seat.status.rawValue),
                    "has_person": !email.isEmpty, "person_email": email, "has_name": !name.isEmpty, "person_name": name,
                    "assigned": PageRenderer.time(seat.assignedAt ?? seat.createdAt),
                    "claimed": false, "revoked": false,
                    "can_resend": seat.status == .pending, "can_revoke": seat.status != .revoked,
                ]
                if let claimedAt = seat.claimedAt, seat.status == .claimed { values["claimed"] = PageRenderer.time(claimedAt) }
                if let revokedAt = seat.revokedAt, seat.status == .revoked { values["revoked"] = PageRenderer.time(revokedAt) }
                return values
            }
            let blocked: String
            if !pool.acceptsAssignments {
                blocked = pool.reference.orderId != nil
                    ? "Seats can be assigned once this order is paid." : "This subscription has ended; no new seats can be assigned."
            } else {
                blocked = "Every seat is in use. Revoke a seat to free it for someone else."
            }
            let total = pool.seats ?? 0
            return [
                "pool_id": pool.reference.id.wire,
                "pool_field": pool.reference.subscriptionId != nil ? "subscription_id" : "order_id",
                "product_name": entry.productName, "kind_label": entry.kindLabel, "status_label": entry.statusLabel,
                "used": pool.activeSeats, "total": total, "free": pool.availableSeats,
                "seats": seats, "columns": canManage ? 6 : 5,
                "can_assign": pool.acceptsAssignments && pool.availableSeats > 0, "assign_blocked": blocked,
                "form_email": form.flatMap { $0.poolId == pool.reference.id ? $0.email : nil } ?? "",
                "next_href": entry.next.map {
                    "/\(viewer.organization.slug)/portal?pool=\(pool.reference.id.wire)&cursor=\($0.text)#pool-\(pool.reference.id.wire)"
                } ?? "",
                "has_next": entry.next != nil, "is_later_page": entry.isLaterPage,
                "first_href": "/\(viewer.organization.slug)/portal#pool-\(pool.reference.id.wire)",
            ]
        }
        let heldValues: [[String: Any]] = held.map { seat in
            ["product_name": seat.productName,
             "claimed_text": seat.claimedAt.map { PageRenderer.time($0)["text"] as? String ?? "" } ?? ""]
        }
        return [
            "organization_name": viewer.organization.customerFacingName, "slug": viewer.organization.slug, "csrf": csrf,
            "viewer_email": viewer.email,
            "viewer_role": viewer.member.map { Self.label($0.role.rawValue) as Any } ?? (false as Any),
            "can_manage": canManage,
            "has_notice": notice != nil, "notice": notice?.text ?? "",
            "has_bulk": bulk != nil, "bulk_summary": bulk?.summary ?? "", "has_bulk_failures": !(bulk?.failures.isEmpty ?? true),
            "bulk_failures": bulk?.failures.map { ["email": $0.email, "reason": $0.reason] } ?? [],
            "has_error": error != nil, "error_heading": error?.heading ?? "", "error_message": error?.message ?? "",
            "has_pools": !pools.isEmpty, "pools": poolValues,
            "has_held": !held.isEmpty, "held": heldValues,
        ]
    }
}

/// What a pasted list of addresses came to, in words for the page.
struct PortalBulkOutcome {
    var summary: String
    /// Each address that was not invited, with why.
    var failures: [(email: String, reason: String)]

    init(emails: [String], outcomes: [BulkSeatOutcome]) {
        var (assigned, held) = (0, 0)
        failures = []
        for (email, outcome) in zip(emails, outcomes) {
            switch outcome {
            case .assigned: assigned += 1
            case .alreadyAssigned: held += 1
            case .failed(let error): failures.append((email, PageErrorMessage(error)?.message ?? "It could not be invited."))
            case .notAssigned: break
            }
        }
        var sentences = ["Invited \(Self.people(assigned)); each gets an invitation email."]
        if held > 0 { sentences.append("\(Self.people(held).capitalizedFirst) already had a seat.") }
        if !failures.isEmpty { sentences.append("\(Self.people(failures.count).capitalizedFirst) could not be invited:") }
        summary = sentences.joined(separator: " ")
    }

    private static func people(_ count: Int) -> String { count == 1 ? "1 person" : "\(count) people" }
}

private extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

/// One row of a seat's history page, in words for the customer.
struct SeatHistoryRow {
    let event: SeatEvent
    let viewer: PortalViewer

    init(_ event: SeatEvent, viewer: PortalViewer) {
        self.event = event
        self.viewer = viewer
    }

    var values: [String: Any] {
        let time = PageRenderer.time(event.createdAt)
        return [
            "type": event.kind.rawValue, "when": time["text"] ?? "", "iso": time["iso"] ?? "",
            "what": what, "by": by,
            "holder": (event.holderAfter ?? event.holderBefore)?.email ?? "—",
        ]
    }

    var what: String { Self.what(event.kind) }

    /// What a change did, in words: the portal's and the dashboard's history say the same.
    static func what(_ kind: SeatEvent.Kind) -> String {
        switch kind {
        case .assigned: "Assigned"
        case .invitationSent: "Invitation sent"
        case .invitationResent: "Invitation sent again"
        case .claimed: "Claimed"
        case .revoked: "Revoked"
        case .transferred: "Transferred"
        case .expired: "Expired"
        }
    }

    /// Who acted: "You" when it was the signed-in customer or member.
    var by: String {
        switch event.actor {
        case .organizationToken: "\(viewer.organization.customerFacingName)"
        case .operator: "\(viewer.organization.customerFacingName) (operator)"
        case .customer(let id): id == viewer.customer.id && viewer.member == nil ? "You" : "Your company's account"
        case .member(let id): id == viewer.member?.id ? "You" : "A team member"
        case .claimer: event.holderAfter?.email ?? "The person invited"
        case .system: "Automatically"
        }
    }
}
