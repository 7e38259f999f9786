import PanoramaCore
import PanoramaEngine

/// Where one compared field's value comes from in a profile: the first of these traits, then
/// identifiers, that has a value.
public struct DuplicateFieldSource: Codable, Sendable, Equatable {
    public var field: MatchField
    /// Trait names in order of preference; `name.member` reads a member of an object trait, as
    /// in Segment's `address` (`address.city`). Strings and numbers are read; other values are not.
    public var traits: [String]
    /// Identifier types in order of preference; the oldest value of a type is taken.
    public var identifiers: [String]

    public init(field: MatchField, traits: [String] = [], identifiers: [String] = []) {
        self.field = field
        self.traits = traits
        self.identifiers = identifiers
    }
}

/// A workspace's duplicate-detection settings: how profiles become match records, how pairs are
/// scored (`MatchConfiguration`: comparisons with their m/u weights, blocking, estimation,
/// thresholds), whether pairs above the auto-merge threshold are merged without review, and how
/// often the job runs on its own.
///
/// Stored as JSON; decoding fills every absent key from the defaults, so settings saved by an
/// older build keep working.
public struct DuplicateSettings: StoredJSON, Sendable, Equatable {
    /// Merge pairs at or above `matching.autoMergeThreshold` without review (else they are proposed).
    public var autoMerge: Bool
    /// Minutes between scheduled runs on the leading node; nil: on demand only.
    public var scheduleMinutes: Int?
    /// Where each compared field comes from; a field without a source is not compared.
    public var fields: [DuplicateFieldSource]
    /// Traits holding a whole name ("Alice Smith", "张伟"), split into given name and surname when
    /// no source gives either of them.
    public var fullNameTraits: [String]
    /// Comparisons, blocking, model estimation and thresholds.
    public var matching: MatchConfiguration

    /// The default trait and identifier names of each field: the usual spellings of profile traits
    /// (snake_case as the tracking API's traits are, Segment's camelCase and its `address` object).
    public static let defaultFields: [DuplicateFieldSource] = [
        DuplicateFieldSource(field: .givenName, traits: ["first_name", "firstName", "given_name"]),
        DuplicateFieldSource(field: .surname, traits: ["last_name", "lastName", "surname", "family_name"]),
        DuplicateFieldSource(field: .birthDate, traits: ["birthday", "birth_date", "date_of_birth"]),
        DuplicateFieldSource(field: .streetNumber, traits: ["street_number"]),
        DuplicateFieldSource(field: .addressLine1, traits: ["address_1", "address", "street", "address.street"]),
        DuplicateFieldSource(field: .addressLine2, traits: ["address_2", "address.street2"]),
        DuplicateFieldSource(field: .city, traits: ["city", "address.city"]),
        DuplicateFieldSource(
            field: .postcode,
            traits: ["postcode", "postal_code", "zip", "address.postal_code", "address.postalCode"]),
        DuplicateFieldSource(field: .state, traits: ["province", "state", "address.state"]),
        DuplicateFieldSource(field: .phone, traits: ["phone"], identifiers: ["phone"]),
        DuplicateFieldSource(field: .email, traits: ["email"], identifiers: ["email"]),
        DuplicateFieldSource(field: .nationalID, traits: ["id_number", "national_id"]),
    ]

    /// Defaults: auto-merge on, no schedule, the default field sources, and the matching
    /// configuration measured on FEBRL (`MatchConfiguration.default`: EM-estimated Fellegi–Sunter,
    /// auto-merge at probability ≥ 0.99, review at ≥ 0.5; F1 1.0 / 0.999 / 0.9997 on FEBRL 1–3).
    public static let `default` = DuplicateSettings(
        autoMerge: true, scheduleMinutes: nil, fields: defaultFields, fullNameTraits: ["name", "full_name"],
        matching: .default)

    public init(
        autoMerge: Bool, scheduleMinutes: Int?, fields: [DuplicateFieldSource], fullNameTraits: [String],
        matching: MatchConfiguration
    ) {
        self.autoMerge = autoMerge
        self.scheduleMinutes = scheduleMinutes
        self.fields = fields
        self.fullNameTraits = fullNameTraits
        self.matching = matching
    }

    private enum CodingKeys: String, CodingKey { case autoMerge, scheduleMinutes, fields, fullNameTraits, matching }

    /// Decodes settings; every absent key takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DuplicateSettings.default
        autoMerge = try c.decodeIfPresent(Bool.self, forKey: .autoMerge) ?? d.autoMerge
        scheduleMinutes = try c.decodeIfPresent(Int.self, forKey: .scheduleMinutes)
        fields = try c.decodeIfPresent([DuplicateFieldSource].self, forKey: .fields) ?? d.fields
        fullNameTraits = try c.decodeIfPresent([String].self, forKey: .fullNameTraits) ?? d.fullNameTraits
        matching = try c.decodeIfPresent(MatchConfiguration.self, forKey: .matching) ?? d.matching
    }

    /// Longest accepted schedule interval: 30 days.
    public static let maxScheduleMinutes = 43_200

    /// Throws `invalid_duplicate_settings` (or the matcher's `invalid_match_configuration`) with
    /// the offending field when the settings cannot work.
    public func validate() throws {
        /// The error for `field`, with the stable code.
        func fail(_ message: String, _ field: String) -> PanoramaError {
            PanoramaError.badRequest("invalid_duplicate_settings", message, field: field)
        }
        try matching.validate()
        if let minutes = scheduleMinutes, !(1...Self.maxScheduleMinutes).contains(minutes) {
            throw fail("schedule_minutes must be null or 1–\(Self.maxScheduleMinutes)", "schedule_minutes")
        }
        guard Set(fields.map(\.field)).count == fields.count else {
            throw fail("each field can have one source", "fields")
        }
        /// Names are trait or identifier names: non-empty, at most 128 characters, at most 20 per list.
        func check(_ names: [String], _ path: String) throws {
            guard names.count <= 20, names.allSatisfy({ !$0.isEmpty && $0.count <= 128 }) else {
                throw fail("up to 20 names of 1–128 characters", path)
            }
        }
        for (index, source) in fields.enumerated() {
            try check(source.traits, "fields[\(index)].traits")
            try check(source.identifiers, "fields[\(index)].identifiers")
        }
        try check(fullNameTraits, "full_name_traits")
    }

    /// The trait names to read from the store: each source's name and the object it reads from.
    var traitNames: [String] {
        var names: [String] = []
        var seen: Set<String> = []
        for name in fields.flatMap(\.traits) + fullNameTraits {
            let object = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
            for candidate in [name, object] where seen.insert(candidate).inserted { names.append(candidate) }
        }
        return names
    }
}
