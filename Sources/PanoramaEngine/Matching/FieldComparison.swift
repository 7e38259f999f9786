/// How one field of two records is compared: a comparator that sorts the pair into one of a few
/// agreement levels, and the Fellegi–Sunter probabilities of each level.
///
/// Level 0 is always "exact" (equal after normalization, ignoring spaces) and the last level is
/// always "different"; the levels in between come from `thresholds`. A pair in which either
/// record lacks the field gets no level ("missing") and a weight of 0.
public struct FieldComparison: Codable, Sendable, Equatable {
    /// The measure that assigns a level.
    public enum Comparator: String, Codable, Sendable {
        /// Equal or not: two levels.
        case exact
        /// Jaro–Winkler similarity (the higher of the value with and without spaces); one level per
        /// threshold, in descending order (e.g. [0.92, 0.8] → exact, ≥ 0.92, ≥ 0.8, different).
        case jaroWinkler
        /// Like `jaroWinkler`, but a pair whose words are the same in another order (Jaccard
        /// similarity of the word sets) counts with that similarity when it is higher. For addresses.
        case jaroWinklerOrTokenSet
        /// Restricted Damerau–Levenshtein distance; one level per threshold, in ascending order
        /// (e.g. [1] → exact, one edit, different). For postcodes, phone numbers, id numbers.
        case damerauLevenshtein
        /// Dates as `yyyymmdd`: exact; day and month swapped or one digit off; then one level per
        /// threshold of days apart, ascending; different.
        case date
        /// Integers: exact, then one level per threshold of absolute difference, ascending.
        case numeric
    }

    /// The compared field.
    public var field: MatchField
    /// The measure that assigns levels.
    public var comparator: Comparator
    /// Level boundaries (see `Comparator`).
    public var thresholds: [Double]
    /// P(level | same person), one per level. The starting point of estimation, or the values used
    /// as they are when estimation is off.
    public var m: [Double]
    /// P(level | different people), one per level. Replaced by frequencies in random pairs when
    /// estimation is on.
    public var u: [Double]

    /// Creates a comparison; `m` and `u` must have `levelCount` entries.
    public init(field: MatchField, comparator: Comparator, thresholds: [Double] = [], m: [Double], u: [Double]) {
        self.field = field
        self.comparator = comparator
        self.thresholds = thresholds
        self.m = m
        self.u = u
    }

    private enum CodingKeys: String, CodingKey { case field, comparator, thresholds, m, u }

    /// Decodes a comparison; `thresholds` defaults to none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        field = try c.decode(MatchField.self, forKey: .field)
        comparator = try c.decode(Comparator.self, forKey: .comparator)
        thresholds = try c.decodeIfPresent([Double].self, forKey: .thresholds) ?? []
        m = try c.decode([Double].self, forKey: .m)
        u = try c.decode([Double].self, forKey: .u)
    }

    /// Number of agreement levels.
    public var levelCount: Int {
        switch comparator {
        case .exact: 2
        case .date: thresholds.count + 3
        case .jaroWinkler, .jaroWinklerOrTokenSet, .damerauLevenshtein, .numeric: thresholds.count + 2
        }
    }

    /// A short description of `level` for review screens ("exact", "Jaro-Winkler ≥ 0.92" …).
    public func label(of level: Int) -> String {
        if level == 0 { return "exact" }
        if level == levelCount - 1 { return "different" }
        switch comparator {
        case .exact:
            return "different"
        case .jaroWinkler:
            return "Jaro-Winkler ≥ \(formatted(thresholds[level - 1]))"
        case .jaroWinklerOrTokenSet:
            return "Jaro-Winkler or word overlap ≥ \(formatted(thresholds[level - 1]))"
        case .damerauLevenshtein:
            return "at most \(formatted(thresholds[level - 1])) edits"
        case .date:
            if level == 1 { return "day/month swapped or one digit off" }
            return "within \(formatted(thresholds[level - 2])) days"
        case .numeric:
            return "within ±\(formatted(thresholds[level - 1]))"
        }
    }

    private func formatted(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// The normalized values of all records, in one contiguous scalar buffer.
///
/// Each (record, field) has two spans: the value as normalized ("pridham street") and the value
/// without spaces ("pridhamstreet"), which share storage when the value has no space. The
/// comparison loop reads these through unsafe buffers and never touches a `String`.
struct PreparedRecords: Sendable {
    /// Start and length of one value in `storage`; length 0 means missing.
    struct Span: Sendable {
        var start: Int32
        var count: Int32
    }

    static let fieldCount = MatchField.allCases.count
    let count: Int
    private(set) var storage: [UInt32] = []
    /// Indexed by `slot(record, field, squashed)`.
    private(set) var spans: [Span] = []

    /// Copies the normalized values of `records`, in order.
    init(_ records: [MatchRecord]) {
        count = records.count
        spans.reserveCapacity(records.count * Self.fieldCount * 2)
        storage.reserveCapacity(records.count * 64)
        for record in records {
            for field in MatchField.allCases {
                guard let value = record[field] else {
                    spans.append(Span(start: 0, count: 0))
                    spans.append(Span(start: 0, count: 0))
                    continue
                }
                let start = storage.count
                var hasSpace = false
                for scalar in value.unicodeScalars {
                    storage.append(scalar.value)
                    if scalar.value == 0x20 { hasSpace = true }
                }
                let spaced = Span(start: Int32(start), count: Int32(storage.count - start))
                spans.append(spaced)
                if hasSpace {
                    let squashedStart = storage.count
                    for scalar in value.unicodeScalars where scalar.value != 0x20 { storage.append(scalar.value) }
                    spans.append(Span(start: Int32(squashedStart), count: Int32(storage.count - squashedStart)))
                } else {
                    spans.append(spaced)
                }
            }
        }
    }

    /// Index into `spans` of one value.
    @inline(__always)
    static func slot(_ record: Int, _ field: Int, squashed: Bool) -> Int {
        (record &* fieldCount &+ field) &* 2 &+ (squashed ? 1 : 0)
    }
}

/// A comparison vector packed into 64 bits: 4 bits per comparison (level, or 15 for missing) and
/// the top bit set when the given name and surname were compared crosswise (swapped fields).
public struct ComparisonPattern: Hashable, Sendable {
    public var rawValue: UInt64
    static let missing: UInt64 = 0xF
    static let crossedBit: UInt64 = 1 << 63

    /// A pattern from its packed form.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The level of comparison `index` (in configuration order), nil when a value was missing.
    public func level(_ index: Int) -> Int? {
        let level = (rawValue >> UInt64(4 * index)) & 0xF
        return level == Self.missing ? nil : Int(level)
    }

    /// True when the names agreed better swapped (given name against surname) and were compared so.
    public var namesCrossed: Bool { rawValue & Self.crossedBit != 0 }

    /// The levels without the crossed flag: the key under which estimation counts patterns.
    var levels: UInt64 { rawValue & ~Self.crossedBit }
}

/// The comparisons of a configuration compiled to plain values for the inner loop.
struct ComparisonKernel: Sendable {
    /// One comparison with trivially copyable fields only (no reference counting in the loop).
    struct Compiled: Sendable {
        var field: Int
        var comparator: FieldComparison.Comparator
        var thresholdStart: Int
        var thresholdCount: Int
        var levelCount: Int
    }

    let compiled: [Compiled]
    let thresholds: [Double]
    /// Indices into `compiled` of the given-name and surname comparisons when they may be crossed.
    let givenNameIndex: Int?
    let surnameIndex: Int?

    /// Compiles the comparisons of `configuration`.
    init(_ configuration: MatchConfiguration) {
        var compiled: [Compiled] = []
        var thresholds: [Double] = []
        for comparison in configuration.comparisons {
            compiled.append(
                Compiled(
                    field: comparison.field.index, comparator: comparison.comparator,
                    thresholdStart: thresholds.count, thresholdCount: comparison.thresholds.count,
                    levelCount: comparison.levelCount))
            thresholds += comparison.thresholds
        }
        self.compiled = compiled
        self.thresholds = thresholds
        let isSimilarity: (Compiled) -> Bool = {
            $0.comparator == .jaroWinkler || $0.comparator == .jaroWinklerOrTokenSet
        }
        let given = compiled.firstIndex { $0.field == MatchField.givenName.index }
        let surname = compiled.firstIndex { $0.field == MatchField.surname.index }
        if configuration.compareNamesCrosswise, let given, let surname, isSimilarity(compiled[given]),
            compiled[surname].comparator == compiled[given].comparator
        {
            givenNameIndex = given
            surnameIndex = surname
        } else {
            givenNameIndex = nil
            surnameIndex = nil
        }
    }

    /// Unsafe views of the prepared records and the kernel's tables, valid inside `body`.
    struct Views {
        let storage: UnsafeBufferPointer<UInt32>
        let spans: UnsafeBufferPointer<PreparedRecords.Span>
        let compiled: UnsafeBufferPointer<Compiled>
        let thresholds: UnsafeBufferPointer<Double>

        /// The value of `field` of `record`, with or without spaces; empty when missing.
        @inline(__always)
        func value(_ record: Int, _ field: Int, squashed: Bool) -> UnsafeBufferPointer<UInt32> {
            let span = spans[PreparedRecords.slot(record, field, squashed: squashed)]
            return UnsafeBufferPointer(rebasing: storage[Int(span.start)..<Int(span.start + span.count)])
        }
    }

    /// Runs `body` with unsafe views of `records` and of the kernel tables.
    func withViews<R>(_ records: PreparedRecords, _ body: (Views) -> R) -> R {
        records.storage.withUnsafeBufferPointer { storage in
            records.spans.withUnsafeBufferPointer { spans in
                compiled.withUnsafeBufferPointer { compiled in
                    thresholds.withUnsafeBufferPointer { thresholds in
                        body(Views(storage: storage, spans: spans, compiled: compiled, thresholds: thresholds))
                    }
                }
            }
        }
    }

    /// The comparison pattern of records `a` and `b`.
    func pattern(_ a: Int, _ b: Int, _ views: Views) -> ComparisonPattern {
        var raw: UInt64 = 0
        var names: NameArrangement? = nil
        if let g = givenNameIndex, let s = surnameIndex {
            names = nameArrangement(a, b, given: views.compiled[g], surname: views.compiled[s], views)
        }
        for index in 0..<views.compiled.count {
            let level: Int
            if let names, index == givenNameIndex {
                level = names.given.level
            } else if let names, index == surnameIndex {
                level = names.surname.level
            } else {
                let comparison = views.compiled[index]
                level = self.level(comparison, a, comparison.field, b, comparison.field, views).level
            }
            raw |= UInt64(level) << UInt64(4 * index)
        }
        if names?.crossed == true { raw |= ComparisonPattern.crossedBit }
        return ComparisonPattern(rawValue: raw)
    }

    /// How the names of two records were compared: each comparison's level and similarity, and
    /// which field of a and of b it looked at.
    struct NameArrangement {
        /// One comparison: its level and similarity, and the fields of a and b it compared.
        struct Term {
            var level: Int
            var similarity: Double
            var aField: Int
            var bField: Int
        }
        var given: Term
        var surname: Term
        var crossed: Bool
    }

    /// Levels of given name and surname. When all four values are present and not both equal,
    /// the names are also compared crosswise (a's given name with b's surname, a's surname with
    /// b's given name); that arrangement wins when its similarities add up to more. Crosswise,
    /// the better of the two agreements counts for the given name and the other for the surname,
    /// which keeps the result the same when a and b trade places.
    func nameArrangement(_ a: Int, _ b: Int, given: Compiled, surname: Compiled, _ views: Views) -> NameArrangement {
        let g = given.field
        let s = surname.field
        let straightGiven = level(given, a, g, b, g, views)
        let straightSurname = level(surname, a, s, b, s, views)
        let straight = NameArrangement(
            given: .init(level: straightGiven.level, similarity: straightGiven.similarity, aField: g, bField: g),
            surname: .init(level: straightSurname.level, similarity: straightSurname.similarity, aField: s, bField: s),
            crossed: false)
        if straightGiven.level == 0 && straightSurname.level == 0 { return straight }
        if views.value(a, g, squashed: true).isEmpty || views.value(a, s, squashed: true).isEmpty
            || views.value(b, g, squashed: true).isEmpty || views.value(b, s, squashed: true).isEmpty
        {
            return straight
        }
        // Both crosswise terms are measured with the given-name comparator (init ensures the two
        // comparators are of the same kind), so level 0 means equal.
        let one = level(given, a, g, b, s, views)
        let two = level(given, a, s, b, g, views)
        guard one.similarity + two.similarity > straightGiven.similarity + straightSurname.similarity else {
            return straight
        }
        let oneIsBetter = one.level < two.level || (one.level == two.level && one.similarity >= two.similarity)
        let (best, bestFields) = oneIsBetter ? (one, (g, s)) : (two, (s, g))
        let (worst, worstFields) = oneIsBetter ? (two, (s, g)) : (one, (g, s))
        let surnameLevel = similarityLevel(surname, exact: worst.level == 0, similarity: worst.similarity, views)
        return NameArrangement(
            given: .init(level: best.level, similarity: best.similarity, aField: bestFields.0, bField: bestFields.1),
            surname: .init(
                level: surnameLevel, similarity: worst.similarity, aField: worstFields.0, bField: worstFields.1),
            crossed: true)
    }

    /// The level a similarity comparator gives to a measured similarity.
    private func similarityLevel(_ c: Compiled, exact: Bool, similarity: Double, _ views: Views) -> Int {
        if exact { return 0 }
        for k in 0..<c.thresholdCount where similarity >= views.thresholds[c.thresholdStart + k] { return 1 + k }
        return c.levelCount - 1
    }

    /// The level (15 when missing) and similarity of field `fa` of record `a` against field `fb`
    /// of record `b`. Similarity is in 0…1 for similarity comparators, the negated distance otherwise.
    func level(_ c: Compiled, _ a: Int, _ fa: Int, _ b: Int, _ fb: Int, _ views: Views) -> (
        level: Int, similarity: Double
    ) {
        let x = views.value(a, fa, squashed: true)
        let y = views.value(b, fb, squashed: true)
        if x.isEmpty || y.isEmpty { return (Int(ComparisonPattern.missing), 0) }
        let last = c.levelCount - 1
        if StringSimilarity.memcmpEqual(x, y) { return (0, 1) }
        let thresholds = UnsafeBufferPointer(
            rebasing: views.thresholds[c.thresholdStart..<c.thresholdStart + c.thresholdCount])
        switch c.comparator {
        case .exact:
            return (1, 0)
        case .jaroWinkler, .jaroWinklerOrTokenSet:
            var similarity = StringSimilarity.jaroWinkler(x, y)
            let xs = views.value(a, fa, squashed: false)
            let ys = views.value(b, fb, squashed: false)
            if xs.count != x.count || ys.count != y.count {
                similarity = max(similarity, StringSimilarity.jaroWinkler(xs, ys))
                if c.comparator == .jaroWinklerOrTokenSet {
                    similarity = max(similarity, StringSimilarity.tokenSet(xs, ys))
                }
            }
            for (k, threshold) in thresholds.enumerated() where similarity >= threshold { return (1 + k, similarity) }
            return (last, similarity)
        case .damerauLevenshtein:
            let largest = Int(thresholds.last ?? 0)
            if abs(x.count - y.count) > largest { return (last, -Double(abs(x.count - y.count))) }
            let distance = StringSimilarity.damerauLevenshtein(x, y)
            for (k, threshold) in thresholds.enumerated() where Double(distance) <= threshold {
                return (1 + k, -Double(distance))
            }
            return (last, -Double(distance))
        case .date:
            if x.count == 8 && y.count == 8 {
                let swapped =
                    x[4] == y[6] && x[5] == y[7] && x[6] == y[4] && x[7] == y[5] && x[0] == y[0]
                    && x[1] == y[1] && x[2] == y[2] && x[3] == y[3]
                if swapped || StringSimilarity.damerauLevenshtein(x, y) <= 1 { return (1, -1) }
                if let dx = Self.dayNumber(x), let dy = Self.dayNumber(y) {
                    let apart = Double(abs(dx - dy))
                    for (k, threshold) in thresholds.enumerated() where apart <= threshold { return (2 + k, -apart) }
                    return (last, -apart)
                }
            }
            return (last, -Double.infinity)
        case .numeric:
            guard let nx = Self.integer(x), let ny = Self.integer(y) else { return (last, -Double.infinity) }
            let difference = Double(abs(nx - ny))
            for (k, threshold) in thresholds.enumerated() where difference <= threshold {
                return (1 + k, -difference)
            }
            return (last, -difference)
        }
    }

    /// Days since 1970-01-01 of a valid `yyyymmdd` date (Howard Hinnant's days-from-civil).
    static func dayNumber(_ d: UnsafeBufferPointer<UInt32>) -> Int? {
        guard let value = integer(d) else { return nil }
        var year = value / 10000
        let month = (value / 100) % 100
        let day = value % 100
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        year -= month <= 2 ? 1 : 0
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    /// The value of an all-digit buffer (at most 18 digits), nil otherwise.
    static func integer(_ d: UnsafeBufferPointer<UInt32>) -> Int? {
        guard !d.isEmpty, d.count <= 18 else { return nil }
        var value = 0
        for c in d {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            value = value * 10 + Int(c - 0x30)
        }
        return value
    }
}
