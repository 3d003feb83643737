import Foundation
import Logging
import SQLKit

/// Versioned schema migrations, the same schema on SQLite and PostgreSQL.
///
/// Each migration runs once and is recorded in `tessera_migrations`, the pending ones together
/// in one transaction; running `migrate` again does nothing. On PostgreSQL an advisory
/// lock keeps several starting processes from migrating at the same time.
public enum Migrations {
    struct Migration {
        let version: Int
        let name: String
        let statements: [String]
        /// PostgreSQL's own form of `statements`, where the two dialects differ.
        var postgresStatements: [String]? = nil

        func statements(for dialect: DatabaseDialect) -> [String] {
            dialect == .postgres ? postgresStatements ?? statements : statements
        }
    }

    // Timestamps are BIGINT microseconds since 1970 and ids lower-case UUID text, so both
    // databases store and compare them identically.
    static let all: [Migration] = [
        Migration(version: 1, name: "seats foundation", statements: [
            """
            CREATE TABLE organizations (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                slug TEXT NOT NULL UNIQUE,
                seat_based_pricing_enabled BOOLEAN NOT NULL,
                member_model_enabled BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL,
                modified_at BIGINT
            )
            """,
            """
            CREATE TABLE access_tokens (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                organization_id TEXT REFERENCES organizations(id),
                customer_id TEXT,
                member_id TEXT,
                comment TEXT NOT NULL DEFAULT '',
                scopes TEXT NOT NULL DEFAULT '',
                expires_at BIGINT,
                last_used_at BIGINT,
                created_at BIGINT NOT NULL,
                modified_at BIGINT
            )
            """,
            """
            CREATE TABLE customers (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                email TEXT NOT NULL,
                email_key TEXT NOT NULL,
                name TEXT,
                external_id TEXT,
                metadata TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                modified_at BIGINT,
                deleted_at BIGINT
            )
            """,
            "CREATE UNIQUE INDEX customers_email ON customers (organization_id, email_key) WHERE deleted_at IS NULL",
            """
            CREATE UNIQUE INDEX customers_external_id ON customers (organization_id, external_id)
                WHERE deleted_at IS NULL AND external_id IS NOT NULL
            """,
            """
            CREATE TABLE members (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                customer_id TEXT NOT NULL REFERENCES customers(id),
                email TEXT NOT NULL,
                email_key TEXT NOT NULL,
                name TEXT,
                external_id TEXT,
                role TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                modified_at BIGINT,
                deleted_at BIGINT
            )
            """,
            "CREATE UNIQUE INDEX members_email ON members (customer_id, email_key) WHERE deleted_at IS NULL",
            """
            CREATE UNIQUE INDEX members_external_id ON members (customer_id, external_id)
                WHERE deleted_at IS NULL AND external_id IS NOT NULL
            """,
            "CREATE INDEX members_organization ON members (organization_id, created_at)",
            """
            CREATE TABLE products (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                name TEXT NOT NULL,
                description TEXT,
                recurring_interval TEXT,
                prices TEXT NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                is_archived BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL,
                modified_at BIGINT
            )
            """,
            "CREATE INDEX products_organization ON products (organization_id, created_at)",
            """
            CREATE TABLE subscriptions (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                customer_id TEXT NOT NULL REFERENCES customers(id),
                product_id TEXT NOT NULL REFERENCES products(id),
                seats INTEGER,
                active_seats INTEGER NOT NULL DEFAULT 0,
                status TEXT NOT NULL,
                amount BIGINT NOT NULL,
                currency TEXT NOT NULL,
                recurring_interval TEXT NOT NULL,
                cancel_at_period_end BOOLEAN NOT NULL,
                canceled_at BIGINT,
                started_at BIGINT NOT NULL,
                ended_at BIGINT,
                current_period_start BIGINT NOT NULL,
                current_period_end BIGINT NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                modified_at BIGINT
            )
            """,
            "CREATE INDEX subscriptions_organization ON subscriptions (organization_id, created_at)",
            """
            CREATE TABLE orders (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                customer_id TEXT NOT NULL REFERENCES customers(id),
                product_id TEXT NOT NULL REFERENCES products(id),
                seats INTEGER,
                active_seats INTEGER NOT NULL DEFAULT 0,
                status TEXT NOT NULL,
                amount BIGINT NOT NULL,
                currency TEXT NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                modified_at BIGINT
            )
            """,
            "CREATE INDEX orders_organization ON orders (organization_id, created_at)",
            """
            CREATE TABLE seats (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                subscription_id TEXT REFERENCES subscriptions(id),
                order_id TEXT REFERENCES orders(id),
                status TEXT NOT NULL,
                customer_id TEXT,
                member_id TEXT,
                email TEXT,
                invitation_token_hash TEXT UNIQUE,
                invitation_token_expires_at BIGINT,
                claimed_at BIGINT,
                revoked_at BIGINT,
                metadata TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                modified_at BIGINT,
                CHECK ((subscription_id IS NULL) <> (order_id IS NULL))
            )
            """,
            "CREATE INDEX seats_subscription ON seats (subscription_id, status, created_at)",
            "CREATE INDEX seats_order ON seats (order_id, status, created_at)",
            // One active seat per person per pool, enforced by the database as well as the rules.
            "CREATE UNIQUE INDEX seats_subscription_member ON seats (subscription_id, member_id) WHERE member_id IS NOT NULL",
            "CREATE UNIQUE INDEX seats_order_member ON seats (order_id, member_id) WHERE member_id IS NOT NULL",
            "CREATE INDEX seats_customer ON seats (customer_id)",
            "CREATE INDEX seats_member ON seats (member_id)",
            """
            CREATE TABLE outbox (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL,
                leased_until BIGINT,
                last_error TEXT,
                created_at BIGINT NOT NULL,
                delivered_at BIGINT
            )
            """,
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
        ]),
        Migration(version: 2, name: "webhooks", statements: [
            """
            CREATE TABLE webhook_endpoints (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                url TEXT NOT NULL,
                name TEXT,
                secret TEXT NOT NULL,
                events TEXT NOT NULL,
                enabled BOOLEAN NOT NULL,
                disabled_reason TEXT,
                failed_events_in_row INTEGER NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                modified_at BIGINT,
                deleted_at BIGINT
            )
            """,
            "CREATE INDEX webhook_endpoints_organization ON webhook_endpoints (organization_id, created_at)",
            // One row per event, holding the exact body every endpoint receives (and its signature covers).
            """
            CREATE TABLE webhook_events (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                type TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            // The work queue: one row per event and endpoint, until delivered or failed for good.
            """
            CREATE TABLE webhook_outbox (
                id TEXT PRIMARY KEY,
                event_id TEXT NOT NULL REFERENCES webhook_events(id),
                endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL,
                leased_until BIGINT,
                last_http_code INTEGER,
                created_at BIGINT NOT NULL,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at, created_at)",
            "CREATE INDEX webhook_outbox_event ON webhook_outbox (event_id)",
            // Every attempt: Polar calls these deliveries.
            """
            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY,
                outbox_id TEXT NOT NULL REFERENCES webhook_outbox(id),
                event_id TEXT NOT NULL REFERENCES webhook_events(id),
                endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
                succeeded BOOLEAN NOT NULL,
                http_code INTEGER,
                error TEXT,
                response TEXT,
                duration_ms INTEGER NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at)",
        ]),
        // A reused seat row keeps its created_at; the portal shows when the holder got it.
        Migration(version: 3, name: "seat assignment time", statements: [
            "ALTER TABLE seats ADD COLUMN assigned_at BIGINT",
            "UPDATE seats SET assigned_at = created_at WHERE status <> 'revoked'",
        ]),
        // Email keys fold ASCII letters only (a KELVIN SIGN must not fold to "k"). SQLite's
        // lower() folds ASCII only; PostgreSQL's does so under the "C" collation.
        Migration(version: 4, name: "ascii-only email keys", statements: [
            "UPDATE customers SET email_key = lower(email) WHERE email_key <> lower(email)",
            "UPDATE members SET email_key = lower(email) WHERE email_key <> lower(email)",
        ], postgresStatements: [
            #"UPDATE customers SET email_key = lower(email COLLATE "C") WHERE email_key <> lower(email COLLATE "C")"#,
            #"UPDATE members SET email_key = lower(email COLLATE "C") WHERE email_key <> lower(email COLLATE "C")"#,
        ]),
        // A pool's seats in the order lists show them, read straight from an index instead of
        // sorted on every list. The (pool, status, …) indexes gain `id`, so that finding a pool's
        // oldest revoked seat is ordered by its index too: with only the list index in full
        // order, SQLite walked a 10,000-seat pool for it.
        Migration(version: 5, name: "seats in list order", statements: [
            "CREATE INDEX seats_subscription_list ON seats (subscription_id, created_at, id)",
            "CREATE INDEX seats_order_list ON seats (order_id, created_at, id)",
            "DROP INDEX seats_subscription",
            "CREATE INDEX seats_subscription ON seats (subscription_id, status, created_at, id)",
            "DROP INDEX seats_order",
            "CREATE INDEX seats_order ON seats (order_id, status, created_at, id)",
        ]),
        // Benefits a product grants to the holders of its seats. A deleted benefit keeps its
        // row (grants and webhooks name it) but leaves every product.
        Migration(version: 6, name: "benefits", statements: [
            """
            CREATE TABLE benefits (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                type TEXT NOT NULL,
                description TEXT NOT NULL,
                visibility TEXT NOT NULL,
                properties TEXT NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                modified_at BIGINT,
                deleted_at BIGINT
            )
            """,
            "CREATE INDEX benefits_organization ON benefits (organization_id, created_at, id)",
            """
            CREATE TABLE product_benefits (
                product_id TEXT NOT NULL REFERENCES products(id),
                benefit_id TEXT NOT NULL REFERENCES benefits(id),
                position INTEGER NOT NULL,
                PRIMARY KEY (product_id, benefit_id)
            )
            """,
            "CREATE INDEX product_benefits_benefit ON product_benefits (benefit_id)",
        ]),
        // A benefit held through a claimed seat. At most one live grant per seat and benefit;
        // revoked ones stay as history.
        Migration(version: 7, name: "benefit grants", statements: [
            """
            CREATE TABLE benefit_grants (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                benefit_id TEXT NOT NULL REFERENCES benefits(id),
                seat_id TEXT NOT NULL REFERENCES seats(id),
                customer_id TEXT NOT NULL REFERENCES customers(id),
                member_id TEXT REFERENCES members(id),
                subscription_id TEXT,
                order_id TEXT,
                properties TEXT NOT NULL DEFAULT '{}',
                granted_at BIGINT,
                revoked_at BIGINT,
                created_at BIGINT NOT NULL,
                modified_at BIGINT
            )
            """,
            "CREATE UNIQUE INDEX benefit_grants_live ON benefit_grants (seat_id, benefit_id) WHERE revoked_at IS NULL",
            "CREATE INDEX benefit_grants_organization ON benefit_grants (organization_id, created_at, id)",
            "CREATE INDEX benefit_grants_benefit ON benefit_grants (benefit_id, created_at, id)",
            "CREATE INDEX benefit_grants_customer ON benefit_grants (customer_id, created_at, id)",
            // A benefit added to a product is granted through the claimed seats of its pools.
            "CREATE INDEX subscriptions_product ON subscriptions (product_id)",
            "CREATE INDEX orders_product ON orders (product_id)",
        ]),
        // The access check (`AccessStore`) finds a person by email or external id within the
        // organization, then what they hold, each by one index step.
        Migration(version: 8, name: "access check", statements: [
            "CREATE INDEX members_organization_email ON members (organization_id, email_key)",
            "CREATE INDEX members_organization_external_id ON members (organization_id, external_id)",
            "CREATE INDEX benefit_grants_member_live ON benefit_grants (member_id, benefit_id) WHERE revoked_at IS NULL",
            "CREATE INDEX benefit_grants_customer_live ON benefit_grants (customer_id, benefit_id) WHERE revoked_at IS NULL",
        ]),
        // Subscriptions set to cancel, by the end of their period: what `SubscriptionEndings`
        // looks for every few seconds, without walking the subscriptions that never end.
        Migration(version: 9, name: "subscription endings", statements: [
            """
            CREATE INDEX subscriptions_ending ON subscriptions (current_period_end)
                WHERE cancel_at_period_end = TRUE AND status = 'active'
            """,
        ]),
        // The key a `license_keys` grant carries. Found by the SHA-256 of the key.
        Migration(version: 10, name: "license keys", statements: [
            """
            CREATE TABLE license_keys (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                benefit_id TEXT NOT NULL REFERENCES benefits(id),
                grant_id TEXT NOT NULL REFERENCES benefit_grants(id),
                customer_id TEXT NOT NULL REFERENCES customers(id),
                member_id TEXT REFERENCES members(id),
                full_key TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                status TEXT NOT NULL,
                usage_count INTEGER NOT NULL,
                limit_usage INTEGER,
                limit_activations INTEGER,
                validations INTEGER NOT NULL,
                last_validated_at BIGINT,
                expires_at BIGINT,
                created_at BIGINT NOT NULL,
                modified_at BIGINT
            )
            """,
            "CREATE INDEX license_keys_organization ON license_keys (organization_id, created_at, id)",
            "CREATE INDEX license_keys_grant ON license_keys (grant_id)",
        ]),
        // Where a license key is in use (a device, an install), up to the key's limit.
        Migration(version: 11, name: "license key activations", statements: [
            """
            CREATE TABLE license_key_activations (
                id TEXT PRIMARY KEY,
                license_key_id TEXT NOT NULL REFERENCES license_keys(id),
                label TEXT NOT NULL,
                meta TEXT NOT NULL DEFAULT '{}',
                conditions TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                modified_at BIGINT
            )
            """,
            "CREATE INDEX license_key_activations_key ON license_key_activations (license_key_id, created_at, id)",
        ]),
        // Tessera's setting: whether seat invitations are emailed by default (on, as before).
        Migration(version: 12, name: "invitation email setting", statements: [
            "ALTER TABLE organizations ADD COLUMN seat_invitation_emails_enabled BOOLEAN NOT NULL DEFAULT TRUE",
        ]),
        // A seat's history: every change, who made it, the holder before and after. Read
        // newest first per seat and per pool, so each has an index in that order.
        Migration(version: 13, name: "seat history", statements: [
            """
            CREATE TABLE seat_events (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                seat_id TEXT NOT NULL REFERENCES seats(id),
                subscription_id TEXT REFERENCES subscriptions(id),
                order_id TEXT REFERENCES orders(id),
                kind TEXT NOT NULL,
                actor_kind TEXT NOT NULL,
                actor_id TEXT,
                before_customer_id TEXT,
                before_member_id TEXT,
                before_email TEXT,
                after_customer_id TEXT,
                after_member_id TEXT,
                after_email TEXT,
                created_at BIGINT NOT NULL,
                CHECK ((subscription_id IS NULL) <> (order_id IS NULL))
            )
            """,
            "CREATE INDEX seat_events_seat ON seat_events (seat_id, created_at, id)",
            "CREATE INDEX seat_events_subscription ON seat_events (subscription_id, created_at, id) WHERE subscription_id IS NOT NULL",
            "CREATE INDEX seat_events_order ON seat_events (order_id, created_at, id) WHERE order_id IS NOT NULL",
        ]),
        // Seats that revoke themselves at a time (Tessera's seat expiry). A revoked seat has no
        // expiry, so the index holds only the seats `SeatExpiries` may have to revoke.
        Migration(version: 14, name: "seat expiry", statements: [
            "ALTER TABLE seats ADD COLUMN expires_at BIGINT",
            "CREATE INDEX seats_expiring ON seats (expires_at) WHERE expires_at IS NOT NULL",
        ]),
        // The first answer to each `Idempotency-Key`, kept for a day: the key as a hash of the
        // caller's scope and the key, the body sealed with the key (`IdempotentRequest`).
        Migration(version: 15, name: "idempotency keys", statements: [
            """
            CREATE TABLE idempotency_keys (
                idempotency_key TEXT PRIMARY KEY,
                request_hash TEXT NOT NULL,
                status INTEGER NOT NULL,
                content_type TEXT,
                body TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
        ]),
        // A billing customer's live members in the byte order of their email keys: a seat list's
        // email prefix search walks it from the prefix to its upper bound, however large the pool.
        // SQLite's `members_email` already is that order (its default collation compares bytes).
        Migration(version: 16, name: "members by email bytes", statements: [], postgresStatements: [
            #"CREATE INDEX members_email_bytes ON members (customer_id, (email_key COLLATE "C"), id) WHERE deleted_at IS NULL"#,
        ]),
        // An organization's branding (issue 15): what its customers see instead of Tessera's mark.
        Migration(version: 17, name: "organization branding", statements: [
            "ALTER TABLE organizations ADD COLUMN display_name TEXT",
            "ALTER TABLE organizations ADD COLUMN logo_url TEXT",
            "ALTER TABLE organizations ADD COLUMN accent_color TEXT",
        ]),
        // The merchant's dashboard (issue 15): a session names the token that opened it, so that
        // deleting the token ends its sessions; ended sessions are found by expiry to be deleted; emails carry their organization, so that each
        // organization sees its own outbox; claims per organization and day, an organization's
        // customers newest first and a customer's pools read an index.
        // Emails queued before this migration have no organization and are not shown.
        Migration(version: 18, name: "dashboard", statements: [
            "ALTER TABLE access_tokens ADD COLUMN parent_token_id TEXT",
            "CREATE INDEX access_tokens_parent ON access_tokens (parent_token_id) WHERE parent_token_id IS NOT NULL",
            """
            CREATE INDEX access_tokens_session_expiry ON access_tokens (expires_at)
                WHERE kind IN ('customer_session', 'member_session', 'dashboard_session', 'operator_dashboard_session')
            """,
            "ALTER TABLE outbox ADD COLUMN organization_id TEXT",
            "CREATE INDEX outbox_organization ON outbox (organization_id, status, created_at) WHERE organization_id IS NOT NULL",
            "CREATE INDEX seat_events_organization ON seat_events (organization_id, kind, created_at)",
            // Only pending seats: an entry from assign to claim or revoke.
            "CREATE INDEX seats_pending ON seats (organization_id, invitation_token_expires_at) WHERE status = 'pending'",
            "CREATE INDEX customers_organization ON customers (organization_id, created_at, id) WHERE deleted_at IS NULL",
            "CREATE INDEX subscriptions_customer ON subscriptions (customer_id, organization_id, created_at, id)",
            "CREATE INDEX orders_customer ON orders (customer_id, organization_id, created_at, id)",
        ]),
        // The overview's stored figures (issue 15, point 6), so that it costs what a small
        // organization's does. Claims per final day: seat events never change, so a day's count,
        // once the day is over, is stored for good (0 included: a missing row is an uncounted day).
        // Seat totals: one row per organization, refreshed in the background while its overview
        // is watched (`viewed_at`), never written by the seat transactions themselves.
        Migration(version: 19, name: "dashboard rollups", statements: [
            """
            CREATE TABLE dashboard_daily_claims (
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                day BIGINT NOT NULL,
                claims BIGINT NOT NULL,
                PRIMARY KEY (organization_id, day)
            )
            """,
            """
            CREATE TABLE dashboard_seat_totals (
                organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
                pools BIGINT NOT NULL,
                seats BIGINT NOT NULL,
                used BIGINT NOT NULL,
                computed_at BIGINT NOT NULL,
                viewed_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX dashboard_seat_totals_viewed ON dashboard_seat_totals (viewed_at)",
            // Days that left every overview's window are deleted by day (`ExpiredRecords`).
            "CREATE INDEX dashboard_daily_claims_day ON dashboard_daily_claims (day)",
        ]),
        // The next due email in order straight from the index (`OutboxStore.nextDueQuery`):
        // without created_at in it, PostgreSQL sorted every pending message for each one taken.
        Migration(version: 20, name: "outbox due order", statements: [
            "CREATE INDEX outbox_due_order ON outbox (status, next_attempt_at, created_at)",
            "DROP INDEX outbox_due",
        ]),
        // Indexes without entries nobody looks up. A seat is a subscription's or an order's, and
        // every index keyed by the other kind's column held an entry for it under NULL; likewise
        // seats without a customer or member, and members without an external id. Every index an
        // insert touches is one more page the commit writes (on SQLite a 4 KB frame in the WAL,
        // later copied into the file): an assign wrote about 46, three of them for the order
        // indexes. Each query on these indexes compares the column with `=`, which tells both
        // databases that it is not NULL, so the partial index still serves it.
        Migration(version: 21, name: "indexes without empty entries", statements: [
            "DROP INDEX seats_subscription_member",
            "CREATE UNIQUE INDEX seats_subscription_member ON seats (subscription_id, member_id) WHERE subscription_id IS NOT NULL AND member_id IS NOT NULL",
            "DROP INDEX seats_order_member",
            "CREATE UNIQUE INDEX seats_order_member ON seats (order_id, member_id) WHERE order_id IS NOT NULL AND member_id IS NOT NULL",
            "DROP INDEX seats_subscription_list",
            "CREATE INDEX seats_subscription_list ON seats (subscription_id, created_at, id) WHERE subscription_id IS NOT NULL",
            "DROP INDEX seats_order_list",
            "CREATE INDEX seats_order_list ON seats (order_id, created_at, id) WHERE order_id IS NOT NULL",
            "DROP INDEX seats_subscription",
            "CREATE INDEX seats_subscription ON seats (subscription_id, status, created_at, id) WHERE subscription_id IS NOT NULL",
            "DROP INDEX seats_order",
            "CREATE INDEX seats_order ON seats (order_id, status, created_at, id) WHERE order_id IS NOT NULL",
            "DROP INDEX seats_customer",
            "CREATE INDEX seats_customer ON seats (customer_id) WHERE customer_id IS NOT NULL",
            "DROP INDEX seats_member",
            "CREATE INDEX seats_member ON seats (member_id) WHERE member_id IS NOT NULL",
            "DROP INDEX members_organization_external_id",
            "CREATE INDEX members_organization_external_id ON members (organization_id, external_id) WHERE external_id IS NOT NULL",
        ]),
    ]

    /// The newest schema version this build knows.
    public static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies every migration not yet applied, all in one transaction: a database is at the
    /// version it was or at the latest, never between, and a fresh one is made with one commit
    /// rather than one per migration (a seventh of PostgreSQL's start on a fresh database).
    /// Returns the versions it applied.
    @discardableResult
    public static func migrate(_ database: TesseraDatabase) async throws -> [Int] {
        try await migrate(database, migrations: all)
    }

    /// `migrate(_:)` with the migrations given (tests give ones that fail).
    static func migrate(_ database: TesseraDatabase, migrations: [Migration]) async throws -> [Int] {
        // Read once, so that starting on an up-to-date database costs two statements and no
        // transaction; under the lock below the pending ones are read again.
        let recorded = try await database.withConnection { session in
            try await session.execute("""
                CREATE TABLE IF NOT EXISTS tessera_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """)
            return try await recordedVersions(session)
        }
        let known = Set(migrations.map(\.version))
        if let newest = recorded.max(), !known.contains(newest) {
            // Rolled back to an older release after a newer one migrated: append-only migrations
            // leave the older code working (as while several processes upgrade one by one), but
            // it does not know what the newer release added. Not refused, for those rollouts.
            database.logger.warning("database schema is newer than this release", metadata: [
                "database_version": "\(newest)", "release_version": "\(known.max() ?? 0)",
            ])
        }
        guard migrations.contains(where: { !recorded.contains($0.version) }) else { return [] }
        let applied = try await database.transaction { session -> [Migration] in
            if session.dialect == .postgres {
                // Released at commit; a second process waits here, then sees the versions recorded.
                try await session.execute("SELECT pg_advisory_xact_lock(7413021)")
            }
            let recorded = try await recordedVersions(session)
            let pending = migrations.filter { !recorded.contains($0.version) }
            for migration in pending {
                for statement in migration.statements(for: session.dialect) {
                    try await session.execute(SQLQueryString(statement))
                }
                try await session.execute("""
                    INSERT INTO tessera_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().micros))
                    """)
            }
            return pending
        }
        for migration in applied {
            database.logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
        }
        return applied.map(\.version)
    }

    /// The newest schema version recorded in the database: `latestVersion` once migrated by this
    /// release, more if a newer release migrated it.
    public static func recordedVersion(_ database: TesseraDatabase) async throws -> Int {
        try await database.read { try await recordedVersions($0).max() ?? 0 }
    }

    private static func recordedVersions(_ session: SQLSession) async throws -> Set<Int> {
        Set(try await session.rows("SELECT version FROM tessera_migrations") { try $0.int("version") })
    }
}
