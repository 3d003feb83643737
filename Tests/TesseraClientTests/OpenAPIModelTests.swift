import Foundation
import Testing
@testable import TesseraClient
import TesseraServer

/// The SDK's models and the server's OpenAPI document agree on field names.
///
/// Each model is decoded from nothing by a decoder that records every key it asks for, and
/// whether it asks with `decodeIfPresent` (an optional property) or `decode` (a property the
/// model cannot do without). Then, against the document's schema for that model:
/// - a response model's every key, nested ones included, is a property of the schema, and every
///   key it cannot do without is required there and never null;
/// - a request body's every key, from a value with every field set, is a property of the schema,
///   and every property the schema requires is in the body of a value with only the fields its
///   initializer requires.
@Suite struct OpenAPIModelTests {
    static let document: JSONValue = (try? JSONValue.parse(bytes: Array(OpenAPIDocument.text.utf8))) ?? .null

    // MARK: The models and their schemas

    /// Each response model and the schemas of the answers it decodes (several when one model
    /// reads several shapes: each key must be in one of them, each required one in all).
    static var responses: [(any Decodable.Type, [String])] { [
        (CustomerSeat.self, ["CustomerSeat"]),
        (SeatsList.self, ["SeatsList"]),
        (SeatClaimInfo.self, ["SeatClaimInfo"]),
        (CustomerSeatClaimResponse.self, ["CustomerSeatClaimResponse"]),
        (SeatEventPage.self, ["SeatEventPage"]),
        (BulkSeatAssignment.self, ["SeatBulkAssignment"]),
        (Customer.self, ["Customer"]),
        (Member.self, ["Member"]),
        (CustomerState.self, ["CustomerState"]),
        (CustomerSession.self, ["CustomerSession"]),
        (Subscription.self, ["Subscription"]),
        (Order.self, ["Order"]),
        (Product.self, ["Product"]),
        (Benefit.self, ["Benefit"]),
        (BenefitGrant.self, ["BenefitGrant"]),
        (LicenseKey.self, ["LicenseKey", "LicenseKeyWithActivations", "ValidatedLicenseKey"]),
        (LicenseKeyActivationDetails.self, ["LicenseKeyActivationRead"]),
        (WebhookEndpoint.self, ["WebhookEndpoint"]),
        (AccessDecision.self, ["AccessCheck"]),
        (Organization.self, ["Organization"]),
        (OrganizationAccessTokenCreateResponse.self, ["OrganizationAccessTokenCreated"]),
        (ListResource<Customer>.self, ["ListResource_Customer_"]),
    ] }

    /// Each request body the SDK sends, with every field set and with only the required ones,
    /// and the schema of that body.
    static var requests: [(full: any Encodable, minimal: any Encodable, schema: String)] {
        let date = Date(timeIntervalSince1970: 1_900_000_000)
        let metadata: Metadata = ["team": "ops"]
        let tiers = SeatTiers(tiers: [SeatTier(minSeats: 1, maxSeats: 10, pricePerSeat: 900)])
        let prices: [ProductPriceCreate] = [.seatBased(tiers), .fixed(amount: 100), .free]
        let properties = BenefitProperties(note: "n", prefix: "P", expires: LicenseKeyExpiry(ttl: 1, timeframe: "year"),
                                           activations: LicenseKeyActivations(limit: 2, enableCustomerAdmin: true),
                                           limitUsage: 3)
        let features = OrganizationFeatureSettings(seatBasedPricingEnabled: true, memberModelEnabled: true,
                                                   seatInvitationEmailsEnabled: true)
        let recipient = SeatRecipient(email: "a@example.com", customerId: "c", externalCustomerId: "x", memberId: "m",
                                      externalMemberId: "y", metadata: metadata, immediateClaim: true,
                                      sendInvitation: false, expiresAt: date)
        return [
            (SeatAssign(subscriptionId: "s", orderId: "o", recipient: recipient), SeatAssign(), "SeatAssign"),
            (recipient, SeatRecipient(), "SeatRecipient"),
            (recipient, SeatRecipient(), "SeatTransfer"),
            (BulkSeatAssign(subscriptionId: "s", orderId: "o", recipients: [recipient], atomic: true),
             BulkSeatAssign(subscriptionId: nil, orderId: nil, recipients: [], atomic: false), "SeatBulkAssign"),
            (SeatClaim(invitationToken: "t"), SeatClaim(invitationToken: "t"), "SeatClaim"),
            (CustomerCreate(email: "a@example.com", name: "A", externalId: "x", metadata: metadata),
             CustomerCreate(email: "a@example.com"), "CustomerCreate"),
            (CustomerUpdate(email: "a@example.com", name: "A", externalId: "x", metadata: metadata), CustomerUpdate(),
             "CustomerUpdate"),
            (MemberCreate(customerId: "c", email: "a@example.com", name: "A", externalId: "x", role: .billingManager),
             MemberCreate(customerId: "c", email: "a@example.com"), "MemberCreate"),
            (CustomerSessionCreate(customerId: "c", externalCustomerId: "x", memberId: "m", externalMemberId: "y",
                                   returnUrl: "https://example.com"), CustomerSessionCreate(), "CustomerSessionCreate"),
            (SubscriptionCreate(productId: "p", customerId: "c", externalCustomerId: "x", seats: 2, metadata: metadata),
             SubscriptionCreate(productId: "p"), "SubscriptionCreate"),
            (SubscriptionUpdateSeats(seats: 2, prorationBehavior: .prorate), SubscriptionUpdateSeats(seats: 2),
             "SubscriptionUpdate"),
            (SubscriptionCancel(cancelAtPeriodEnd: true), SubscriptionCancel(cancelAtPeriodEnd: true), "SubscriptionUpdate"),
            (OrderCreate(productId: "p", customerId: "c", externalCustomerId: "x", seats: 2, status: .pending,
                         metadata: metadata), OrderCreate(productId: "p"), "OrderCreate"),
            (OrderUpdate(status: .paid, metadata: metadata), OrderUpdate(), "OrderUpdate"),
            (ProductCreate(name: "Team", description: "d", recurringInterval: .month, prices: prices, metadata: metadata),
             ProductCreate(name: "Team", prices: []), "ProductCreate"),
            (ProductUpdate(name: "Team", description: "d", metadata: metadata, isArchived: true, prices: prices),
             ProductUpdate(), "ProductUpdate"),
            (ProductBenefitsUpdate(benefits: ["b"]), ProductBenefitsUpdate(benefits: []), "ProductBenefitsUpdate"),
            (BenefitCreate(type: .licenseKeys, description: "Desktop", visibility: .public, metadata: metadata,
                           properties: properties),
             BenefitCreate(type: .featureFlag, description: "Pro"), "BenefitCreate"),
            (BenefitUpdate(type: .licenseKeys, description: "Desktop", visibility: .public, metadata: metadata,
                           properties: properties), BenefitUpdate(type: .custom), "BenefitUpdate"),
            (LicenseKeyUpdate(status: .granted, usage: 1, limitActivations: .set(2), limitUsage: .remove,
                              expiresAt: .set(date)), LicenseKeyUpdate(), "LicenseKeyUpdate"),
            (LicenseKeyValidate(key: "k", organizationId: "o", activationId: "a", benefitId: "b", customerId: "c",
                                incrementUsage: 1, conditions: metadata),
             LicenseKeyValidate(key: "k", organizationId: "o"), "LicenseKeyValidate"),
            (LicenseKeyActivate(key: "k", organizationId: "o", label: "l", conditions: metadata, meta: metadata),
             LicenseKeyActivate(key: "k", organizationId: "o", label: "l"), "LicenseKeyActivate"),
            (LicenseKeyDeactivate(key: "k", organizationId: "o", activationId: "a"),
             LicenseKeyDeactivate(key: "k", organizationId: "o", activationId: "a"), "LicenseKeyDeactivate"),
            (WebhookEndpointCreate(url: "https://example.com", events: [.customerSeatClaimed], name: "n", secret: "s"),
             WebhookEndpointCreate(url: "https://example.com", events: []), "WebhookEndpointCreate"),
            (WebhookEndpointUpdate(url: "https://example.com", name: "n", format: .raw, events: [.customerSeatClaimed],
                                   enabled: true), WebhookEndpointUpdate(), "WebhookEndpointUpdate"),
            (OrganizationCreate(name: "Acme", slug: "acme", featureSettings: features),
             OrganizationCreate(name: "Acme", slug: "acme"), "OrganizationCreate"),
            (OrganizationUpdate(name: "Acme", slug: "acme", featureSettings: features), OrganizationUpdate(),
             "OrganizationUpdate"),
            (OrganizationAccessTokenCreate(organizationId: "o", comment: "c", scopes: [.customerSeatsRead], expiresIn: 60),
             OrganizationAccessTokenCreate(organizationId: "o", comment: "c", scopes: []), "OrganizationAccessTokenCreate"),
        ]
    }

    /// Optional keys a nested model reads for the other shapes it decodes elsewhere: the SDK's
    /// one `LicenseKey` reads a key, a key with activations and a validated key, and an
    /// activation embeds a plain key.
    static let otherShapesKeys = ["license_key.activations", "license_key.activation"]

    @Test(arguments: responses.indices)
    func responseModelMatchesItsSchema(_ index: Int) throws {
        let (model, names) = Self.responses[index]
        let keys = try RecordedKeys(of: model)
        let schemas = names.map { JSONValue.object(["$ref": .string("#/components/schemas/\($0)")]) }
        for (path, mustBePresent) in keys.all.sorted(by: { $0.key < $1.key })
        where !Self.otherShapesKeys.contains(where: { path == $0 || path.hasPrefix($0 + ".") }) {
            let found = Schemas.lookUp(path, in: schemas)
            #expect(found.exists, "\(model): `\(path)` is not a property of \(names.joined(separator: " or "))")
            if mustBePresent && found.exists {
                #expect(found.alwaysPresent, "\(model) cannot do without `\(path)`, which \(names) may omit or make null")
            }
        }
    }

    @Test(arguments: requests.indices)
    func requestBodyMatchesItsSchema(_ index: Int) throws {
        let (full, minimal, name) = Self.requests[index]
        let model = "\(type(of: full))"
        let schema = JSONValue.object(["$ref": .string("#/components/schemas/\(name)")])
        for path in try Self.encodedKeys(full).sorted() {
            #expect(Schemas.lookUp(path, in: [schema]).exists, "\(model) sends `\(path)`, not a property of \(name)")
        }
        let sentAlways = Set(try Self.encodedKeys(minimal).filter { !$0.contains(".") })
        for required in Schemas.required(of: schema).sorted() {
            #expect(sentAlways.contains(required), "\(name) requires `\(required)`, which \(model) may leave out")
        }
    }

    /// Every key path a value encodes to (`prices.seat_tiers.tiers.min_seats`: arrays add no
    /// step, as the document describes an array's items under its key).
    static func encodedKeys(_ value: any Encodable) throws -> Set<String> {
        var paths: Set<String> = []
        func walk(_ value: JSONValue, _ prefix: String) {
            switch value {
            case .object(let members):
                for (key, member) in members {
                    let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                    paths.insert(path)
                    // Metadata's keys are data, not fields.
                    if !["metadata", "conditions", "meta"].contains(key) { walk(member, path) }
                }
            case .array(let items):
                items.forEach { walk($0, prefix) }
            default:
                break
            }
        }
        walk(try JSONValue.parse(bytes: Array(try WireCoding.encoder().encode(value))), "")
        return paths
    }

    /// The check catches what it should: a key the schema lacks, and a required key the
    /// schema may leave null.
    @Test func theCheckFindsAMissingKeyAndANullableRequiredOne() {
        let seat = JSONValue.object(["$ref": "#/components/schemas/CustomerSeat"])
        #expect(!Schemas.lookUp("no_such_key", in: [seat]).exists)
        #expect(Schemas.lookUp("member.email", in: [seat]).exists)
        #expect(Schemas.lookUp("id", in: [seat]).alwaysPresent)
        #expect(!Schemas.lookUp("modified_at", in: [seat]).alwaysPresent)
        #expect(!Schemas.lookUp("expires_at", in: [seat]).alwaysPresent)
    }
}

// MARK: Reading the document's schemas

/// Looks keys up in the document's schemas, through `$ref`, `allOf`, `anyOf`/`oneOf` and arrays.
enum Schemas {
    static func resolve(_ schema: JSONValue) -> JSONValue {
        guard case .string(let reference)? = schema["$ref"] else { return schema }
        let name = String(reference.split(separator: "/").last ?? "")
        return resolve(OpenAPIModelTests.document["components"]?["schemas"]?[name] ?? .null)
    }

    /// One object shape a schema allows: its properties and required keys.
    struct Shape {
        var properties: [String: JSONValue] = [:]
        var required: Set<String> = []
    }

    /// The object shapes `schema` allows (an array's are its items'), and whether it allows null.
    static func shapes(_ schema: JSONValue) -> (objects: [Shape], allowsNull: Bool) {
        let schema = resolve(schema)
        var objects: [Shape] = []
        var allowsNull = false
        for key in ["anyOf", "oneOf"] {
            for branch in schema[key]?.arrayValue ?? [] {
                let found = shapes(branch)
                objects += found.objects
                allowsNull = allowsNull || found.allowsNull
            }
        }
        if let parts = schema["allOf"]?.arrayValue {
            var merged = Shape()
            for part in parts {
                for shape in shapes(part).objects {
                    merged.properties.merge(shape.properties) { $1 }
                    merged.required.formUnion(shape.required)
                }
            }
            objects.append(merged)
        }
        let types = schema["type"]?.arrayValue?.compactMap(\.stringValue) ?? schema["type"]?.stringValue.map { [$0] } ?? []
        allowsNull = allowsNull || types.contains("null")
        if types.contains("array"), let items = schema["items"] {
            objects += shapes(items).objects
        }
        if types.contains("object") || schema["properties"] != nil {
            objects.append(Shape(properties: schema["properties"]?.objectValue ?? [:],
                                 required: Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])))
        }
        return (objects, allowsNull)
    }

    /// Whether the dotted `path` is a property of one of `schemas`, and whether its last key is
    /// required and never null in every shape that has it.
    static func lookUp(_ path: String, in schemas: [JSONValue]) -> (exists: Bool, alwaysPresent: Bool) {
        var current = schemas
        var alwaysPresent = true
        for key in path.split(separator: ".").map(String.init) {
            let holders = current.flatMap { shapes($0).objects }.filter { $0.properties[key] != nil }
            guard !holders.isEmpty else { return (false, false) }
            let values = holders.compactMap { $0.properties[key] }
            alwaysPresent = holders.allSatisfy { $0.required.contains(key) } && !values.contains { shapes($0).allowsNull }
            current = values
        }
        return (true, alwaysPresent)
    }

    static func required(of schema: JSONValue) -> Set<String> {
        let objects = shapes(schema).objects
        guard let first = objects.first else { return [] }
        // A key every shape of a union requires.
        return objects.dropFirst().reduce(first.required) { $0.intersection($1.required) }
    }
}

// MARK: Recording the keys a model decodes

/// Every key path (`member.email`) a model's `init(from:)` asks for, and whether it asks with
/// `decode` (true: it cannot do without it) rather than `decodeIfPresent`.
struct RecordedKeys {
    final class Store {
        var asked: Set<String> = []
        var optional: Set<String> = []
    }

    let all: [String: Bool]

    init(of model: any Decodable.Type) throws {
        let store = Store()
        _ = try model.init(from: RecordingDecoder(store: store, path: []))
        all = Dictionary(uniqueKeysWithValues: store.asked.map { ($0, !store.optional.contains($0)) })
    }
}

/// Answers every question with a placeholder: one element for an array, no keys for a
/// dictionary, and for a keyed container every key present and not null (so that nested
/// models are decoded, and recorded, too).
struct RecordingDecoder: Decoder {
    let store: RecordedKeys.Store
    let path: [String]
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RecordingKeyedContainer<Key>(store: store, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        RecordingUnkeyedContainer(decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        RecordingSingleValueContainer(decoder: self)
    }

    /// A placeholder of `type`, decoded the way the model asks for it.
    func value<T: Decodable>(_ type: T.Type) throws -> T {
        guard path.count < 12 else { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "too deep")) }
        if type is String.Type { return "x" as! T }
        if type is Bool.Type { return false as! T }
        if let integer = type as? any FixedWidthInteger.Type { return integer.init(0) as! T }
        if let real = type as? any BinaryFloatingPoint.Type { return real.init(0) as! T }
        return try T(from: self)
    }
}

struct RecordingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let store: RecordedKeys.Store
    let path: [String]
    var codingPath: [any CodingKey] { [] }
    /// None: a dictionary decodes empty (its keys are data, not fields).
    var allKeys: [Key] { [] }

    func dotted(_ key: Key) -> String { (path + [key.stringValue]).joined(separator: ".") }

    /// `decodeIfPresent` asks this first: the key is optional.
    func contains(_ key: Key) -> Bool {
        store.optional.insert(dotted(key))
        return true
    }

    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        store.asked.insert(dotted(key))
        return try RecordingDecoder(store: store, path: path + [key.stringValue]).value(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        store.asked.insert(dotted(key))
        return KeyedDecodingContainer(RecordingKeyedContainer<NestedKey>(store: store, path: path + [key.stringValue]))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        store.asked.insert(dotted(key))
        return RecordingUnkeyedContainer(decoder: RecordingDecoder(store: store, path: path + [key.stringValue]))
    }

    func superDecoder() throws -> any Decoder { RecordingDecoder(store: store, path: path) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        RecordingDecoder(store: store, path: path + [key.stringValue])
    }
}

/// An array of one element, at the array's own path (the document describes items under the array's key).
struct RecordingUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: RecordingDecoder
    var codingPath: [any CodingKey] { [] }
    var count: Int? { 1 }
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex >= 1 }

    init(decoder: RecordingDecoder) { self.decoder = decoder }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        return try decoder.value(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        currentIndex += 1
        return try decoder.container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        currentIndex += 1
        return RecordingUnkeyedContainer(decoder: decoder)
    }

    mutating func superDecoder() throws -> any Decoder { decoder }
}

struct RecordingSingleValueContainer: SingleValueDecodingContainer {
    let decoder: RecordingDecoder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.value(type) }
}
