import Foundation
import SQLKit
import TesseraCore

/// Seats and the seat-count of their pools.
///
/// Every write to a seat happens after `lockPool` in the same transaction, so the pool row is
/// the single point of exclusion and `active_seats` always equals the pool's pending and
/// claimed rows.
public struct SeatStore: Sendable {
    let session: SQLSession

    /// Loads the pool and locks it for the rest of the transaction (`FOR UPDATE` on PostgreSQL;
    /// SQLite transactions are already exclusive through `BEGIN IMMEDIATE`).
    public func lockPool(_ reference: SeatPoolReference, organizationId: UUID) async throws -> SeatPool? {
        try await pool(reference, organizationId: organizationId, lock: true)
    }

    /// Loads the pool without locking it, for reads.
    public func pool(_ reference: SeatPoolReference, organizationId: UUID) async throws -> SeatPool? {
        try await pool(reference, organizationId: organizationId, lock: false)
    }

    private func pool(_ reference: SeatPoolReference, organizationId: UUID, lock: Bool) async throws -> SeatPool? {
        let forUpdate = lock ? session.forUpdate : ""
        let row: StoredRow?
        switch reference {
        case .subscription(let id):
            row = try await session.first("""
                SELECT organization_id, customer_id, product_id, seats, active_seats, status FROM subscriptions
                WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)\(unsafeRaw: forUpdate)
                """)
        case .order(let id):
            row = try await session.first("""
                SELECT organization_id, customer_id, product_id, seats, active_seats, status FROM orders
                WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)\(unsafeRaw: forUpdate)
                """)
        }
        guard let row else { return nil }
        return try Self.pool(row, reference: reference, statusColumn: "status")
    }

    private static func pool(_ row: StoredRow, reference: SeatPoolReference, statusColumn: String) throws -> SeatPool {
        let status: SeatPool.Status
        switch reference {
        case .subscription: status = .subscription(try row.choice(statusColumn, as: Subscription.Status.self))
        case .order: status = .order(try row.choice(statusColumn, as: Order.Status.self))
        }
        return SeatPool(
            reference: reference, organizationId: try row.uuid("organization_id"),
            customerId: try row.uuid("customer_id"), productId: try row.uuid("product_id"),
            seats: try row.optionalInt("seats"), activeSeats: try row.int("active_seats"), status: status)
    }

    /// The pool with its organization, its billing customer (nil once deleted) and its product's
    /// name (for invitation emails), read in one statement; locked, when `lock`, as `lockPool` locks it (on PostgreSQL `FOR UPDATE OF` the
    /// pool's row alone, so that an organization's pools never wait on each other). Nil when
    /// the pool is not the organization's.
    ///
    /// A locking read is a seat operation's first, and every one of them may emit webhook
    /// events: it also reads the organization's enabled endpoints into the session's memo
    /// (`WebhookStore.enabledEndpoints`), a statement fewer for each.
    public func poolWithOrganization(_ reference: SeatPoolReference, organizationId: UUID, lock: Bool) async throws
        -> (pool: SeatPool, organization: Organization, billing: Customer?, productName: String?)?
    {
        let forUpdate = lock && session.dialect == .postgres ? " FOR UPDATE OF pool" : ""
        let endpoints: SQLQueryString = lock ? ", \(WebhookStore.enabledEndpointsColumn(session.dialect)) AS endpoints" : ""
        let row = try await session.first("""
            SELECT pool.organization_id, pool.customer_id, pool.product_id, pool.seats, pool.active_seats,
                   pool.status AS pool_status, o.*, \(unsafeRaw: CustomerStore.joinedColumns),
                   p.name AS product_name\(endpoints)
            FROM \(Self.poolTable(reference)) pool JOIN organizations o ON o.id = pool.organization_id
            LEFT JOIN customers c ON c.id = pool.customer_id AND c.organization_id = pool.organization_id
                                 AND c.deleted_at IS NULL
            LEFT JOIN products p ON p.id = pool.product_id AND p.organization_id = pool.organization_id
            WHERE pool.id = \(bind: reference.id.wire) AND pool.organization_id = \(bind: organizationId.wire)\(unsafeRaw: forUpdate)
            """)
        guard let row else { return nil }
        if lock {
            try WebhookStore(session: session).remember(enabledEndpoints: try row.optionalString("endpoints"),
                                                        organizationId: organizationId)
        }
        let billing = try CustomerStore.joinedCustomer(row)
        return (try Self.pool(row, reference: reference, statusColumn: "pool_status"), try OrganizationStore.organization(row),
                billing, try row.optionalString("product_name"))
    }

    /// Changes the pool's count of pending and claimed seats.
    public func adjustActiveSeats(_ reference: SeatPoolReference, by delta: Int) async throws {
        guard delta != 0 else { return }
        switch reference {
        case .subscription(let id):
            try await session.execute(
                "UPDATE subscriptions SET active_seats = active_seats + \(bind: delta) WHERE id = \(bind: id.wire)")
        case .order(let id):
            try await session.execute(
                "UPDATE orders SET active_seats = active_seats + \(bind: delta) WHERE id = \(bind: id.wire)")
        }
    }

    public func insert(_ seat: Seat) async throws {
        try await session.execute("""
            INSERT INTO seats (id, organization_id, subscription_id, order_id, status, customer_id, member_id, email,
                               invitation_token_hash, invitation_token_expires_at, assigned_at, claimed_at, revoked_at,
                               metadata, created_at, modified_at, expires_at)
            VALUES (\(bind: seat.id.wire), \(bind: seat.organizationId.wire), \(bind: seat.pool.subscriptionId?.wire),
                    \(bind: seat.pool.orderId?.wire), \(bind: seat.status.rawValue), \(bind: seat.holder?.customerId.wire),
                    \(bind: seat.holder?.memberId.wire), \(bind: seat.holder?.email), \(bind: seat.invitationTokenHash),
                    \(bind: seat.invitationTokenExpiresAt.micros), \(bind: seat.assignedAt.micros),
                    \(bind: seat.claimedAt.micros), \(bind: seat.revokedAt.micros), \(bind: seat.metadata.stored),
                    \(bind: seat.createdAt.micros),
                    \(bind: seat.modifiedAt.micros), \(bind: seat.expiresAt.micros))
            """)
    }

    public func update(_ seat: Seat) async throws {
        try await session.execute("""
            UPDATE seats SET status = \(bind: seat.status.rawValue), customer_id = \(bind: seat.holder?.customerId.wire),
                member_id = \(bind: seat.holder?.memberId.wire), email = \(bind: seat.holder?.email),
                invitation_token_hash = \(bind: seat.invitationTokenHash),
                invitation_token_expires_at = \(bind: seat.invitationTokenExpiresAt.micros),
                assigned_at = \(bind: seat.assignedAt.micros), claimed_at = \(bind: seat.claimedAt.micros), revoked_at = \(bind: seat.revokedAt.micros),
                metadata = \(bind: seat.metadata.stored), modified_at = \(bind: seat.modifiedAt.micros),
                expires_at = \(bind: seat.expiresAt.micros)
            WHERE id = \(bind: seat.id.wire)
            """)
    }

    public func find(id: UUID, organizationId: UUID) async throws -> Seat? {
        try await session.first("""
            SELECT * FROM seats WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            """).map(Self.seat)
    }

    public func find(invitationTokenHash hash: String) async throws -> Seat? {
        try await session.first("SELECT * FROM seats WHERE invitation_token_hash = \(bind: hash)").map(Self.seat)
    }

    /// The oldest revoked seat of the pool: the next assignment reuses it.
    public func firstRevoked(in pool: SeatPoolReference) async throws -> Seat? {
        try await session.first(Self.firstRevokedQuery(in: pool)).map(Self.seat)
    }

    /// The query of ``firstRevoked(in:)``: one index step whatever the pool's size.
    static func firstRevokedQuery(in pool: SeatPoolReference) -> SQLQueryString {
        """
        SELECT * FROM seats WHERE \(Self.poolColumn(pool)) = \(bind: pool.id.wire)
          AND status = \(bind: SeatStatus.revoked.rawValue)
        ORDER BY created_at, id LIMIT 1
        """
    }

    /// The member's pending or claimed seat in the pool, if any.
    public func activeSeat(in pool: SeatPoolReference, memberId: UUID) async throws -> Seat? {
        try await session.first("""
            SELECT * FROM seats WHERE \(Self.poolColumn(pool)) = \(bind: pool.id.wire)
              AND member_id = \(bind: memberId.wire) AND status <> \(bind: SeatStatus.revoked.rawValue)
            """).map(Self.seat)
    }

    /// Every seat of the pool, revoked ones included, oldest first, in one query.
    /// `billingCustomerId`: the pool's customer, whose members hold its seats (see ``poolDetailsSelect(billingCustomerId:)``).
    public func details(in pool: SeatPoolReference, billingCustomerId: UUID) async throws -> [SeatDetails] {
        try await withHoldersOutsideTheJoin(
            try await session.rows(Self.detailsQuery(in: pool, billingCustomerId: billingCustomerId), Self.details))
    }

    /// The query of ``details(in:billingCustomerId:)``; its order is an index's, so nothing is sorted.
    static func detailsQuery(in pool: SeatPoolReference, billingCustomerId: UUID) -> SQLQueryString {
        """
        \(Self.poolDetailsSelect(billingCustomerId: billingCustomerId))
        WHERE s.\(Self.poolColumn(pool)) = \(bind: pool.id.wire)
        ORDER BY s.created_at, s.id
        """
    }

    /// A pool's seats joined with their holders, looked for among the billing customer's live
    /// members only: every holder Tessera writes is one (a revoked seat has none). Joined by
    /// id alone, PostgreSQL's planner read every member of the database into a hash table to
    /// list one pool: a 1,000-seat list cost 1.2 ms more per 15,000 members of other customers.
    /// A holder outside that set (kept from data Tessera did not write) is still shown:
    /// ``withHoldersOutsideTheJoin(_:)`` reads it by id.
    static func poolDetailsSelect(billingCustomerId: UUID) -> SQLQueryString {
        """
        \(unsafeRaw: Self.detailsColumns)
        FROM seats s
        LEFT JOIN members m ON m.id = s.member_id AND m.customer_id = \(bind: billingCustomerId.wire) AND m.deleted_at IS NULL
        """
    }

    /// `details` with the member of each seat whose holder the pool's join did not find read by
    /// id (see ``poolDetailsSelect(billingCustomerId:)``); one more query, only when there are such seats.
    private func withHoldersOutsideTheJoin(_ details: [SeatDetails]) async throws -> [SeatDetails] {
        let missing = Set(details.compactMap { $0.member == nil ? $0.seat.holder?.memberId : nil })
        guard !missing.isEmpty else { return details }
        let members = try await session.members.findIncludingDeleted(ids: missing)
        return details.map { details in
            guard details.member == nil, let memberId = details.seat.holder?.memberId, let member = members[memberId] else {
                return details
            }
            return SeatDetails(seat: details.seat, member: member, customerEmail: details.customerEmail)
        }
    }

    /// A page of a pool's seats after `cursor`, of one status when given. Oldest first; or, with
    /// `emailPrefix`, the seats whose holder's email starts with it (case-insensitive) in the
    /// order of that email, found through the billing customer's members (`billingCustomerId`).
    /// Reads one row more than asked, to know whether another page follows.
    public func details(in pool: SeatPoolReference, billingCustomerId: UUID, status: SeatStatus?, emailPrefix: String?,
                        limit: Int, after cursor: ListCursor?) async throws -> CursorPage<SeatDetails> {
        guard let emailPrefix else {
            let query = Self.pageQuery(in: pool, billingCustomerId: billingCustomerId, status: status, limit: limit,
                                       after: cursor)
            let rows = try await withHoldersOutsideTheJoin(try await session.rows(query, Self.details))
            return CursorPage(overRead: rows, limit: limit) {
                ListCursor(createdAt: $0.seat.createdAt, id: $0.seat.id)
            }
        }
        let query = Self.emailPageQuery(in: pool, billingCustomerId: billingCustomerId, status: status,
                                        emailPrefix: emailPrefix, limit: limit, after: cursor, dialect: session.dialect)
        return CursorPage(overRead: try await session.rows(query, Self.details), limit: limit) {
            ListCursor(sortKey: EmailAddress.normalized($0.member?.email ?? ""), id: $0.member?.id ?? $0.seat.id)
        }
    }

    /// The query of a page in time order: the status and the cursor narrow a walk of the pool's
    /// index in list order, so a page costs the same in any pool.
    static func pageQuery(in pool: SeatPoolReference, billingCustomerId: UUID, status: SeatStatus?, limit: Int,
                          after cursor: ListCursor?) -> SQLQueryString
    {
        var filter: SQLQueryString = "s.\(Self.poolColumn(pool)) = \(bind: pool.id.wire)"
        if let status { filter += " AND s.status = \(bind: status.rawValue)" }
        if let cursor {
            filter += " AND (s.created_at, s.id) > (\(bind: cursor.createdAtMicros), \(bind: cursor.id.wire))"
        }
        return """
            \(Self.poolDetailsSelect(billingCustomerId: billingCustomerId))
            WHERE \(filter) ORDER BY s.created_at, s.id LIMIT \(bind: limit + 1)
            """
    }

    /// The query of a page of an email prefix search: a walk of the billing customer's members
    /// from the prefix to its upper bound in email order (`members_email_bytes`), each with its
    /// seat of the pool by the (pool, member) index. Its cost follows the page, not the pool.
    /// Every holder is a live member of the billing customer with the holder's email; a revoked
    /// seat has no holder, so the search finds pending and claimed seats.
    static func emailPageQuery(in pool: SeatPoolReference, billingCustomerId: UUID, status: SeatStatus?,
                               emailPrefix: String, limit: Int, after cursor: ListCursor?, dialect: DatabaseDialect)
        -> SQLQueryString
    {
        // Byte order on both: SQLite's default collation is, PostgreSQL's needs "C".
        let key: SQLQueryString = dialect == .postgres ? #"m.email_key COLLATE "C""# : "m.email_key"
        let prefix = EmailAddress.normalized(emailPrefix)
        var filter: SQLQueryString = """
            m.customer_id = \(bind: billingCustomerId.wire) AND m.deleted_at IS NULL AND \(key) >= \(bind: prefix)
            """
        if let upper = LikePattern.upperBound(ofPrefix: prefix) { filter += " AND \(key) < \(bind: upper)" }
        if let status { filter += " AND s.status = \(bind: status.rawValue)" }
        if let cursor {
            filter += " AND (\(key), m.id) > (\(bind: cursor.sortKey ?? ""), \(bind: cursor.id.wire))"
        }
        return """
            \(unsafeRaw: Self.detailsColumns)
            FROM members m
            JOIN seats s ON s.\(Self.poolColumn(pool)) = \(bind: pool.id.wire) AND s.member_id = m.id
            WHERE \(filter) ORDER BY \(key), m.id LIMIT \(bind: limit + 1)
            """
    }

    /// Several seats by id, oldest first: one query per `SQLSession.idsPerStatement` ids (a
    /// revoked pool's seats can be more than a statement takes).
    public func details(ids: [UUID]) async throws -> [SeatDetails] {
        var found: [SeatDetails] = []
        for part in SQLSession.parts(of: ids) {
            found += try await session.rows("\(unsafeRaw: Self.detailsSelect) WHERE s.id IN (\(binds: part.map(\.wire)))",
                                            Self.details)
        }
        // In the order `ORDER BY created_at, id` gives, across the parts.
        return found.sorted { ($0.seat.createdAt, $0.seat.id.wire) < ($1.seat.createdAt, $1.seat.id.wire) }
    }

    /// The seat an invitation token's hash opens, with its holder and what its pool offers (the
    /// organization and the product an invitation names), in one statement: what the claim page
    /// shows. The offer is nil when the pool, its product or its organization is not the seat's
    /// organization's.
    public func invitation(tokenHash hash: String) async throws -> (details: SeatDetails, offer: PoolOffer?)? {
        // The pool is a subscription or an order: both are joined, and the product comes from
        // whichever the seat names.
        guard let row = try await session.first("""
            \(unsafeRaw: Self.detailsColumns), \(unsafeRaw: OrganizationStore.joinedColumns),
                   p.id AS offered_product_id, p.name AS offered_product_name
            \(unsafeRaw: Self.detailsFrom)
            LEFT JOIN subscriptions sub ON sub.id = s.subscription_id AND sub.organization_id = s.organization_id
            LEFT JOIN orders ord ON ord.id = s.order_id AND ord.organization_id = s.organization_id
            LEFT JOIN products p ON p.id = COALESCE(sub.product_id, ord.product_id) AND p.organization_id = s.organization_id
            LEFT JOIN organizations o ON o.id = s.organization_id
            WHERE s.invitation_token_hash = \(bind: hash)
            """) else { return nil }
        let details = try Self.details(row)
        guard let organization = try OrganizationStore.joinedOrganization(row),
              let productId = try row.optionalUUID("offered_product_id") else {
            return (details, nil)
        }
        let offer = PoolOffer(organization: organization, productId: productId,
                              productName: try row.string("offered_product_name"))
        return (details, offer)
    }

    public func details(id: UUID) async throws -> SeatDetails? {
        try await session.first("\(unsafeRaw: Self.detailsSelect) WHERE s.id = \(bind: id.wire)").map(Self.details)
    }

    /// A seat with its holder; `notFound(.seat)` when there is none.
    public func requireDetails(id: UUID) async throws -> SeatDetails {
        guard let details = try await details(id: id) else { throw TesseraError.notFound(.seat) }
        return details
    }

    /// Pending and claimed seats held by the customer or by any of its live members, oldest
    /// first: what deleting the customer revokes, in one statement however many members it has.
    public func activeSeats(heldByCustomerOrItsMembers customerId: UUID) async throws -> [Seat] {
        try await activeSeats(where: """
            customer_id = \(bind: customerId.wire)
            OR member_id IN (SELECT id FROM members WHERE customer_id = \(bind: customerId.wire) AND deleted_at IS NULL)
            """)
    }

    /// Pending and claimed seats the member holds, oldest first.
    public func activeSeats(heldByMember memberId: UUID) async throws -> [Seat] {
        try await activeSeats(where: "member_id = \(bind: memberId.wire)")
    }

    /// Pending and claimed seats whose holder's customer is this one, oldest first (in legacy
    /// mode, the seats the customer holds).
    public func activeSeats(heldByCustomer customerId: UUID) async throws -> [Seat] {
        try await activeSeats(where: "customer_id = \(bind: customerId.wire)")
    }

    private func activeSeats(where holder: SQLQueryString) async throws -> [Seat] {
        try await session.rows("""
            SELECT * FROM seats WHERE status <> \(bind: SeatStatus.revoked.rawValue) AND (\(holder))
            ORDER BY created_at, id
            """, Self.seat)
    }

    /// Subscriptions in which the holder (a member, or in legacy mode a customer) has a claimed seat.
    public func subscriptionIdsWithClaimedSeat(memberId: UUID?, customerId: UUID?) async throws -> [UUID] {
        let holder: SQLQueryString = memberId.map { "member_id = \(bind: $0.wire)" } ?? "customer_id = \(bind: customerId?.wire ?? "")"
        return try await session.rows("""
            SELECT DISTINCT subscription_id FROM seats
            WHERE \(holder) AND status = \(bind: SeatStatus.claimed.rawValue) AND subscription_id IS NOT NULL
            """).map { try $0.uuid("subscription_id") }
    }

    /// The claimed seats of every pool (subscription or order) of a product.
    public func claimedSeats(ofProduct productId: UUID, organizationId: UUID) async throws -> [Seat] {
        try await session.rows("""
            SELECT s.* FROM seats s JOIN subscriptions p ON p.id = s.subscription_id
            WHERE p.product_id = \(bind: productId.wire) AND p.organization_id = \(bind: organizationId.wire)
              AND s.status = \(bind: SeatStatus.claimed.rawValue)
            UNION ALL
            SELECT s.* FROM seats s JOIN orders p ON p.id = s.order_id
            WHERE p.product_id = \(bind: productId.wire) AND p.organization_id = \(bind: organizationId.wire)
              AND s.status = \(bind: SeatStatus.claimed.rawValue)
            """, Self.seat)
    }

    /// Pending and claimed seats of a pool.
    public func activeSeats(in pool: SeatPoolReference) async throws -> [Seat] {
        try await session.rows("""
            SELECT * FROM seats WHERE \(Self.poolColumn(pool)) = \(bind: pool.id.wire)
              AND status <> \(bind: SeatStatus.revoked.rawValue) ORDER BY created_at, id
            """).map(Self.seat)
    }

    /// Seats whose expiry has come (`expires_at` at or before `now`), soonest first, at most
    /// `limit`: one step of the `seats_expiring` index.
    public func dueToExpire(at now: Date, limit: Int) async throws -> [Seat] {
        try await session.rows("""
            SELECT * FROM seats WHERE expires_at IS NOT NULL AND expires_at <= \(bind: now.micros)
            ORDER BY expires_at, id LIMIT \(bind: limit)
            """).map(Self.seat)
    }

    /// Counts the pool's pending and claimed rows. Not used on the request path; it exists to
    /// check that the kept count (`active_seats`) is right.
    public func countActiveRows(in pool: SeatPoolReference) async throws -> Int {
        let row = try await session.first("""
            SELECT COUNT(*) AS n FROM seats WHERE \(Self.poolColumn(pool)) = \(bind: pool.id.wire)
              AND status <> \(bind: SeatStatus.revoked.rawValue)
            """)
        return try row?.int("n") ?? 0
    }

    /// The table holding the pool's row.
    static func poolTable(_ pool: SeatPoolReference) -> SQLQueryString {
        switch pool {
        case .subscription: "subscriptions"
        case .order: "orders"
        }
    }

    static func poolColumn(_ pool: SeatPoolReference) -> SQLQueryString {
        switch pool {
        case .subscription: "subscription_id"
        case .order: "order_id"
        }
    }

    /// What `details` reads: the seat, its member, and its holder's customer email only when
    /// neither has an email (``SeatDetails/holderEmail`` falls back to it last). Read by a
    /// subquery rather than a join: almost every seat has an email, and joining the customer
    /// cost two index searches per row, a tenth of listing a thousand seats on SQLite.
    private static let detailsColumns = """
        SELECT s.*, CASE WHEN s.email IS NULL AND m.email IS NULL
            THEN (SELECT c.email FROM customers c WHERE c.id = s.customer_id) END AS holder_customer_email,
            \(MemberColumns.joinedSelectList)
        """

    /// The seat joined with its member, as `details` reads them.
    private static let detailsFrom = """
        FROM seats s
        LEFT JOIN members m ON m.id = s.member_id
        """

    private static let detailsSelect = detailsColumns + "\n" + detailsFrom

    // Both readers take the columns in the order the queries select them (`seats`' own order,
    // then the joined ones): the SQLite row then finds each by one comparison (`ResultColumns`).
    static func details(_ row: StoredRow) throws -> SeatDetails {
        let seat = try seat(row)
        let customerEmail = try row.optionalString("holder_customer_email")
        let member = try MemberStore.joinedMember(row)
        return SeatDetails(seat: seat, member: member, customerEmail: customerEmail)
    }

    static func seat(_ row: StoredRow) throws -> Seat {
        let id = try row.uuid("id")
        let organizationId = try row.uuid("organization_id")
        let subscriptionId = try row.optionalUUID("subscription_id")
        let orderId = try row.optionalUUID("order_id")
        let pool: SeatPoolReference
        if let subscriptionId {
            pool = .subscription(subscriptionId)
        } else if let orderId {
            pool = .order(orderId)
        } else {
            throw DatabaseError.unexpected("seat without a pool")
        }
        let status = try row.choice("status", as: SeatStatus.self)
        let customerId = try row.optionalUUID("customer_id")
        let memberId = try row.optionalUUID("member_id")
        let email = try row.optionalString("email")
        var holder: SeatHolder?
        if let customerId, let memberId {
            holder = SeatHolder(customerId: customerId, memberId: memberId, email: email)
        }
        let invitationTokenHash = try row.optionalString("invitation_token_hash")
        let invitationTokenExpiresAt = try row.optionalDate("invitation_token_expires_at")
        let claimedAt = try row.optionalDate("claimed_at")
        let revokedAt = try row.optionalDate("revoked_at")
        let metadata = try row.metadata("metadata")
        let createdAt = try row.date("created_at")
        let modifiedAt = try row.optionalDate("modified_at")
        return Seat(
            id: id, pool: pool, organizationId: organizationId, status: status, holder: holder,
            invitationTokenHash: invitationTokenHash, invitationTokenExpiresAt: invitationTokenExpiresAt,
            assignedAt: try row.optionalDate("assigned_at"), claimedAt: claimedAt, revokedAt: revokedAt,
            metadata: metadata, createdAt: createdAt, modifiedAt: modifiedAt, expiresAt: try row.optionalDate("expires_at"))
    }
}

/// The organization and product a seat pool's invitations name.
public struct PoolOffer: Sendable {
    public var organization: Organization
    public var productId: UUID
    public var productName: String
}
