import Foundation
import Testing
@testable import TesseraCore

/// The rules an endpoint's failure streak follows: when Tessera disables it, and how enabling
/// it again starts afresh.
@Suite struct WebhookEndpointRuleTests {
    let created = Date(timeIntervalSince1970: 1_800_000_000)
    let later = Date(timeIntervalSince1970: 1_800_090_000)

    func endpoint(enabled: Bool = true, failedEventsInRow: Int = 0) -> WebhookEndpoint {
        WebhookEndpoint(id: UUID(), organizationId: UUID(), url: "https://hooks.example.test/in", name: nil,
                        secret: "tsr_whs_secret", events: [.customerSeatAssigned], enabled: enabled,
                        disabledReason: nil, failedEventsInRow: failedEventsInRow, createdAt: created, modifiedAt: nil)
    }

    @Test func eventsFailingEveryRetryDisableTheEndpointAtTheThreshold() {
        var endpoint = endpoint()
        for count in 1..<WebhookEndpoint.failedEventsBeforeDisabling {
            let disabled = endpoint.recordEvent(.failedEveryRetry(lastError: "HTTP 503"), at: later)
            #expect(!disabled)
            #expect(endpoint.failedEventsInRow == count)
            #expect(endpoint.enabled)
            #expect(endpoint.disabledReason == nil)
            #expect(endpoint.modifiedAt == nil)
        }
        let disabled = endpoint.recordEvent(.failedEveryRetry(lastError: "HTTP 503"), at: later)
        #expect(disabled)
        #expect(!endpoint.enabled)
        #expect(endpoint.failedEventsInRow == WebhookEndpoint.failedEventsBeforeDisabling)
        #expect(endpoint.disabledReason
            == "Disabled after 5 events in a row failed every retry; the last: HTTP 503")
        #expect(endpoint.modifiedAt == later)
    }

    @Test func aDeliveredEventEndsTheStreak() {
        var endpoint = endpoint(failedEventsInRow: WebhookEndpoint.failedEventsBeforeDisabling - 1)
        let disabled = endpoint.recordEvent(.delivered, at: later)
        #expect(!disabled)
        #expect(endpoint.failedEventsInRow == 0)
        #expect(endpoint.enabled)
        let disabledAfterOneFailure = endpoint.recordEvent(.failedEveryRetry(lastError: "timeout"), at: later)
        #expect(!disabledAfterOneFailure)
        #expect(endpoint.enabled)
        #expect(endpoint.modifiedAt == nil)
    }

    @Test func anEndpointTheMerchantTurnedOffKeepsItsStateWhileFailuresCount() {
        var endpoint = endpoint(enabled: false, failedEventsInRow: WebhookEndpoint.failedEventsBeforeDisabling)
        let disabled = endpoint.recordEvent(.failedEveryRetry(lastError: "HTTP 500"), at: later)
        #expect(!disabled)
        #expect(endpoint.failedEventsInRow == WebhookEndpoint.failedEventsBeforeDisabling + 1)
        #expect(endpoint.disabledReason == nil)
        #expect(endpoint.modifiedAt == nil)
    }

    @Test func enablingClearsTheReasonAndTheStreak() {
        var endpoint = endpoint(failedEventsInRow: WebhookEndpoint.failedEventsBeforeDisabling - 1)
        endpoint.recordEvent(.failedEveryRetry(lastError: "HTTP 502"), at: later)
        #expect(!endpoint.enabled)
        endpoint.setEnabled(true)
        #expect(endpoint.enabled)
        #expect(endpoint.disabledReason == nil)
        #expect(endpoint.failedEventsInRow == 0)
        // One more failed event does not disable it again at once.
        let disabled = endpoint.recordEvent(.failedEveryRetry(lastError: "HTTP 502"), at: later)
        #expect(!disabled)
        #expect(endpoint.enabled)
    }

    @Test func disablingByHandKeepsTheStreakAndReason() {
        var endpoint = endpoint(failedEventsInRow: 2)
        endpoint.disabledReason = "earlier reason"
        endpoint.setEnabled(false)
        #expect(!endpoint.enabled)
        #expect(endpoint.failedEventsInRow == 2)
        #expect(endpoint.disabledReason == "earlier reason")
    }
}
