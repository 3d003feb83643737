import Foundation
import SQLKit
import TesseraCore

/// One accessor per store, so use cases read `tx.seats`, `tx.customers`, … on one session.
extension SQLSession {
    public var organizations: OrganizationStore { OrganizationStore(session: self) }
    public var accessTokens: AccessTokenStore { AccessTokenStore(session: self) }
    public var customers: CustomerStore { CustomerStore(session: self) }
    public var members: MemberStore { MemberStore(session: self) }
    public var products: ProductStore { ProductStore(session: self) }
    public var benefits: BenefitStore { BenefitStore(session: self) }
    public var benefitGrants: BenefitGrantStore { BenefitGrantStore(session: self) }
    public var access: AccessStore { AccessStore(session: self) }
    public var licenseKeys: LicenseKeyStore { LicenseKeyStore(session: self) }
    public var seatEvents: SeatEventStore { SeatEventStore(session: self) }
    public var idempotencyKeys: IdempotencyKeyStore { IdempotencyKeyStore(session: self) }
    public var subscriptions: SubscriptionStore { SubscriptionStore(session: self) }
    public var orders: OrderStore { OrderStore(session: self) }
    public var seats: SeatStore { SeatStore(session: self) }
    public var outbox: OutboxStore { OutboxStore(session: self) }
    public var webhooks: WebhookStore { WebhookStore(session: self) }
}
