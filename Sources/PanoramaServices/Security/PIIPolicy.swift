import PanoramaCore

/// Which identifiers and attributes are personal information, and their masked forms for
/// principals without `pii.view`.
///
/// Identifier types and attribute names are matched case-insensitively against the names
/// Panorama and the Segment/RudderStack specs use (`phone`, `email`, `id_number`, `name`,
/// `first_name`, `address` …). Values of other fields pass unchanged.
public enum PIIPolicy {
    /// The kind of an identifier type, nil when it is not personal information (`user_id`).
    public static func kind(identifierType type: String) -> PIIKind? {
        kind(ofName: type)
    }

    /// The kind of an attribute (trait, event property), nil when not personal information.
    public static func kind(attribute name: String) -> PIIKind? {
        kind(ofName: name)
    }

    private static func kind(ofName name: String) -> PIIKind? {
        PersonalData.kind(ofName: name)
    }

    /// The identifier with its value masked when its type is personal information.
    public static func mask(_ identifier: Identifier) -> Identifier {
        guard let kind = kind(identifierType: identifier.type) else { return identifier }
        return Identifier(type: identifier.type, value: Masking.mask(identifier.value, as: kind))
    }

    /// A JSON value with the values under personal-information names masked, at any depth
    /// (an `address` object is masked member by member as address text).
    public static func mask(_ value: JSONValue, as inherited: PIIKind? = nil) -> JSONValue {
        switch value {
        case .object(let object):
            var out = JSONObject()
            for (name, member) in object.members { out.set(name, mask(member, as: kind(attribute: name) ?? inherited)) }
            return .object(out)
        case .array(let items):
            return .array(JSONArray(items.elements.map { mask($0, as: inherited) }))
        case .string(let text):
            return inherited.map { .string(Masking.mask(text, as: $0)) } ?? value
        case .number(let number):
            return inherited.map { .string(Masking.mask(number.text, as: $0)) } ?? value
        case .raw(let text):
            guard let parsed = try? JSONParser.parse(text) else { return inherited == nil ? value : .string("****") }
            return mask(parsed, as: inherited)
        default:
            return value
        }
    }

    /// JSON text masked like `mask(_:)`; text that is not JSON is returned as it is.
    public static func maskJSONText(_ text: String, as kind: PIIKind? = nil) -> String {
        guard let value = try? JSONParser.parse(text) else { return text }
        return mask(value, as: kind).jsonText
    }
}

extension Profile {
    /// Whether any identifier or trait of the profile is personal information.
    public var holdsPII: Bool {
        identifiers.contains { PIIPolicy.kind(identifierType: $0.type) != nil }
            || traits.contains { PIIPolicy.kind(attribute: $0.name) != nil }
    }

    /// The profile with its personal information masked.
    public func maskingPII() -> Profile {
        var copy = self
        copy.identifiers = identifiers.map(PIIPolicy.mask)
        copy.traits = traits.map { trait in
            var t = trait
            t.json = PIIPolicy.maskJSONText(trait.json, as: PIIPolicy.kind(attribute: trait.name))
            return t
        }
        return copy
    }
}
