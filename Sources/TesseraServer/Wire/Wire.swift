import Foundation
import TesseraCore
import TesseraStore

/// The JSON shapes of Polar's API, built field by field so that every nullable field is
/// written as `null` and every name is exactly the wire name.
enum Wire {
    static func validationError(_ failure: ValidationFailure) -> JSONValue {
        .object([
            "error": "RequestValidationError",
            "detail": .array(failure.issues.map { issue in
                .object([
                    "type": .string(issue.type),
                    "loc": .array(issue.loc.map { part in
                        switch part {
                        case .key(let key): .string(key)
                        case .index(let index): .int(Int64(index))
                        }
                    }),
                    "msg": .string(issue.msg),
                    "input": issue.input,
                ])
            }),
        ])
    }

    static func list<Item>(_ page: Page<Item>, request: PageRequest, item: (Item) -> JSONValue) -> JSONValue {
        let maxPage = page.totalCount == 0 ? 0 : (page.totalCount + request.limit - 1) / request.limit
        return .object([
            "items": .array(page.items.map(item)),
            "pagination": .object(["total_count": JSONValue(page.totalCount), "max_page": JSONValue(maxPage)]),
        ])
    }

    static func organization(_ organization: Organization) -> JSONValue {
        .object([
            "id": JSONValue(organization.id),
            "created_at": JSONValue(organization.createdAt),
            "modified_at": JSONValue(organization.modifiedAt),
            "name": .string(organization.name),
            "slug": .string(organization.slug),
            "avatar_url": .null,
            "email": .null,
            "website": .null,
            "socials": [],
            "status": "active",
            "feature_settings": .object([
                "seat_based_pricing_enabled": JSONValue(organization.seatBasedPricingEnabled),
                "member_model_enabled": JSONValue(organization.memberModelEnabled),
            ]),
        ])
    }

    static func accessToken(_ token: AccessToken) -> JSONValue {
        .object([
            "id": JSONValue(token.id),
            "created_at": JSONValue(token.createdAt),
            "modified_at": JSONValue(token.modifiedAt),
            "organization_id": JSONValue(token.organizationId),
            "comment": .string(token.comment),
            "scopes": .array(token.scopes.map(JSONValue.string)),
            "expires_at": JSONValue(token.expiresAt),
            "last_used_at": JSONValue(token.lastUsedAt),
        ])
    }

    static func customer(_ customer: Customer, deletedAt: Date? = nil) -> JSONValue {
        .object([
            "id": JSONValue(customer.id),
            "created_at": JSONValue(customer.createdAt),
            "modified_at": JSONValue(customer.modifiedAt),
            "metadata": .object(customer.metadata),
            "external_id": JSONValue(customer.externalId),
            "email": .string(customer.email),
            "email_verified": false,
            "type": "individual",
            "name": JSONValue(customer.name),
            "billing_name": .null,
            "billing_address": .null,
            "tax_id": .null,
            "locale": .null,
            "organization_id": JSONValue(customer.organizationId),
            "default_payment_method_id": .null,
            "deleted_at": JSONValue(deletedAt),
            "first_user_event_at": .null,
            "avatar_url": .null,
        ])
    }

    static func member(_ member: Member) -> JSONValue {
        .object([
            "id": JSONValue(member.id),
            "created_at": JSONValue(member.createdAt),
            "modified_at": JSONValue(member.modifiedAt),
            "customer_id": JSONValue(member.customerId),
            "email": .string(member.email),
            "name": JSONValue(member.name),
            "external_id": JSONValue(member.externalId),
            "role": .string(member.role.rawValue),
        ])
    }

    static func product(_ product: Product) -> JSONValue {
        .object(productFields(product).merging([
            "prices": .array(product.prices.map { price(for: $0, productId: product.id) }),
            "benefits": [],
            "medias": [],
            "attached_custom_fields": [],
        ]) { _, new in new })
    }

    /// The fields shared by a full product and the product embedded in an order.
    private static func productFields(_ product: Product) -> [String: JSONValue] {
        [
            "id": JSONValue(product.id),
            "created_at": JSONValue(product.createdAt),
            "modified_at": JSONValue(product.modifiedAt),
            "trial_interval": .null,
            "trial_interval_count": .null,
            "name": .string(product.name),
            "description": JSONValue(product.description),
            "visibility": "public",
            "recurring_interval": JSONValue(product.recurringInterval?.rawValue),
            "recurring_interval_count": product.isRecurring ? 1 : .null,
            "meter_interval": .null,
            "meter_interval_count": .null,
            "is_recurring": JSONValue(product.isRecurring),
            "is_archived": JSONValue(product.isArchived),
            "organization_id": JSONValue(product.organizationId),
            "metadata": .object(product.metadata),
        ]
    }

    static func price(for price: ProductPrice, productId: UUID) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": JSONValue(price.id),
            "created_at": JSONValue(price.createdAt),
            "modified_at": .null,
            "source": "catalog",
            "amount_type": .string(price.amountType),
            "tax_behavior": .null,
            "is_archived": false,
            "product_id": JSONValue(productId),
        ]
        switch price.kind {
        case .seatBased(let currency, let tiers):
            fields["price_currency"] = .string(currency)
            fields["seat_tiers"] = .object([
                "seat_tier_type": .string(tiers.type.rawValue),
                "tiers": .array(tiers.tiers.map { tier in
                    .object([
                        "min_seats": JSONValue(tier.minSeats),
                        "max_seats": JSONValue(tier.maxSeats),
                        "price_per_seat": JSONValue(tier.pricePerSeat),
                    ])
                }),
                "minimum_seats": JSONValue(tiers.minimumSeats),
                "maximum_seats": JSONValue(tiers.maximumSeats),
            ])
        case .fixed(let currency, let amount):
            fields["price_currency"] = .string(currency)
            fields["price_amount"] = JSONValue(amount)
        case .free:
            fields["price_currency"] = "usd"
        }
        return .object(fields)
    }

    static func subscription(_ subscription: Subscription, customer: Customer, product: Product) -> JSONValue {
        var fields = subscriptionFields(subscription)
        fields["customer"] = Wire.customer(customer)
        fields["product"] = Wire.product(product)
        fields["discount"] = .null
        fields["prices"] = .array(product.prices.map { price(for: $0, productId: product.id) })
        fields["meters"] = []
        fields["pending_update"] = .null
        fields["custom_field_data"] = .object([:])
        return .object(fields)
    }

    /// Polar's `CustomerSubscription`: what the portal shows a customer of their own
    /// subscription. No metadata or embedded customer; the product names its organization.
    static func customerSubscription(_ subscription: Subscription, product: Product, organization: Organization)
        -> JSONValue
    {
        let prices = JSONValue.array(product.prices.map { price(for: $0, productId: product.id) })
        var fields = subscriptionFields(subscription)
        fields["metadata"] = nil
        var productFields = productFields(product)
        productFields["metadata"] = nil
        productFields["prices"] = prices
        productFields["benefits"] = []
        productFields["medias"] = []
        productFields["organization"] = customerOrganization(organization)
        fields["product"] = .object(productFields)
        fields["prices"] = prices
        fields["meters"] = []
        fields["pending_update"] = .null
        return .object(fields)
    }

    /// Polar's `CustomerOrganization`: the merchant as its customers see it.
    static func customerOrganization(_ organization: Organization) -> JSONValue {
        [
            "id": JSONValue(organization.id),
            "created_at": JSONValue(organization.createdAt),
            "modified_at": JSONValue(organization.modifiedAt),
            "name": .string(organization.name),
            "slug": .string(organization.slug),
            "avatar_url": .null,
            "proration_behavior": "prorate",
            // The portal lets a customer change their seat count, nothing else of the plan.
            "allow_customer_updates": true,
            "customer_portal_settings": [
                "usage": ["show": false],
                "subscription": ["update_seats": true, "update_plan": false],
            ],
            "organization_features": ["member_model_enabled": JSONValue(organization.memberModelEnabled)],
        ]
    }

    private static func subscriptionFields(_ subscription: Subscription) -> [String: JSONValue] {
        [
            "id": JSONValue(subscription.id),
            "created_at": JSONValue(subscription.createdAt),
            "modified_at": JSONValue(subscription.modifiedAt),
            "amount": JSONValue(subscription.amount),
            "currency": .string(subscription.currency),
            "recurring_interval": .string(subscription.recurringInterval.rawValue),
            "recurring_interval_count": 1,
            "status": .string(subscription.status.rawValue),
            "current_period_start": JSONValue(subscription.currentPeriodStart),
            "current_period_end": JSONValue(subscription.currentPeriodEnd),
            "current_meter_period_start": .null,
            "current_meter_period_end": .null,
            "trial_start": .null,
            "trial_end": .null,
            "cancel_at_period_end": JSONValue(subscription.cancelAtPeriodEnd),
            "canceled_at": JSONValue(subscription.canceledAt),
            "started_at": JSONValue(subscription.startedAt),
            "ends_at": subscription.cancelAtPeriodEnd ? JSONValue(subscription.currentPeriodEnd) : JSONValue(subscription.endedAt),
            "ended_at": JSONValue(subscription.endedAt),
            "past_due_at": .null,
            "pause_at_period_end": false,
            "paused_at": .null,
            "resumes_at": .null,
            "customer_id": JSONValue(subscription.customerId),
            "product_id": JSONValue(subscription.productId),
            "discount_id": .null,
            "checkout_id": .null,
            "seats": JSONValue(subscription.seats),
            "customer_cancellation_reason": .null,
            "customer_cancellation_comment": .null,
            "metadata": .object(subscription.metadata),
        ]
    }

    static func order(_ order: Order, customer: Customer, product: Product) -> JSONValue {
        let amount = JSONValue(order.amount)
        return .object([
            "id": JSONValue(order.id),
            "created_at": JSONValue(order.createdAt),
            "modified_at": JSONValue(order.modifiedAt),
            "status": .string(order.status.rawValue),
            "paid": JSONValue(order.status == .paid),
            "subtotal_amount": amount,
            "discount_amount": 0,
            "net_amount": amount,
            "tax_amount": 0,
            "total_amount": amount,
            "applied_balance_amount": 0,
            "due_amount": order.status == .paid ? 0 : amount,
            "refunded_amount": 0,
            "refunded_tax_amount": 0,
            "currency": .string(order.currency),
            "billing_reason": "purchase",
            "billing_name": .null,
            "billing_address": .null,
            "invoice_number": .null,
            "is_invoice_generated": false,
            "receipt_number": .null,
            "seats": JSONValue(order.seats),
            "customer_id": JSONValue(order.customerId),
            "product_id": JSONValue(order.productId),
            "discount_id": .null,
            "subscription_id": .null,
            "checkout_id": .null,
            "next_payment_attempt_at": .null,
            "metadata": .object(order.metadata),
            "custom_field_data": .object([:]),
            "platform_fee_amount": 0,
            "platform_fee_currency": .null,
            "customer": Wire.customer(customer),
            "product": .object(productFields(product)),
            "discount": .null,
            "subscription": .null,
            "items": [],
            "description": .string(product.name),
            "refundable_amount": 0,
            "refundable_tax_amount": 0,
        ])
    }

    static func seat(_ details: SeatDetails) -> JSONValue {
        let seat = details.seat
        return .object([
            "id": JSONValue(seat.id),
            "created_at": JSONValue(seat.createdAt),
            "modified_at": JSONValue(seat.modifiedAt),
            "subscription_id": JSONValue(seat.pool.subscriptionId),
            "order_id": JSONValue(seat.pool.orderId),
            "status": .string(seat.status.rawValue),
            "customer_id": JSONValue(seat.holder?.customerId),
            "member_id": JSONValue(seat.holder?.memberId),
            "member": details.member.map(member) ?? .null,
            "email": JSONValue(seat.holder?.email),
            "customer_email": JSONValue(details.holderEmail),
            "invitation_token_expires_at": JSONValue(seat.invitationTokenExpiresAt),
            "claimed_at": JSONValue(seat.claimedAt),
            "revoked_at": JSONValue(seat.revokedAt),
            "seat_metadata": .object(seat.metadata),
        ])
    }

    static func seatsList(_ seats: [SeatDetails], pool: SeatPool) -> JSONValue {
        .object([
            "seats": .array(seats.map(seat)),
            "available_seats": JSONValue(pool.availableSeats),
            "total_seats": JSONValue(pool.seats ?? 0),
        ])
    }

    static func webhookEndpoint(_ endpoint: WebhookEndpoint) -> JSONValue {
        .object([
            "id": JSONValue(endpoint.id),
            "created_at": JSONValue(endpoint.createdAt),
            "modified_at": JSONValue(endpoint.modifiedAt),
            "url": .string(endpoint.url),
            "name": JSONValue(endpoint.name),
            "format": "raw",
            "secret": .string(endpoint.secret),
            "organization_id": JSONValue(endpoint.organizationId),
            "events": .array(endpoint.events.map { .string($0.rawValue) }),
            "enabled": JSONValue(endpoint.enabled),
            "disabled_reason": JSONValue(endpoint.disabledReason),
        ])
    }

    /// One attempt, with its event, as Polar's `WebhookDelivery`.
    static func webhookDelivery(_ attempt: WebhookDeliveryAttempt) -> JSONValue {
        .object([
            "id": JSONValue(attempt.id),
            "created_at": JSONValue(attempt.createdAt),
            "modified_at": .null,
            "succeeded": JSONValue(attempt.succeeded),
            "http_code": JSONValue(attempt.httpCode),
            "response": JSONValue(attempt.response),
            "error": JSONValue(attempt.error),
            "duration_ms": JSONValue(attempt.durationMs),
            "endpoint_id": JSONValue(attempt.endpointId),
            "webhook_event": .object([
                "id": JSONValue(attempt.eventId),
                "created_at": JSONValue(attempt.eventCreatedAt),
                "modified_at": .null,
                "last_http_code": JSONValue(attempt.httpCode),
                "succeeded": JSONValue(attempt.succeeded),
                "skipped": false,
                "payload": .string(attempt.eventBody),
                "type": .string(attempt.eventType),
                "is_archived": false,
            ]),
        ])
    }
}
