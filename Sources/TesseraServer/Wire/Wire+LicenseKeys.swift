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

    /// `LicenseKeyWithActivations`.
    static func licenseKeyWithActivations(_ details: LicenseKeyDetails) -> JSONValue {
        guard case .object(var fields) = licenseKey(details) else { return .null }
        fields["activations"] = .array(details.activations.map(activation))
        return .object(fields)
    }

    /// `ValidatedLicenseKey`: the key after the validation, with the activation it named.
    static func validatedLicenseKey(_ details: LicenseKeyDetails, activation: LicenseKeyActivation?) -> JSONValue {
        guard case .object(var fields) = licenseKey(details) else { return .null }
        fields["activation"] = activation.map(Self.activation) ?? .null
        return .object(fields)
    }

    /// `LicenseKeyActivationBase`.
    static func activation(_ activation: LicenseKeyActivation) -> JSONValue {
        [
            "id": JSONValue(activation.id),
            "license_key_id": JSONValue(activation.licenseKeyId),
            "label": .string(activation.label),
            "meta": .object(activation.meta),
            "created_at": JSONValue(activation.createdAt),
            "modified_at": JSONValue(activation.modifiedAt),
        ]
    }

    /// `LicenseKeyActivationRead`: an activation with its key.
    static func activation(_ activation: LicenseKeyActivation, of details: LicenseKeyDetails) -> JSONValue {
        guard case .object(var fields) = Self.activation(activation) else { return .null }
        fields["license_key"] = licenseKey(details)
        return .object(fields)
    }
}
