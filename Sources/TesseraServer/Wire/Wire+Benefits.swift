import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    /// Polar's `Benefit` (its `custom`, `feature_flag` and `license_keys` shapes). Every benefit
    /// a merchant makes can be chosen for a product, deleted, and shown or hidden.
    static func benefit(_ benefit: Benefit) -> JSONValue {
        [
            "id": JSONValue(benefit.id),
            "created_at": JSONValue(benefit.createdAt),
            "modified_at": JSONValue(benefit.modifiedAt),
            "type": .string(benefit.kind.rawValue),
            "description": .string(benefit.description),
            "selectable": true,
            "deletable": true,
            "is_deleted": false,
            "organization_id": JSONValue(benefit.organizationId),
            "metadata": .object(benefit.metadata),
            "visibility": .string(benefit.visibility.rawValue),
            "visibility_configurable": true,
            "properties": benefit.properties.json,
        ]
    }
}
