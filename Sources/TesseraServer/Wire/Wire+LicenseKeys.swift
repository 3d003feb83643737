import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    /// Polar's `LicenseKeyRead`. The full key is shown, as Polar shows it: it is the
    /// customer's credential to use.
    static func licenseKey(_ details: LicenseKeyDetails) -> JSONValue {
        let key = details.key
        return [
            "id": JSONValue(key.id),
            "created_at": JSONValue(key.createdAt),
            "modified_at": JSONValue(key.modifiedAt),
            "organization_id": JSONValue(key.organizationId),
            "customer_id": JSONValue(key.customerId),
            "customer": Wire.customer(details.customer),
            "benefit_id": JSONValue(key.benefitId),
            "key": .string(key.key),
            "display_key": .string(key.displayKey),
            "status": .string(key.status.rawValue),
            "limit_activations": JSONValue(key.limitActivations),
            "usage": JSONValue(key.usage),
            "limit_usage": JSONValue(key.limitUsage),
            "validations": JSONValue(key.validations),
            "last_validated_at": JSONValue(key.lastValidatedAt),
            "expires_at": JSONValue(key.expiresAt),
        ]
    }

    /// `LicenseKeyWithActivations`: Tessera keeps no activations yet, so the list is empty.
    static func licenseKeyWithActivations(_ details: LicenseKeyDetails) -> JSONValue {
        guard case .object(var fields) = licenseKey(details) else { return .null }
        fields["activations"] = []
        return .object(fields)
    }

    /// `ValidatedLicenseKey`: the key after the validation, with no activation.
    static func validatedLicenseKey(_ details: LicenseKeyDetails) -> JSONValue {
        guard case .object(var fields) = licenseKey(details) else { return .null }
        fields["activation"] = .null
        return .object(fields)
    }
}
