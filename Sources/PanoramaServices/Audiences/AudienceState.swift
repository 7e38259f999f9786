import Foundation
import PanoramaCore
import PanoramaEngine
import PanoramaStore

/// Customers who entered and left an audience.
struct Delta: Sendable {
    var enter: [Int64] = []
    var exit: [Int64] = []
}

/// A tag or segment by kind and name.
public struct AudienceKey: Hashable, Sendable, CustomStringConvertible {
    public var kind: AudienceKind
    public var name: String

    public init(_ kind: AudienceKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String { "\(kind.rawValue) '\(name)'" }
}

/// What the engine reads of one live customer: attributes (latest value per name across its raw
/// profiles), orders and tracked events.
struct CustomerFacts: Sendable {
    var attributes: [String: TraitValue] = [:]
    var orders: [OrderColumns.Record] = []
    var events: [EventColumns.Record] = []
    /// The consent purposes granted now (latest change per purpose over its raw profiles).
    var consents: Set<ConsentPurpose> = []

    /// Reads the facts of live customers from the store (one query per kind of fact).
    static func load(_ store: any PanoramaStore, workspaceID: Int64, liveIDs: [Int64]) async throws -> [Int64:
        CustomerFacts]
    {
        var facts: [Int64: CustomerFacts] = [:]
        for id in liveIDs { facts[id] = CustomerFacts() }
        let raws = try await store.rawProfiles(workspaceID: workspaceID, liveIDs: liveIDs)
        var liveOf: [Int64: Int64] = [:]
        for (raw, live) in raws { liveOf[raw] = live }
        let rawIDs = raws.map(\.raw)
        for (raw, trait) in try await store.rawTraits(workspaceID: workspaceID, customerIDs: rawIDs) {
            guard let live = liveOf[raw] else { continue }
            facts[live]?.attributes.keepLatest(trait)
        }
        for order in try await store.orderFacts(workspaceID: workspaceID, customerIDs: rawIDs) {
            guard let live = liveOf[order.customerID] else { continue }
            let status: OrderColumns.Status =
                switch OrderStatus(rawValue: order.status) {
                case .pending: .pending
                case .cancelled: .cancelled
                default: order.fullyRefunded ? .refunded : .completed
                }
            facts[live]?.orders.append(
                OrderColumns.Record(
                    timestamp: EvaluationContext.floorDiv(order.placedAt, 1000), amount: max(0, order.netAmount),
                    items: Int32(clamping: order.items), channel: order.channel, store: order.store, status: status))
        }
        var consents: [Int64: [ConsentRecord]] = [:]
        for record in try await store.consents(workspaceID: workspaceID, customerIDs: rawIDs) {
            guard let live = liveOf[record.customerID] else { continue }
            consents[live, default: []].append(record)
        }
        for (live, history) in consents { facts[live]?.consents = ConsentRecord.granted(history) }
        for event in try await store.trackFacts(workspaceID: workspaceID, customerIDs: rawIDs) {
            guard let live = liveOf[event.customerID] else { continue }
            facts[live]?.events.append(
                EventColumns.Record(timestamp: EvaluationContext.floorDiv(event.timestamp, 1000), name: event.event))
        }
        for id in liveIDs {
            facts[id]?.orders.sort { $0.timestamp < $1.timestamp }
            facts[id]?.events.sort { $0.timestamp < $1.timestamp }
        }
        return facts
    }
}

/// The derived state of one workspace: a row per customer, typed columns for attributes and
/// computed traits, and a bitmap of rows per tag and segment. A value: an evaluation works on a
/// copy and the engine swaps it in whole.
struct AudienceState: Sendable {
    /// Built-in computed traits every workspace has.
    static let builtInTraits: [String: RuleType] = [
        "rfm_r": .integer, "rfm_f": .integer, "rfm_m": .integer, "rfm_segment": .string,
    ].merging(CustomerPredictions.types) { a, _ in a }

    /// Row → live customer id (0: the row's customer was merged away).
    var customerIDs: [Int64] = []
    var rowOf: [Int64: Int] = [:]
    var table = CustomerTable()
    var orders: OrderColumns
    var events: EventColumns
    var attributeTypes: [String: RuleType] = [:]
    var traits: [TraitDefinition] = []
    var definitions: [AudienceKey: AudienceDefinition] = [:]
    var rules: [AudienceKey: CheckedRule] = [:]
    /// Rule-based audiences, each after everything it refers to.
    var order: [AudienceKey] = []
    var members: [AudienceKey: RoaringBitmap] = [:]
    /// Rows whose customer holds a current grant, per consent purpose: segments with a
    /// `consentPurpose` are intersected with it.
    var consents: [ConsentPurpose: RoaringBitmap] = [:]
    /// The RFM quintile cut points of the last full computation; a customer whose orders change
    /// is scored against them at once.
    var rfmThresholds = RFMThresholds.empty
    /// The CLV models of the last full computation; a customer whose orders change is scored
    /// with them at once.
    var predictionModels: CustomerPredictions.Models?
    var context: EvaluationContext

    init(context: EvaluationContext) {
        self.context = context
        orders = OrderColumns(utcOffsetSeconds: context.utcOffsetSeconds)
        events = EventColumns(utcOffsetSeconds: context.utcOffsetSeconds)
    }

    /// The names rules may use now.
    var schema: RuleSchema {
        var computed = Self.builtInTraits
        for t in traits { computed[t.name] = t.resultType }
        return RuleSchema(
            attributes: attributeTypes, computedTraits: computed,
            tags: Set(definitions.keys.filter { $0.kind == .tag }.map(\.name)),
            segments: Set(definitions.keys.filter { $0.kind == .segment }.map(\.name)))
    }

    // MARK: Rows

    /// Appends customers with their facts; attribute columns are typed from all values seen
    /// (`retypeAttributes`) by the caller afterwards.
    mutating func append(_ facts: [(id: Int64, facts: CustomerFacts)]) {
        let start = table.rowCount
        table.resize(to: start + facts.count)
        for (offset, item) in facts.enumerated() {
            let row = start + offset
            customerIDs.append(item.id)
            rowOf[item.id] = row
            table.live.insert(UInt32(row))
            for purpose in item.facts.consents { _ = consents[purpose, default: RoaringBitmap()].insert(UInt32(row)) }
            orders.appendCustomer(item.facts.orders)
            events.appendCustomer(item.facts.events)
        }
    }

    /// Types attribute columns from the values given per row and fills them.
    mutating func setAttributes(_ values: [(row: Int, attributes: [String: TraitValue])]) {
        var seen: [String: Set<RuleType>] = [:]
        for (_, attributes) in values {
            for (name, value) in attributes {
                if let t = AttributeValues.type(ofJSON: value.json) { seen[name, default: []].insert(t) }
            }
        }
        for (name, types) in seen {
            guard let type = AttributeValues.common(types.union(attributeTypes[name].map { [$0] } ?? [])) else {
                continue
            }
            if attributeTypes[name] != type {
                attributeTypes[name] = type
                table.setColumn(name, Column(type: type, count: table.rowCount))
            }
        }
        for (row, attributes) in values {
            for (name, value) in attributes {
                guard let type = attributeTypes[name] else { continue }
                table.update(name) { column in
                    let encoded = AttributeValues.encode(value.json, as: type, into: &column)
                    column.set(row, encoded)
                }
            }
        }
    }

    /// Replaces one row's attributes and recomputes its computed traits and RFM scores from its
    /// orders and events (the real-time path). The whole-table activity columns are not touched:
    /// the scheduled recompute reloads them. RFM scores are placed against the quintile thresholds
    /// of the last full computation; the thresholds themselves move at the scheduled recompute.
    mutating func replace(row: Int, with facts: CustomerFacts) throws {
        for name in attributeTypes.keys where facts.attributes[name] == nil {
            table.update(name) { $0.set(row, nil) }
        }
        setAttributes([(row, facts.attributes)])
        for purpose in ConsentPurpose.allCases {
            if facts.consents.contains(purpose) {
                _ = consents[purpose, default: RoaringBitmap()].insert(UInt32(row))
            } else {
                _ = consents[purpose]?.remove(UInt32(row))
            }
        }
        var orders = OrderColumns(utcOffsetSeconds: context.utcOffsetSeconds)
        orders.appendCustomer(facts.orders)
        var events = EventColumns(utcOffsetSeconds: context.utcOffsetSeconds)
        events.appendCustomer(facts.events)
        let values = try TraitComputer.computeRow(traits, orders: orders, events: events, row: 0, context: context)
        TraitComputer.store(values, of: traits, orders: orders, events: events, into: &table, row: row)
        let inputs = try TraitComputer.computeRow(RFM.inputs, orders: orders, events: events, row: 0, context: context)
        let scores = RFM.scoreRow(
            recencyDays: inputs[0], frequency: inputs[1], monetary: inputs[2], thresholds: rfmThresholds)
        let rfmValues: [(String, Int64?)] = [
            (RFM.recencyColumn, scores.map { Int64($0.r) }), (RFM.frequencyColumn, scores.map { Int64($0.f) }),
            (RFM.monetaryColumn, scores.map { Int64($0.m) }),
            (RFM.segmentColumn, scores.map { Int64($0.segment.rawValue) }),
        ]
        for (name, value) in rfmValues { table.update(name) { $0.set(row, value) } }
        let prediction = predictionModels.flatMap { CustomerPredictions.predict(orders, row: 0, models: $0, today: context.today) }
        for (name, value) in CustomerPredictions.values(prediction) { table.update(name) { $0.set(row, value) } }
    }

    /// Marks a row's customer as merged away or gone: it leaves everything; returns what it left.
    mutating func retire(row: Int) -> [AudienceKey] {
        var left: [AudienceKey] = []
        for key in Array(members.keys) where members[key]!.remove(UInt32(row)) {
            left.append(key)
        }
        _ = table.live.remove(UInt32(row))
        for purpose in Array(consents.keys) { _ = consents[purpose]?.remove(UInt32(row)) }
        rowOf[customerIDs[row]] = nil
        customerIDs[row] = 0
        return left
    }

    // MARK: Traits

    /// Computes every computed trait and RFM for all rows from the activity columns.
    mutating func computeTraits() throws {
        let computed = try TraitComputer.compute(traits, orders: orders, events: events, context: context)
        let rfm = RFM.computeScores(orders: orders, context: context)
        rfmThresholds = rfm.thresholds
        for (name, column) in computed.merging(rfm.columns, uniquingKeysWith: { a, _ in a }) {
            table.setColumn(name, column)
        }
        let predictions = CustomerPredictions.compute(orders: orders, events: events, live: table.live, context: context)
        predictionModels = predictions.models
        for (name, column) in predictions.columns { table.setColumn(name, column) }
    }

    // MARK: Rules

    /// Checks every rule against the current schema and orders them so that an audience comes
    /// after the ones it refers to; throws on an invalid rule or a cycle.
    mutating func compileRules() throws(PanoramaError) {
        if let (_, problem) = compile(stopAtFirst: true).first { throw problem }
    }

    /// Like `compileRules`, but sets aside the rules that no longer check (an attribute changed
    /// type, a trait went away) and those that refer to them, and compiles the rest; returns
    /// why each was set aside.
    mutating func compileRulesSkippingBroken() -> [AudienceKey: String] {
        compile(stopAtFirst: false).mapValues(\.message)
    }

    /// Checks rules against the schema without the broken ones until no new rule breaks, then
    /// orders them by dependency; a cycle breaks every rule on it. Returns the broken ones.
    private mutating func compile(stopAtFirst: Bool) -> [AudienceKey: PanoramaError] {
        var broken: [AudienceKey: PanoramaError] = [:]
        var rules: [AudienceKey: CheckedRule] = [:]
        let ruleBased = definitions.filter { $0.value.type != .manual && $0.value.rule != nil }
        var changed = true
        while changed {
            changed = false
            var schema = self.schema
            for key in broken.keys {
                if key.kind == .tag { schema.tags.remove(key.name) } else { schema.segments.remove(key.name) }
            }
            let checker = RuleTypeChecker(schema: schema)
            rules = [:]
            for (key, definition) in ruleBased.sorted(by: { "\($0.key)" < "\($1.key)" }) where broken[key] == nil {
                do {
                    rules[key] = try checker.check(definition.rule ?? "")
                } catch {
                    broken[key] = AudienceDefinition.ruleProblem(error, of: key)
                    if stopAtFirst { return broken }
                    changed = true
                }
            }
        }
        var order: [AudienceKey] = []
        var state: [AudienceKey: Bool] = [:]  // false: visiting, true: done
        func visit(_ key: AudienceKey, _ path: [AudienceKey]) -> [AudienceKey]? {
            if state[key] == true { return nil }
            if state[key] == false { return Array(path.drop { $0 != key }) }  // the cycle
            state[key] = false
            if let rule = rules[key] {
                for t in rule.tags.sorted() { if let cycle = visit(AudienceKey(.tag, t), path + [key]) { return cycle } }
                for s in rule.segments.sorted() {
                    if let cycle = visit(AudienceKey(.segment, s), path + [key]) { return cycle }
                }
            }
            state[key] = true
            if rules[key] != nil { order.append(key) }
            return nil
        }
        for key in definitions.keys.sorted(by: { "\($0)" < "\($1)" }) {
            guard let cycle = visit(key, []) else { continue }
            let problem = PanoramaError.badRequest(
                "rule_cycle",
                "rules refer to each other in a circle: \((cycle + [cycle[0]]).map(\.description).joined(separator: " → "))",
                field: "rule")
            if stopAtFirst { return [cycle[0]: problem] }
            // Set the circle aside and order the rest again.
            for member in cycle { broken[member] = problem }
            for member in cycle { rules[member] = nil }
            order = []
            state = [:]
            for key in definitions.keys.sorted(by: { "\($0)" < "\($1)" }) { _ = visit(key, []) }
            break
        }
        // Rules reading a broken audience broke with it.
        self.rules = rules.filter { key, rule in
            broken[key] == nil && rule.tags.allSatisfy { broken[AudienceKey(.tag, $0)] == nil }
                && rule.segments.allSatisfy { broken[AudienceKey(.segment, $0)] == nil }
        }
        self.order = order.filter { self.rules[$0] != nil }
        return broken
    }

    /// The evaluator over the current columns and memberships.
    var evaluator: RuleEvaluator {
        var tags: [String: RoaringBitmap] = [:]
        var segments: [String: RoaringBitmap] = [:]
        for (key, bitmap) in members {
            if key.kind == .tag { tags[key.name] = bitmap } else { segments[key.name] = bitmap }
        }
        return RuleEvaluator(table: table, context: context, tags: tags, segments: segments)
    }

    /// Re-evaluates the rule-based audiences `include` selects, for all rows, in dependency order
    /// (callers diff the members before and after). Segments with a consent purpose keep only
    /// the rows holding a grant, those not re-evaluated (static snapshots) included.
    mutating func evaluate(where include: (AudienceDefinition) -> Bool) throws {
        for (key, definition) in definitions where definition.consentPurpose != nil {
            if let held = members[key] { members[key] = consenting(key, held) }
        }
        for key in order {
            guard let definition = definitions[key], include(definition), let rule = rules[key] else { continue }
            members[key] = consenting(key, try evaluator.evaluate(rule))
        }
    }

    /// The rows of `bitmap` that may be in `key`: those holding a grant of its consent purpose.
    func consenting(_ key: AudienceKey, _ bitmap: RoaringBitmap) -> RoaringBitmap {
        guard let purpose = definitions[key]?.consentPurpose else { return bitmap }
        return bitmap.intersection(consents[purpose] ?? RoaringBitmap())
    }

    /// Whether a row may be in `key` as far as consent goes.
    func hasConsent(_ key: AudienceKey, row: Int) -> Bool {
        guard let purpose = definitions[key]?.consentPurpose else { return true }
        return consents[purpose]?.contains(UInt32(row)) ?? false
    }

    /// Re-evaluates the real-time audiences for some live rows (after their data changed).
    mutating func evaluate(rows: [Int]) throws -> [AudienceKey: Delta] {
        var changes: [AudienceKey: Delta] = [:]
        let live = rows.filter { table.live.contains(UInt32($0)) }
        guard !live.isEmpty else { return changes }
        for key in order {
            guard let definition = definitions[key], definition.updateMode == .realtime,
                definition.type != .static, let rule = rules[key]
            else { continue }
            let evaluator = self.evaluator
            for row in live {
                let inside = try evaluator.matches(rule, row: row) && hasConsent(key, row: row)
                let was = members[key]?.contains(UInt32(row)) ?? false
                if inside == was { continue }
                if inside {
                    _ = members[key, default: RoaringBitmap()].insert(UInt32(row))
                    changes[key, default: Delta()].enter.append(customerIDs[row])
                } else {
                    _ = members[key]?.remove(UInt32(row))
                    changes[key, default: Delta()].exit.append(customerIDs[row])
                }
            }
        }
        // Segments with a consent purpose that are not re-evaluated in real time (static
        // snapshots, hourly and daily segments): a customer whose grant went away leaves at once;
        // a new grant counts from the next evaluation.
        for (key, definition) in definitions where definition.consentPurpose != nil {
            if definition.updateMode == .realtime, definition.type != .static, rules[key] != nil { continue }
            for row in live where members[key]?.contains(UInt32(row)) == true && !hasConsent(key, row: row) {
                _ = members[key]?.remove(UInt32(row))
                changes[key, default: Delta()].exit.append(customerIDs[row])
            }
        }
        return changes
    }

    /// Live customer ids of rows.
    func ids(_ rows: [Int]) -> [Int64] { rows.map { customerIDs[$0] }.filter { $0 != 0 } }
}
