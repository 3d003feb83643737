import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    /// Polar's `Subscription`, with its customer and product embedded.
    static func subscription(_ details: SubscriptionDetails) -> JSONValue {
        let product = details.product
        var fields = subscriptionFields(details.subscription)
        fields["customer"] = Wire.customer(details.customer)
        fields["product"] = Wire.product(product, benefits: details.productBenefits)
        fields["discount"] = .null
        fields["prices"] = .array(product.prices.map { price(for: $0, productId: product.id) })
        fields["meters"] = []
        fields["pending_update"] = .null
        fields["custom_field_data"] = .object([:])
        return .object(fields)
    }

    /// Polar's `CustomerSubscription`: what the portal shows a customer of their own
    /// subscription. No metadata or embedded customer; the product names its organization.
    static func customerSubscription(_ details: CustomerSubscriptionDetails) -> JSONValue {
        let product = details.product
        let prices = JSONValue.array(product.prices.map { price(for: $0, productId: product.id) })
        var fields = subscriptionFields(details.subscription)
        fields["metadata"] = nil
        var productFields = Self.productFields(product)
        productFields["metadata"] = nil
        productFields["prices"] = prices
        productFields["benefits"] = []
        productFields["medias"] = []
        productFields["organization"] = customerOrganization(details.organization)
        fields["product"] = .object(productFields)
        fields["prices"] = prices
        fields["meters"] = []
        fields["pending_update"] = .null
        return .object(fields)
    }

    static func subscriptionFields(_ subscription: Subscription) -> [String: JSONValue] {
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

    /// Polar's `Order`, with its customer and product embedded.
    static func order(_ details: OrderDetails) -> JSONValue {
        let (order, customer, product) = (details.order, details.customer, details.product)
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
}
