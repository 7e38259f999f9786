import Foundation
import PanoramaCore
import PanoramaEngine
import PanoramaStore

/// Why a pair scored as it did, as stored with it: the match probability and weight, the
/// decision the thresholds gave, and each field's part.
public struct DuplicateScore: StoredJSON, Sendable, Equatable {
    /// One field's part in the score.
    public struct Field: Codable, Sendable, Equatable {
        /// The compared field (`givenName`, `birthDate` …).
        public var field: String
        /// "exact", "Jaro-Winkler ≥ 0.92", "different", "missing" …
        public var label: String
        /// The agreement level reached, nil when either profile lacks the field.
        public var level: Int?
        /// What the field added to the match weight, log2(m/u) (0 when missing).
        public var weight: Double
        /// Both profiles' normalized values.
        public var values: [String?]
        /// The measured similarity (0…1) or, for distance comparators, minus the distance.
        public var similarity: Double?
    }

    /// Posterior probability that the two profiles are the same person.
    public var probability: Double
    /// Match weight: log2 of the Bayes factor for "same person".
    public var weight: Double
    /// `merge` (at or above the auto-merge threshold) or `review`.
    public var decision: String
    public var fields: [Field]

    /// The score of `pair`, explained field by field.
    init(_ pair: ScoredPair, details: [FieldComparisonDetail]) {
        probability = pair.probability
        weight = pair.weight
        decision = pair.decision.rawValue
        // JSON has no infinities: a comparator's unbounded distance (two dates it cannot place) is
        // stored as unknown, not allowed to fail the whole run.
        fields = details.map {
            Field(
                field: $0.field.rawValue, label: $0.label, level: $0.level, weight: $0.weight.isFinite ? $0.weight : 0,
                values: $0.values ?? [nil, nil], similarity: $0.similarity.flatMap { $0.isFinite ? $0 : nil })
        }
    }
}

/// One side of a proposed pair as a reviewer sees it now.
public struct DuplicateProfileSummary: Sendable, Equatable {
    /// The profile id the pair was proposed with.
    public var id: Int64
    /// The live profile it belongs to now (itself unless merged since); nil when unknown.
    public var liveID: Int64?
    /// The traits duplicate detection reads, newest value per name.
    public var traits: [TraitValue]
    /// The identifiers of the live profile, oldest first (at most 20).
    public var identifiers: [Identifier]
}

/// A proposed pair with its score and both profiles, for review.
public struct DuplicateCandidate: Sendable, Equatable {
    public var row: DuplicateCandidateRow
    public var score: DuplicateScore
    /// The profile of `row.firstID`, then that of `row.secondID`.
    public var profiles: [DuplicateProfileSummary]
}

/// A value the store keeps as JSON text, opaque to it (settings, a pair's score).
protocol StoredJSON: Codable {}

extension StoredJSON {
    /// The stored form (keys sorted, so equal values store equal text).
    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A value from its stored form.
    static func decode(_ text: String) throws -> Self {
        try JSONDecoder().decode(Self.self, from: Data(text.utf8))
    }
}
