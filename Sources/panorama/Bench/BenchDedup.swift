import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaEngine

/// `panorama bench dedup`: accuracy and speed of duplicate detection on the FEBRL data sets,
/// whose true duplicates are known, and on synthetic populations of any size.
struct BenchDedup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract:
            "Duplicate detection on FEBRL (pair completeness, precision/recall/F1 of auto-merge) or --scale N synthetic records."
    )

    @Option(
        name: .customLong("file"),
        help:
            "FEBRL CSV (repeatable). Default: dataset1–3.csv in $PANORAMA_SHARED/data/febrl, else ../shared/data/febrl."
    )
    var files: [String] = []

    @Option(
        help:
            "Synthesize this many records (FEBRL vocabulary, FEBRL-like errors, known duplicates) instead of reading files."
    )
    var scale: Int?

    @Option(help: "Seed of the synthetic population.") var seed: UInt64 = 42

    @Option(name: .customLong("config"), help: "A MatchConfiguration as JSON; absent keys take the defaults.")
    var configPath: String?

    @Option(
        name: .customLong("drop"),
        help: "Remove a field from every record before matching (repeatable), e.g. nationalID, to see what it carries.")
    var dropped: [String] = []

    @Flag(help: "Print JSON.") var json = false

    /// Loads or synthesizes the records, runs the default (or given) configuration, prints the figures.
    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var matchConfiguration = MatchConfiguration.default
        if let configPath {
            let data = try Data(contentsOf: URL(fileURLWithPath: configPath))
            matchConfiguration = try JSONDecoder().decode(MatchConfiguration.self, from: data)
        }
        let dropFields = try dropped.map { name in
            guard let field = MatchField(rawValue: name) else {
                throw ValidationError(
                    "unknown field '\(name)'; one of \(MatchField.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return field
        }
        let matcher = try Matcher(configuration: matchConfiguration)

        var inputs: [(name: String, records: [LabelledRecord])] = []
        let febrlDirectory = (env["PANORAMA_SHARED"].map { $0 + "/data" } ?? "../shared/data") + "/febrl"
        if let scale {
            guard scale >= 2 else { throw ValidationError("--scale needs at least 2 records") }
            let vocabularyFiles = (1...3).map { "\(febrlDirectory)/dataset\($0).csv" }
            let vocabulary = try SyntheticPeople.Vocabulary(febrl: vocabularyFiles.map(Self.read))
            var generator = SyntheticPeople(vocabulary: vocabulary, seed: seed)
            inputs.append(("synthetic-\(scale)", generator.records(count: scale)))
        } else {
            let paths = files.isEmpty ? (1...3).map { "\(febrlDirectory)/dataset\($0).csv" } : files
            for path in paths {
                inputs.append((URL(fileURLWithPath: path).lastPathComponent, try FEBRLDataset.parse(Self.read(path))))
            }
        }

        var reports: [Report] = []
        for (name, labelled) in inputs {
            var records = labelled.map(\.record)
            for field in dropFields {
                for index in records.indices { records[index][field] = nil }
            }
            if !json { FileHandle.standardError.write(Data("matching \(name): \(records.count) records …\n".utf8)) }
            let started = ContinuousClock.now
            let result = await matcher.run(records, retainCandidates: true)
            let elapsed = ContinuousClock.now - started
            let evaluation = MatchEvaluation(result: result, entities: labelled.map(\.entity))
            let report = Report(name: name, result: result, evaluation: evaluation, elapsed: elapsed)
            reports.append(report)
            if !json { report.print() }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let document = Document(
                benchmark: "dedup", dropped: dropFields.map(\.rawValue),
                autoMergeThreshold: matchConfiguration.autoMergeThreshold,
                reviewThreshold: matchConfiguration.reviewThreshold, datasets: reports)
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
        }
    }

    /// The text of a data file.
    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MissingFile(path: path)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A data file that cannot be read; reported without the usage text a `ValidationError` brings.
    struct MissingFile: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "cannot read \(path) (run from the project root so that ../shared/data/febrl exists, set PANORAMA_SHARED, or pass --file)"
        }
    }

    /// The `--json` output.
    struct Document: Encodable {
        var benchmark: String
        var dropped: [String]
        var autoMergeThreshold: Double
        var reviewThreshold: Double
        var datasets: [Report]
    }

    /// The figures of one data set.
    struct Report: Encodable {
        var dataset: String
        var records: Int
        var candidatePairs: Int
        var reductionRatio: Double
        var truePairs: Int
        var candidateTruePairs: Int
        var pairCompleteness: Double
        var mergedPairs: Int
        var mergedTruePairs: Int
        var precision: Double
        var recall: Double
        var f1: Double
        var reviewPairs: Int
        var reviewTruePairs: Int
        var emIterations: Int
        var matchPrior: Double
        var seconds: Double
        var stageSeconds: [String: Double]
        var blockingRules: [BlockingReport.Rule]
        /// The estimated model: per field, m, u and the weight log2(m/u) of each level.
        var model: [FieldModel]

        /// The parameters of one comparison.
        struct FieldModel: Encodable {
            var field: String
            var levels: [String]
            var m: [Double]
            var u: [Double]
            var weights: [Double]
        }

        /// The figures of one job and its evaluation.
        init(name: String, result: MatchResult, evaluation: MatchEvaluation, elapsed: Duration) {
            dataset = name
            records = result.recordCount
            candidatePairs = result.blocking.candidatePairs
            reductionRatio = result.blocking.reductionRatio
            truePairs = evaluation.truePairs
            candidateTruePairs = evaluation.candidateTruePairs ?? 0
            pairCompleteness = evaluation.pairCompleteness ?? 0
            mergedPairs = evaluation.mergedPairs
            mergedTruePairs = evaluation.mergedTruePairs
            precision = evaluation.precision
            recall = evaluation.recall
            f1 = evaluation.f1
            reviewPairs = evaluation.reviewPairs
            reviewTruePairs = evaluation.reviewTruePairs
            emIterations = result.iterations
            matchPrior = result.model.matchPrior
            seconds = elapsed.seconds
            let t = result.timings
            stageSeconds = [
                "preparation": t.preparation.seconds, "blocking": t.blocking.seconds,
                "comparison": t.comparison.seconds,
                "estimation": t.estimation.seconds, "scoring": t.scoring.seconds,
            ]
            blockingRules = result.blocking.rules
            let weights = result.model.weights
            model = result.configuration.comparisons.enumerated().map { index, comparison in
                FieldModel(
                    field: comparison.field.rawValue, levels: (0..<comparison.levelCount).map(comparison.label(of:)),
                    m: result.model.m[index], u: result.model.u[index], weights: weights[index])
            }
        }

        /// Prints the figures as text.
        func print() {
            func pct(_ value: Double) -> String { String(format: "%.2f %%", value * 100) }
            Swift.print("")
            Swift.print("dedup \(dataset)")
            Swift.print("  records             : \(records)")
            Swift.print(
                "  candidate pairs     : \(candidatePairs) (reduction ratio \(String(format: "%.5f", reductionRatio)) of \(records * (records - 1) / 2))"
            )
            Swift.print("  true pairs          : \(truePairs)")
            Swift.print("  true pairs found    : \(candidateTruePairs) (pair completeness \(pct(pairCompleteness)))")
            Swift.print("  auto-merged pairs   : \(mergedPairs) (\(mergedTruePairs) true)")
            Swift.print(
                "  precision / recall  : \(String(format: "%.4f", precision)) / \(String(format: "%.4f", recall))  F1 \(String(format: "%.4f", f1))"
            )
            Swift.print("  for review          : \(reviewPairs) (\(reviewTruePairs) true)")
            Swift.print(
                "  model               : EM \(emIterations) iterations, λ = \(String(format: "%.4f", matchPrior))")
            let stages = ["preparation", "blocking", "comparison", "estimation", "scoring"].map {
                "\($0) \(String(format: "%.2f", stageSeconds[$0] ?? 0))"
            }
            Swift.print(
                "  time                : \(String(format: "%.2f", seconds)) s (\(stages.joined(separator: ", ")))")
            Swift.print("  blocking rules      : pairs / new pairs / skipped blocks")
            for rule in blockingRules {
                let name = rule.name.padding(toLength: 34, withPad: " ", startingAt: 0)
                Swift.print("    \(name) \(rule.pairs) / \(rule.newPairs) / \(rule.skippedBlocks)")
            }
        }
    }
}

/// Synthetic people with known duplicates, for timing the matcher at scale.
///
/// Originals take each attribute from the values of the FEBRL originals (so value frequencies,
/// and with them block sizes, are realistic) and get a random birth date and a unique 7-digit
/// national id. About 60 % of the records are duplicates, 1–5 per original as in FEBRL's
/// dataset3, each with 1–3 FEBRL-style modifications: typing errors (insert, delete, substitute,
/// transpose), a missing value, a space inserted or removed, another value of the same field,
/// given name and surname swapped, day and month of birth swapped.
struct SyntheticPeople {
    /// Values observed in the FEBRL originals, per column.
    struct Vocabulary {
        var givenNames: [String] = []
        var surnames: [String] = []
        var streetNumbers: [String] = []
        var addressLines1: [String] = []
        var addressLines2: [String] = []
        var cities: [String] = []
        var postcodes: [String] = []
        var states: [String] = []

        /// Collects the values of the original records of the FEBRL CSV texts.
        init(febrl texts: [String]) throws {
            for text in texts {
                for labelled in try FEBRLDataset.parse(text) where labelled.label.hasSuffix("-org") {
                    let r = labelled.record
                    if let v = r[.givenName] { givenNames.append(v) }
                    if let v = r[.surname] { surnames.append(v) }
                    if let v = r[.streetNumber] { streetNumbers.append(v) }
                    if let v = r[.addressLine1] { addressLines1.append(v) }
                    if let v = r[.addressLine2] { addressLines2.append(v) }
                    if let v = r[.city] { cities.append(v) }
                    if let v = r[.postcode] { postcodes.append(v) }
                    if let v = r[.state] { states.append(v) }
                }
            }
            guard !givenNames.isEmpty, !surnames.isEmpty, !cities.isEmpty else {
                throw ValidationError("the FEBRL files hold no original records to draw values from")
            }
        }
    }

    let vocabulary: Vocabulary
    var generator: SplitMix64
    private var usedIDs: Set<Int> = []

    /// A generator drawing from `vocabulary`, reproducible by `seed`.
    init(vocabulary: Vocabulary, seed: UInt64) {
        self.vocabulary = vocabulary
        self.generator = SplitMix64(seed: seed)
    }

    /// `count` records, originals each followed by their duplicates, in shuffled order.
    mutating func records(count: Int) -> [LabelledRecord] {
        var out: [LabelledRecord] = []
        out.reserveCapacity(count)
        var entity = 0
        // Duplicates per original, weighted like FEBRL dataset3 (most originals have none).
        let duplicateWeights = [42, 18, 13, 11, 8, 8]
        while out.count < count {
            entity += 1
            let original = makeOriginal(id: Int64(out.count + 1))
            out.append(LabelledRecord(label: "rec-\(entity)-org", entity: "\(entity)", record: original))
            let duplicates = pick(weights: duplicateWeights)
            for k in 0..<duplicates where out.count < count {
                var duplicate = original
                duplicate.id = Int64(out.count + 1)
                for _ in 0..<Int.random(in: 1...3, using: &generator) { modify(&duplicate) }
                out.append(LabelledRecord(label: "rec-\(entity)-dup-\(k)", entity: "\(entity)", record: duplicate))
            }
        }
        out.shuffle(using: &generator)
        for index in out.indices { out[index].record.id = Int64(index + 1) }
        return out
    }

    private mutating func makeOriginal(id: Int64) -> MatchRecord {
        var nationalID = 0
        repeat {
            nationalID = Int.random(in: 1_000_000...9_999_999, using: &generator)
        } while usedIDs.contains(
            nationalID)
        usedIDs.insert(nationalID)
        let year = Int.random(in: 1900...2005, using: &generator)
        let month = Int.random(in: 1...12, using: &generator)
        let day = Int.random(in: 1...28, using: &generator)
        let birthDate = String(format: "%04d%02d%02d", year, month, day)
        let v = vocabulary
        return MatchRecord(
            id: id, givenName: maybe(v.givenNames, missing: 0.03), surname: maybe(v.surnames, missing: 0.015),
            birthDate: Double.random(in: 0..<1, using: &generator) < 0.02 ? nil : birthDate,
            streetNumber: maybe(v.streetNumbers, missing: 0.04), addressLine1: maybe(v.addressLines1, missing: 0.02),
            addressLine2: maybe(v.addressLines2, missing: 0.1), city: maybe(v.cities, missing: 0.01),
            postcode: v.postcodes.randomElement(using: &generator), state: maybe(v.states, missing: 0.01),
            nationalID: String(nationalID))
    }

    private mutating func maybe(_ values: [String], missing: Double) -> String? {
        Double.random(in: 0..<1, using: &generator) < missing ? nil : values.randomElement(using: &generator)
    }

    private mutating func pick(weights: [Int]) -> Int {
        var roll = Int.random(in: 0..<weights.reduce(0, +), using: &generator)
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }

    /// One FEBRL-style modification of a random field.
    private mutating func modify(_ record: inout MatchRecord) {
        let fields: [MatchField] = [
            .givenName, .surname, .birthDate, .streetNumber, .addressLine1, .addressLine2, .city, .postcode, .state,
            .nationalID,
        ]
        let field = fields.randomElement(using: &generator)!
        guard let value = record[field] else { return }
        let roll = Double.random(in: 0..<1, using: &generator)
        switch roll {
        case ..<0.6:
            record[field] = typo(value, digits: [.birthDate, .streetNumber, .postcode, .nationalID].contains(field))
        case ..<0.72:
            record[field] = nil
        case ..<0.82 where field == .addressLine1 || field == .addressLine2 || field == .city:
            record[field] = respace(value)
        case ..<0.9 where field == .givenName || field == .surname:
            let given = record[.givenName]
            record[.givenName] = record[.surname]
            record[.surname] = given
        case ..<0.9 where field == .birthDate && value.count == 8:
            let scalars = Array(value)
            record[field] = String(scalars[0..<4] + scalars[6..<8] + scalars[4..<6])
        case ..<0.95:
            let v = vocabulary
            let replacement: String? =
                switch field {
                case .givenName: v.givenNames.randomElement(using: &generator)
                case .surname: v.surnames.randomElement(using: &generator)
                case .addressLine1: v.addressLines1.randomElement(using: &generator)
                case .addressLine2: v.addressLines2.randomElement(using: &generator)
                case .city: v.cities.randomElement(using: &generator)
                default: typo(value, digits: true)
                }
            record[field] = replacement
        default:
            record[field] = typo(value, digits: [.birthDate, .streetNumber, .postcode, .nationalID].contains(field))
        }
    }

    /// One insertion, deletion, substitution or transposition.
    private mutating func typo(_ value: String, digits: Bool) -> String {
        var characters = Array(value)
        let alphabet = Array(digits ? "0123456789" : "abcdefghijklmnopqrstuvwxyz")
        let position = Int.random(in: 0..<characters.count, using: &generator)
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:
            characters.insert(alphabet.randomElement(using: &generator)!, at: position)
        case 1 where characters.count > 1:
            characters.remove(at: position)
        case 2 where position + 1 < characters.count:
            characters.swapAt(position, position + 1)
        default:
            characters[position] = alphabet.randomElement(using: &generator)!
        }
        return String(characters)
    }

    /// A space inserted inside a word, or one removed between words.
    private mutating func respace(_ value: String) -> String {
        var characters = Array(value)
        if let space = characters.firstIndex(of: " "), Bool.random(using: &generator) {
            characters.remove(at: space)
        } else if characters.count > 2 {
            characters.insert(" ", at: Int.random(in: 1..<characters.count - 1, using: &generator))
        }
        return String(characters)
    }
}
