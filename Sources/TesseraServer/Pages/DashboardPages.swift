import Foundation
import TesseraCore
import TesseraStore

/// What the dashboard's overview shows of an organization, read by `DashboardOverviews` in
/// as many statements whatever its size.
struct DashboardOverview: Sendable {
    var totals: DashboardStore.SeatTotals
    /// When `totals` were counted (they may be up to `OverviewFigures.totalsMaximumAge` old).
    var totalsAsOf: Date
    var invitations: DashboardStore.PendingInvitations
    /// Claims per UTC day (days since 1970) over `claimDays`.
    var claims: [Int: Int]
    var claimDays: ClosedRange<Int>
    /// Webhook delivery attempts per hour (hours since 1970) over `deliveryHours`.
    var deliveries: [Int: DashboardStore.DeliveryHour]
    var deliveryHours: ClosedRange<Int>
    var oldest: DashboardStore.OldestUndelivered

    // MARK: Template values

    func values(now: Date) -> [String: Any] {
        let claimsTotal = claimDays.reduce(0) { $0 + (claims[$1] ?? 0) }
        let attempts = deliveryHours.compactMap { deliveries[$0] }
        let succeeded = attempts.reduce(0) { $0 + $1.succeeded }
        let failed = attempts.reduce(0) { $0 + $1.failed }
        return [
            "pools": totals.pools, "seats_used": totals.used, "seats_total": totals.seats,
            "totals_as_of": PageRenderer.time(totalsAsOf),
            "utilisation": DashboardCharts.utilisation(used: totals.used, total: totals.seats, id: "overview"),
            "pending": invitations.pending, "expiring_soon": invitations.expiringSoon,
            "expired": invitations.expired, "has_expired": invitations.expired > 0,
            "claims_total": claimsTotal,
            "claims_chart": DashboardCharts.dailyLine(claimDays.map { (day: $0, count: claims[$0] ?? 0) }),
            "deliveries_succeeded": succeeded, "deliveries_failed": failed,
            "delivery_rate": attempts.isEmpty ? "No deliveries" : "\(Self.percent(succeeded, of: succeeded + failed)) delivered",
            "delivery_strip": DashboardCharts.deliveryStrip(deliveryHours.map { hour in
                (hour: hour, succeeded: deliveries[hour]?.succeeded ?? 0, failed: deliveries[hour]?.failed ?? 0)
            }),
            "oldest_email": oldest.email.map { Self.age(since: $0, now: now) } ?? "",
            "has_oldest_email": oldest.email != nil,
            "oldest_webhook": oldest.webhook.map { Self.age(since: $0, now: now) } ?? "",
            "has_oldest_webhook": oldest.webhook != nil,
        ]
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0%" }
        return "\(Int((Double(part) * 100 / Double(whole)).rounded()))%"
    }

    /// "queued 3 minutes ago", to the largest whole unit.
    static func age(since date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        let (count, unit) = seconds >= 86_400 ? (seconds / 86_400, "day")
            : seconds >= 3_600 ? (seconds / 3_600, "hour") : seconds >= 60 ? (seconds / 60, "minute") : (seconds, "second")
        return "queued \(count) \(unit)\(count == 1 ? "" : "s") ago"
    }
}

/// The overview's pictures: SVG drawn here, on the server, as numbers for the templates (no
/// script, no inline style: the page's policy allows neither). Each comes with its words, for
/// the chart's title and for a table that screen readers and text browsers read instead.
enum DashboardCharts {
    /// A bar as wide as the seats bought, filled as far as the seats used.
    static func utilisation(used: Int, total: Int, id: String) -> [String: Any] {
        let filled = total > 0 ? min(100, Double(used) * 100 / Double(total)) : 0
        return [
            "id": id, "used_width": format(filled),
            "label": total > 0 ? "\(used) of \(total) seats used (\(DashboardOverview.percent(used, of: total)))"
                : "No seats bought",
        ]
    }

    /// A line of a count per day, scaled to the largest; with the day-by-day table.
    static func dailyLine(_ days: [(day: Int, count: Int)]) -> [String: Any] {
        let width = 300.0, height = 100.0, top = 8.0, bottom = 92.0
        let largest = max(1, days.map(\.count).max() ?? 0)
        let step = days.count > 1 ? width / Double(days.count - 1) : 0
        let points = days.enumerated().map { index, entry in
            "\(format(Double(index) * step)),\(format(bottom - (bottom - top) * Double(entry.count) / Double(largest)))"
        }
        let total = days.reduce(0) { $0 + $1.count }
        let first = days.first.map { PageRenderer.date(day: $0.day) } ?? ""
        let last = days.last.map { PageRenderer.date(day: $0.day) } ?? ""
        return [
            "points": points.joined(separator: " "), "width": format(width), "height": format(height),
            "largest": days.map(\.count).max() ?? 0, "first_day": first, "last_day": last,
            "label": "\(total) claim\(total == 1 ? "" : "s") from \(first) to \(last); at most \(days.map(\.count).max() ?? 0) in a day",
            "rows": days.reversed().map { ["day": PageRenderer.date(day: $0.day), "count": $0.count] as [String: Any] },
        ]
    }

    /// One cell per hour: green when every delivery attempt succeeded, red when none did, amber
    /// in between, grey without attempts.
    static func deliveryStrip(_ hours: [(hour: Int, succeeded: Int, failed: Int)]) -> [String: Any] {
        let cells: [[String: Any]] = hours.enumerated().map { index, hour in
            let state = hour.succeeded + hour.failed == 0 ? "none"
                : hour.failed == 0 ? "ok" : hour.succeeded == 0 ? "failed" : "mixed"
            let text = "\(PageRenderer.hour(hour.hour)): \(hour.succeeded) delivered, \(hour.failed) failed"
            return ["x": index * 10, "state": state, "text": text]
        }
        let attempted = hours.filter { $0.succeeded + $0.failed > 0 }
        return [
            "cells": cells, "width": hours.count * 10,
            "label": "Webhook deliveries per hour over the last \(hours.count) hours: "
                + "\(attempted.filter { $0.failed == 0 }.count) hours all delivered, "
                + "\(attempted.filter { $0.failed > 0 }.count) with failures, \(hours.count - attempted.count) without deliveries",
            "rows": cells.reversed().filter { ($0["state"] as? String) != "none" }.map { ["text": $0["text"] ?? ""] },
        ]
    }

    /// A coordinate with at most one decimal, as SVG reads it.
    static func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// A customer's pools on the dashboard: its subscriptions and orders with seats, the first 50 of each.
struct DashboardCustomerPools: Sendable {
    struct Pool: Sendable {
        var kind: DashboardPoolKind
        var id: UUID
        var productId: UUID
        var productName = ""
        var status: String
        var used: Int
        var seats: Int
        var createdAt: Date
    }

    var customer: Customer
    var pools: [Pool]

    static func load(_ session: SQLSession, customer: Customer, limit: Int) async throws -> DashboardCustomerPools {
        let organizationId = customer.organizationId
        let first = PageRequest(page: 1, limit: limit)
        var pools: [Pool] = []
        for subscription in try await session.subscriptions.list(
            organizationId: organizationId, customerId: customer.id, productId: nil, page: first).items {
            guard let seats = subscription.seats else { continue }
            pools.append(Pool(kind: .subscriptions, id: subscription.id, productId: subscription.productId,
                              status: subscription.status.rawValue, used: subscription.activeSeats, seats: seats,
                              createdAt: subscription.createdAt))
        }
        for order in try await session.orders.list(
            organizationId: organizationId, customerId: customer.id, productId: nil, page: first).items {
            guard let seats = order.seats else { continue }
            pools.append(Pool(kind: .orders, id: order.id, productId: order.productId, status: order.status.rawValue,
                              used: order.activeSeats, seats: seats, createdAt: order.createdAt))
        }
        // Each product's name once, however many pools share it.
        var names: [UUID: String] = [:]
        for index in pools.indices {
            let productId = pools[index].productId
            if names[productId] == nil {
                names[productId] = try await session.products.name(id: productId, organizationId: organizationId) ?? "Seats"
            }
            pools[index].productName = names[productId] ?? "Seats"
        }
        return DashboardCustomerPools(customer: customer, pools: pools)
    }

    var values: [String: Any] {
        [
            "customer_email": customer.email, "customer_name": customer.name ?? "",
            "customer_external_id": customer.externalId ?? "", "customer_id": customer.id.wire,
            "has_pools": !pools.isEmpty,
            "pools": pools.map { pool in
                [
                    "href": DashboardPoolKind.path(of: pool.kind.reference(pool.id)), "product_name": pool.productName,
                    "kind_label": pool.kind == .subscriptions ? "Subscription" : "One-time order",
                    "status": pool.status, "created": PageRenderer.time(pool.createdAt),
                    "utilisation": DashboardCharts.utilisation(used: pool.used, total: pool.seats, id: pool.id.wire),
                ] as [String: Any]
            },
        ]
    }
}

/// A pool's page: its counts, one page of its seats, and the forms the session may use.
struct DashboardPoolPage {
    var pool: SeatPool
    var seats: CursorPage<SeatDetails>
    var customer: Customer
    var productName: String
    /// The page's own path, for paging.
    var path: String
    var isLaterPage: Bool
    var viewer: DashboardViewer

    var values: [String: Any] {
        let mayChangeSeats = viewer.may(.customerSeatsWrite)
        let isSubscription = pool.reference.subscriptionId != nil
        return [
            "product_name": productName, "kind_label": isSubscription ? "Subscription" : "One-time order",
            "pool_id": pool.reference.id.wire, "pool_path": path,
            "pool_field": isSubscription ? "subscription_id" : "order_id",
            "customer_email": customer.email, "customer_href": "/dashboard/customers/\(customer.id.wire)",
            "used": pool.activeSeats, "total": pool.seats ?? 0, "free": pool.availableSeats,
            "utilisation": DashboardCharts.utilisation(used: pool.activeSeats, total: pool.seats ?? 0,
                                                       id: pool.reference.id.wire),
            "may_change_seats": mayChangeSeats,
            "can_assign": mayChangeSeats && pool.acceptsAssignments && pool.availableSeats > 0,
            "may_resize": isSubscription && viewer.may(.subscriptionsWrite) && pool.acceptsAssignments,
            "seats": seats.items.map { details -> [String: Any] in
                let seat = details.seat
                var row: [String: Any] = [
                    "seat_id": seat.id.wire, "status": seat.status.rawValue, "email": details.holderEmail ?? "",
                    "has_email": details.holderEmail != nil,
                    "assigned": PageRenderer.time(seat.assignedAt ?? seat.createdAt), "claimed": false, "revoked": false,
                    "can_resend": mayChangeSeats && seat.status == .pending,
                    "can_revoke": mayChangeSeats && seat.status != .revoked,
                ]
                if let claimedAt = seat.claimedAt, seat.status == .claimed { row["claimed"] = PageRenderer.time(claimedAt) }
                if let revokedAt = seat.revokedAt, seat.status == .revoked { row["revoked"] = PageRenderer.time(revokedAt) }
                return row
            },
            "columns": mayChangeSeats ? 5 : 4,
            "next_href": seats.next.map { "\(path)?cursor=\($0.text)" } ?? "",
            "is_later_page": isLaterPage,
        ]
    }
}

/// The deliveries page: the organization's webhook endpoints, failing ones first, each with its
/// latest attempts, and its emails that failed for good. Each endpoint's attempts are a walk of
/// its own index, so the page costs one statement per endpoint shown (at most 50), whatever the
/// number of deliveries.
struct DashboardDeliveries: Sendable {
    struct Endpoint: Sendable {
        var endpoint: WebhookEndpoint
        var attempts: [DashboardStore.DeliveryAttempt]

        /// Turned off, failing events in a row, or its latest attempt failed.
        var isFailing: Bool {
            !endpoint.enabled || endpoint.failedEventsInRow > 0 || attempts.first.map { !$0.succeeded } ?? false
        }
    }

    static let attemptsPerEndpoint = 10

    var endpoints: [Endpoint]
    var failedEmails: CursorPage<OutboxMessage>

    static func load(_ session: SQLSession, organizationId: UUID, limit: Int, emailsAfter cursor: ListCursor?)
        async throws -> DashboardDeliveries
    {
        var endpoints: [Endpoint] = []
        for endpoint in try await session.webhooks.endpoints(organizationId: organizationId,
                                                             page: PageRequest(page: 1, limit: limit)).items {
            endpoints.append(Endpoint(endpoint: endpoint, attempts: try await session.dashboard.recentDeliveries(
                endpointId: endpoint.id, limit: attemptsPerEndpoint)))
        }
        // Failing first; otherwise in the order they were registered.
        let ordered = endpoints.filter(\.isFailing) + endpoints.filter { !$0.isFailing }
        return DashboardDeliveries(
            endpoints: ordered,
            failedEmails: try await session.dashboard.failedEmails(organizationId: organizationId, limit: limit,
                                                                   after: cursor))
    }

    func values(mayRedeliver: Bool) -> [String: Any] {
        [
            "has_endpoints": !endpoints.isEmpty,
            "endpoints": endpoints.map { entry -> [String: Any] in
                let endpoint = entry.endpoint
                let state = !endpoint.enabled ? "Turned off\(endpoint.disabledReason.map { ": \($0)" } ?? "")"
                    : entry.isFailing ? "Failing" : "Healthy"
                return [
                    "id": endpoint.id.wire, "url": endpoint.url, "name": endpoint.name ?? "",
                    "state": state, "is_failing": entry.isFailing,
                    "failed_in_row": endpoint.failedEventsInRow,
                    "attempts": entry.attempts.map { attempt -> [String: Any] in
                        [
                            "event_id": attempt.eventId.wire, "event_type": attempt.eventType,
                            "result": attempt.succeeded ? "delivered" : "failed",
                            "detail": attempt.httpCode.map { "HTTP \($0)" } ?? attempt.error ?? "no answer",
                            "duration": "\(attempt.durationMs) ms", "when": PageRenderer.time(attempt.createdAt),
                            "may_redeliver": mayRedeliver,
                        ]
                    },
                ]
            },
            "failed_emails": failedEmails.items.map { message -> [String: Any] in
                [
                    "to": message.payload["to"]?.stringValue ?? "", "subject": message.payload["subject"]?.stringValue ?? "",
                    "error": message.lastError ?? "", "attempts": message.attempts,
                    "when": PageRenderer.time(message.createdAt),
                ]
            },
            "next_href": failedEmails.next.map { "/dashboard/deliveries?cursor=\($0.text)#emails" } ?? "",
        ]
    }
}
