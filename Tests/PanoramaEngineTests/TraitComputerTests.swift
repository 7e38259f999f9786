import Foundation
import PanoramaCore
import Testing

@testable import PanoramaEngine

// MARK: - Helpers

private let shanghai = TimeZone(identifier: "Asia/Shanghai")!
private let shanghaiOffset: Int64 = 28_800

/// Seconds since 1970 UTC of a wall-clock time in `zone`.
private func timestamp(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 12, _ minute: Int = 0, zone: TimeZone = shanghai)
    -> Int64
{
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let date = calendar.date(from: DateComponents(year: y, month: m, day: d, hour: h, minute: minute))!
    return Int64(date.timeIntervalSince1970)
}

/// Days since 1970-01-01 of a calendar date.
private func day(_ y: Int, _ m: Int, _ d: Int) -> Int64 {
    timestamp(y, m, d, 0, 0, zone: TimeZone(identifier: "UTC")!) / 86_400
}

/// Today = 2024-05-31 in Shanghai.
private let today = day(2024, 5, 31)
private let context = EvaluationContext(today: today, utcOffsetSeconds: shanghaiOffset)

/// A paid order `daysAgo` days before today at noon Shanghai time.
private func order(
    daysAgo: Int, cents: Int64, items: Int32 = 1, channel: String? = "app", store: String? = "S1",
    status: OrderColumns.Status = .completed
) -> OrderColumns.Record {
    OrderColumns.Record(
        timestamp: (today - Int64(daysAgo)) * 86_400 + 12 * 3_600 - shanghaiOffset, amount: cents, items: items,
        channel: channel, store: store, status: status)
}

private func event(daysAgo: Int, _ name: String, hour: Int64 = 12) -> EventColumns.Record {
    EventColumns.Record(timestamp: (today - Int64(daysAgo)) * 86_400 + hour * 3_600 - shanghaiOffset, name: name)
}

/// Columns of customers given as lists of orders (and events).
private func columns(
    _ customers: [[OrderColumns.Record]], events: [[EventColumns.Record]] = [], offset: Int64 = shanghaiOffset
) -> (OrderColumns, EventColumns) {
    var orders = OrderColumns(utcOffsetSeconds: offset)
    for records in customers { orders.appendCustomer(records) }
    var eventColumns = EventColumns(utcOffsetSeconds: offset)
    for records in events { eventColumns.appendCustomer(records) }
    return (orders, eventColumns)
}

/// Computes `definitions` and returns each column's values (nil = NULL), by name.
private func values(
    _ definitions: [TraitDefinition], _ orders: OrderColumns, _ events: EventColumns,
    context: EvaluationContext = context, sourceLocation: SourceLocation = #_sourceLocation
) -> [String: [Int64?]] {
    do {
        let computed = try TraitComputer.compute(definitions, orders: orders, events: events, context: context)
        return computed.mapValues { column in (0..<column.count).map { column.value($0) } }
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        return [:]
    }
}

private func trait(
    _ aggregation: TraitDefinition.Aggregation, _ field: TraitDefinition.Field? = nil, window: Int? = nil,
    filter: TraitDefinition.Filter? = nil, source: TraitDefinition.Source = .orders, name: String = "t"
) -> TraitDefinition {
    TraitDefinition(
        name: name, source: source, aggregation: aggregation, field: field, windowDays: window, filter: filter)
}

/// Yuan with four decimals, the decimal encoding (¥12.34 → 123_400).
private func yuan(_ value: Double) -> Int64 { Int64((value * 10_000).rounded()) }

// MARK: - Windows, filters, time zone

@Suite("Traits: windows, filters and local days")
struct TraitWindowTests {
    @Test("The window bound is inclusive: an order exactly N days ago counts, N + 1 days ago does not")
    func inclusiveWindow() {
        // Given orders 31, 30 and 0 days ago
        let (orders, events) = columns([
            [order(daysAgo: 31, cents: 100), order(daysAgo: 30, cents: 200), order(daysAgo: 0, cents: 400)]
        ])
        // When counting and summing over 30, 29 and 0 days
        let result = values(
            [
                trait(.count, window: 30, name: "c30"), trait(.sum, .amount, window: 30, name: "s30"),
                trait(.count, window: 29, name: "c29"), trait(.count, window: 0, name: "c0"),
                trait(.count, window: 31, name: "c31"), trait(.count, name: "all"),
            ], orders, events)
        // Then the order 30 days ago is in the 30-day window only
        #expect(result["c30"] == [2])
        #expect(result["s30"] == [yuan(6)])
        #expect(result["c29"] == [1])
        #expect(result["c0"] == [1])
        #expect(result["c31"] == [3])
        #expect(result["all"] == [3])
    }

    @Test("Records dated after today count in every window (clocks drift); days since can be negative")
    func futureRecords() {
        let (orders, events) = columns([[order(daysAgo: 3, cents: 100), order(daysAgo: -1, cents: 200)]])
        let result = values(
            [
                trait(.count, window: 0, name: "today"), trait(.daysSinceLast, name: "last"),
                trait(.sum, .amount, window: 1, name: "s1"),
            ], orders, events)
        #expect(result["today"] == [1])
        #expect(result["last"] == [-1])
        #expect(result["s1"] == [yuan(2)])
    }

    @Test("Events' windows are inclusive too, and a filter by name narrows them")
    func eventWindows() {
        let (orders, events) = columns(
            [[]],
            events: [
                [
                    event(daysAgo: 8, "Product Viewed"), event(daysAgo: 7, "Product Viewed"),
                    event(daysAgo: 7, "Product Added"), event(daysAgo: 1, "Product Viewed"),
                ]
            ])
        let result = values(
            [
                trait(.count, window: 7, source: .events, name: "e7"),
                trait(
                    .count, window: 7, filter: .init(event: "Product Viewed"), source: .events, name: "views7"),
                trait(.count, filter: .init(event: "Nothing"), source: .events, name: "none"),
                trait(.distinctCount, .event, source: .events, name: "kinds"),
                trait(.last, .event, source: .events, name: "lastEvent"),
                trait(.daysSinceFirst, source: .events, name: "first"),
            ], orders, events)
        #expect(result["e7"] == [3])
        #expect(result["views7"] == [2])
        #expect(result["none"] == [0])
        #expect(result["kinds"] == [2])
        #expect(result["lastEvent"] == [0])  // code of "Product Viewed"
        #expect(result["first"] == [8])
    }

    @Test("Local days use the workspace offset: 2024-05-01 23:30 and 00:30 in Shanghai are both May 1")
    func localDays() {
        // 23:30 Shanghai is 15:30 UTC on the same date; 00:30 Shanghai is 16:30 UTC the day before.
        let late = timestamp(2024, 5, 1, 23, 30)
        let early = timestamp(2024, 5, 1, 0, 30)
        #expect(late == timestamp(2024, 5, 1, 15, 30, zone: TimeZone(identifier: "UTC")!))
        #expect(early == timestamp(2024, 4, 30, 16, 30, zone: TimeZone(identifier: "UTC")!))
        let customers = [
            [OrderColumns.Record(timestamp: late, amount: 100)], [OrderColumns.Record(timestamp: early, amount: 100)],
        ]
        let (orders, events) = columns(customers)
        #expect(orders.day == [Int32(day(2024, 5, 1)), Int32(day(2024, 5, 1))])

        // Today is May 31 in Shanghai: both orders are exactly 30 days old, inside a 30-day window.
        let definitions = [trait(.daysSinceLast, name: "days"), trait(.count, window: 30, name: "c30")]
        let result = values(definitions, orders, events)
        #expect(result["days"] == [30, 30])
        #expect(result["c30"] == [1, 1])

        // Evaluated in UTC, the early order falls on April 30: 31 days, outside the window.
        let utc = values(definitions, orders, events, context: EvaluationContext(today: today, utcOffsetSeconds: 0))
        #expect(utc["days"] == [30, 31])
        #expect(utc["c30"] == [1, 0])
    }

    @Test("Paid excludes orders refunded in full, cancelled and pending; partial refunds are netted")
    func paidOrders() {
        // Given stored orders in every state
        let placed = (today - 3) * 86_400_000
        let stored = [
            Order(externalID: "partial", status: .completed, placedAt: placed, total: 10_000, refunded: 3_000),
            Order(externalID: "full", status: .completed, placedAt: placed + 1, total: 5_000, refunded: 5_000),
            Order(externalID: "cancelled", status: .cancelled, placedAt: placed + 2, total: 7_000),
            Order(externalID: "pending", status: .pending, placedAt: placed + 3, total: 9_000),
            Order(externalID: "shipped", status: .shipped, placedAt: placed + 4, total: 1_000),
        ]
        var orders = OrderColumns(utcOffsetSeconds: shanghaiOffset)
        orders.appendCustomer(orders: stored)
        let events = EventColumns(utcOffsetSeconds: shanghaiOffset)
        #expect(
            orders.status.map { OrderColumns.Status(rawValue: $0)! } == [
                .completed, .refunded, .cancelled, .pending, .completed,
            ])
        // When aggregating under each status filter
        let result = values(
            [
                trait(.count, name: "paid"), trait(.sum, .amount, name: "spend"),
                trait(.count, filter: .init(status: .refunded), name: "refunded"),
                trait(.count, filter: .init(status: .cancelled), name: "cancelled"),
                trait(.count, filter: .init(status: .any), name: "any"),
                trait(.sum, .amount, filter: .init(status: .cancelled), name: "cancelledAmount"),
            ], orders, events)
        // Then paid is the partly refunded order (net ¥70) and the shipped one (¥10)
        #expect(result["paid"] == [2])
        #expect(result["spend"] == [yuan(80)])
        #expect(result["refunded"] == [1])
        #expect(result["cancelled"] == [1])
        #expect(result["any"] == [5])
        #expect(result["cancelledAmount"] == [yuan(70)])
    }

    @Test("Filters by channel and store; a value not in the data matches nothing")
    func channelAndStore() {
        let (orders, events) = columns([
            [
                order(daysAgo: 10, cents: 1_000, channel: "app", store: "S2"),
                order(daysAgo: 5, cents: 2_550, channel: "store", store: "S1"),
                order(daysAgo: 2, cents: 450, channel: "app", store: "S1"),
            ]
        ])
        let result = values(
            [
                trait(.count, filter: .init(channel: "store"), name: "inStore"),
                trait(.sum, .amount, filter: .init(store: "S1"), name: "s1"),
                trait(.sum, .amount, filter: .init(channel: "app", store: "S1"), name: "appS1"),
                trait(.count, filter: .init(channel: "phone"), name: "phone"),
                trait(.sum, .amount, filter: .init(channel: "phone"), name: "phoneSpend"),
                trait(.count, window: 5, filter: .init(store: "S1"), name: "s1Recent"),
            ], orders, events)
        #expect(result["inStore"] == [1])
        #expect(result["s1"] == [yuan(30)])
        #expect(result["appS1"] == [yuan(4.5)])
        #expect(result["phone"] == [0])
        #expect(result["phoneSpend"] == [nil])
        #expect(result["s1Recent"] == [2])
    }
}

// MARK: - Aggregations

@Suite("Traits: every aggregation")
struct TraitAggregationTests {
    /// One customer with three paid orders and a refunded one, one without orders.
    static let data = columns([
        [
            order(daysAgo: 10, cents: 1_000, items: 1, channel: "app", store: "S2"),
            order(daysAgo: 5, cents: 2_550, items: 3, channel: "store", store: "S1"),
            order(daysAgo: 2, cents: 450, items: 2, channel: "app", store: "S1"),
            order(daysAgo: 1, cents: 0, items: 0, channel: "wechat", store: "S3", status: .refunded),
        ],
        [],
    ])

    static let placed = [10, 5, 2].map { (today - Int64($0)) * 86_400 + 12 * 3_600 - shanghaiOffset }

    @Test(
        "Each aggregation on hand-made data; a customer without orders gets 0 for counts, NULL otherwise",
        arguments: [
            (trait(.count), 3 as Int64?, 0 as Int64?),
            (trait(.sum, .amount), yuan(40), nil),
            (trait(.avg, .amount), 133_333, nil),  // ¥40 / 3 = 13.3333…, truncated
            (trait(.min, .amount), yuan(4.5), nil),
            (trait(.max, .amount), yuan(25.5), nil),
            (trait(.sum, .items), 6, nil),
            (trait(.avg, .items), 20_000, nil),  // 6 / 3 = 2.0000
            (trait(.min, .items), 1, nil),
            (trait(.max, .items), 3, nil),
            (trait(.first, .amount), yuan(10), nil),
            (trait(.last, .amount), yuan(4.5), nil),
            (trait(.first, .items), 1, nil),
            (trait(.distinctCount, .channel), 2, 0),
            (trait(.distinctCount, .store), 2, 0),
            (trait(.distinctCount, .amount), 3, 0),
            (trait(.distinctCount, .items), 3, 0),
            (trait(.distinctCount, .placedAt), 3, 0),
            (trait(.first, .placedAt), placed[0], nil),
            (trait(.last, .timestamp), placed[2], nil),
            (trait(.min, .placedAt), placed[0], nil),
            (trait(.max, .placedAt), placed[2], nil),
            (trait(.daysSinceFirst), 10, nil),
            (trait(.daysSinceLast), 2, nil),
            (trait(.daysSinceLast, filter: .init(status: .any)), 1, nil),
            (trait(.daysSinceFirst, window: 5), 5, nil),
            (trait(.count, window: 4), 1, 0),
        ])
    func aggregation(definition: TraitDefinition, expected: Int64?, empty: Int64?) {
        let (orders, events) = Self.data
        let result = values([definition], orders, events)
        #expect(result["t"] == [expected, empty], "\(definition.aggregation) \(definition.field?.rawValue ?? "")")
    }

    @Test("String results: first/last by time, min/max by UTF-8 order, codes into the source dictionary")
    func strings() throws {
        let (orders, events) = Self.data
        let definitions = [
            trait(.first, .channel, name: "firstChannel"), trait(.last, .channel, name: "lastChannel"),
            trait(.min, .channel, name: "minChannel"), trait(.max, .channel, name: "maxChannel"),
            trait(.first, .store, name: "firstStore"), trait(.last, .store, name: "lastStore"),
            trait(.min, .store, name: "minStore"), trait(.max, .store, name: "maxStore"),
            trait(.last, .channel, filter: .init(status: .any), name: "lastAny"),
        ]
        let computed = try TraitComputer.compute(definitions, orders: orders, events: events, context: context)
        func strings(_ name: String) -> [String?] {
            let column = computed[name]!
            #expect(column.type == .string)
            return (0..<column.count).map { column.string($0) }
        }
        #expect(strings("firstChannel") == ["app", nil])
        #expect(strings("lastChannel") == ["app", nil])
        #expect(strings("minChannel") == ["app", nil])
        #expect(strings("maxChannel") == ["store", nil])
        #expect(strings("firstStore") == ["S2", nil])
        #expect(strings("lastStore") == ["S1", nil])
        #expect(strings("minStore") == ["S1", nil])
        #expect(strings("maxStore") == ["S2", nil])
        #expect(strings("lastAny") == ["wechat", nil])
    }

    @Test("min/max skip records without the value; first/last report the record's NULL")
    func nullValues() {
        let (orders, events) = columns([
            [order(daysAgo: 3, cents: 100, channel: "app"), order(daysAgo: 1, cents: 100, channel: nil)]
        ])
        let result = values(
            [
                trait(.max, .channel, name: "max"), trait(.last, .channel, name: "last"),
                trait(.distinctCount, .channel, name: "distinct"),
            ], orders, events)
        #expect(result["max"] == [0])
        #expect(result["last"] == [nil])
        #expect(result["distinct"] == [1])
    }

    @Test("Result types follow the aggregation and the field")
    func resultTypes() {
        #expect(trait(.count).resultType == .integer)
        #expect(trait(.distinctCount, .channel).resultType == .integer)
        #expect(trait(.daysSinceLast).resultType == .integer)
        #expect(trait(.sum, .amount).resultType == .decimal)
        #expect(trait(.sum, .items).resultType == .integer)
        #expect(trait(.avg, .items).resultType == .decimal)
        #expect(trait(.max, .amount).resultType == .decimal)
        #expect(trait(.last, .channel).resultType == .string)
        #expect(trait(.min, .store).resultType == .string)
        #expect(trait(.first, .placedAt).resultType == .timestamp)
        #expect(trait(.max, .timestamp, source: .events).resultType == .timestamp)
    }
}

// MARK: - Definitions

@Suite("Traits: definitions")
struct TraitDefinitionTests {
    private func failure(_ definition: TraitDefinition) -> TraitDefinitionError.Code? {
        do {
            try definition.validate()
            return nil
        } catch {
            #expect(!error.message.isEmpty)
            #expect(error.panoramaError.code == error.code.rawValue)
            return error.code
        }
    }

    @Test("Impossible combinations are refused with stable codes")
    func validation() {
        #expect(failure(trait(.sum, .channel)) == .aggregationTypeMismatch)
        #expect(failure(trait(.avg, .placedAt)) == .aggregationTypeMismatch)
        #expect(failure(trait(.first)) == .fieldRequired)
        #expect(failure(trait(.distinctCount)) == .fieldRequired)
        #expect(failure(trait(.count, .amount)) == .fieldNotAllowed)
        #expect(failure(trait(.daysSinceLast, .amount)) == .fieldNotAllowed)
        #expect(failure(trait(.last, .event)) == .fieldNotInSource)
        #expect(failure(trait(.sum, .amount, source: .events)) == .fieldNotInSource)
        #expect(failure(trait(.count, filter: .init(event: "x"))) == .filterNotInSource)
        #expect(failure(trait(.count, filter: .init(status: .paid), source: .events)) == .filterNotInSource)
        #expect(failure(trait(.count, window: -1)) == .invalidWindow)
        #expect(failure(trait(.count, name: "")) == .invalidName)
        #expect(failure(trait(.count, name: " spend")) == .invalidName)
        #expect(failure(trait(.count, name: "it's")) == .invalidName)
        #expect(failure(trait(.daysSinceLast, .placedAt)) == nil)
        #expect(failure(trait(.max, .timestamp, source: .events)) == nil)
        #expect(failure(trait(.count, window: 0, name: "今日订单")) == nil)
    }

    @Test("compute refuses duplicate names and invalid definitions")
    func computeValidates() {
        let (orders, events) = columns([[]])
        #expect(throws: TraitDefinitionError.self) {
            try TraitComputer.compute(
                [trait(.count, name: "a"), trait(.count, name: "a")], orders: orders, events: events, context: context)
        }
        do {
            _ = try TraitComputer.computeRow(
                [trait(.sum, .store)], orders: orders, events: events, row: 0, context: context)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .aggregationTypeMismatch)
            #expect(error.field == "traits[0].field")
        }
    }

    @Test("JSON uses snake_case keys and round-trips")
    func json() throws {
        let text = """
            {"name": "spend_90d", "source": "orders", "aggregation": "sum", "field": "amount",
             "window_days": 90, "filter": {"status": "paid", "channel": "store"}}
            """
        let decoded = try JSONDecoder().decode(TraitDefinition.self, from: Data(text.utf8))
        #expect(
            decoded
                == TraitDefinition(
                    name: "spend_90d", aggregation: .sum, field: .amount, windowDays: 90,
                    filter: .init(status: .paid, channel: "store")))
        let minimal = try JSONDecoder().decode(
            TraitDefinition.self,
            from: Data(#"{"name": "v", "source": "events", "aggregation": "days_since_last"}"#.utf8))
        #expect(minimal.aggregation == .daysSinceLast && minimal.windowDays == nil && minimal.filter == nil)
        let encoded = String(
            decoding: try JSONEncoder().encode(trait(.distinctCount, .placedAt, window: 7)), as: UTF8.self)
        #expect(encoded.contains(#""window_days":7"#))
        #expect(encoded.contains(#""distinct_count""#))
        #expect(encoded.contains(#""placed_at""#))
        #expect(
            try JSONDecoder().decode(TraitDefinition.self, from: Data(encoded.utf8))
                == trait(.distinctCount, .placedAt, window: 7))
    }
}

// MARK: - Against a plain implementation

/// The definition of every aggregation written plainly, record by record, as the reference.
private func reference(
    _ definition: TraitDefinition, row: Int, orders: OrderColumns, events: EventColumns, context: EvaluationContext
) -> Int64? {
    let onEvents = definition.source == .events
    let range = onEvents ? events.range(ofRow: row) : orders.range(ofRow: row)
    var matching: [Int] = []
    for i in range {
        let day = Int64(onEvents ? events.day[i] : orders.day[i])
        if let window = definition.windowDays, day < context.today - Int64(window) { continue }
        if onEvents {
            if let name = definition.filter?.event, events.nameDictionary.strings[Int(events.name[i])] != name {
                continue
            }
        } else {
            let status = OrderColumns.Status(rawValue: orders.status[i])!
            switch definition.statusFilter {
            case .paid: if status != .completed { continue }
            case .refunded: if status != .refunded { continue }
            case .cancelled: if status != .cancelled { continue }
            case .any: break
            }
            let channel = orders.channel[i] < 0 ? nil : orders.channelDictionary.strings[Int(orders.channel[i])]
            let store = orders.store[i] < 0 ? nil : orders.storeDictionary.strings[Int(orders.store[i])]
            if let wanted = definition.filter?.channel, channel != wanted { continue }
            if let wanted = definition.filter?.store, store != wanted { continue }
        }
        matching.append(i)
    }
    func value(_ i: Int) -> Int64? {
        switch definition.field {
        case .amount: return orders.amount[i] * 100
        case .items: return Int64(orders.items[i])
        case .channel: return orders.channel[i] < 0 ? nil : Int64(orders.channel[i])
        case .store: return orders.store[i] < 0 ? nil : Int64(orders.store[i])
        case .event: return Int64(events.name[i])
        case .placedAt, .timestamp: return onEvents ? events.timestamp[i] : orders.timestamp[i]
        case nil: return nil
        }
    }
    func text(_ code: Int64) -> String {
        switch definition.field {
        case .channel: orders.channelDictionary.strings[Int(code)]
        case .store: orders.storeDictionary.strings[Int(code)]
        default: events.nameDictionary.strings[Int(code)]
        }
    }
    let present = matching.compactMap(value)
    let isString = definition.field?.type == .string
    switch definition.aggregation {
    case .count: return Int64(matching.count)
    case .sum: return matching.isEmpty ? nil : present.reduce(0, +)
    case .avg:
        guard !matching.isEmpty else { return nil }
        let sum = matching.map {
            definition.field == .amount ? orders.amount[$0] * 100 : Int64(orders.items[$0]) * 10_000
        }
        .reduce(0, +)
        return sum / Int64(matching.count)
    case .min:
        return isString ? present.min { text($0).utf8.lexicographicallyPrecedes(text($1).utf8) } : present.min()
    case .max:
        return isString ? present.max { text($0).utf8.lexicographicallyPrecedes(text($1).utf8) } : present.max()
    case .distinctCount: return Int64(Set(present).count)
    case .first: return matching.first.flatMap(value)
    case .last: return matching.last.flatMap(value)
    case .daysSinceFirst:
        return matching.first.map { context.today - Int64(onEvents ? events.day[$0] : orders.day[$0]) }
    case .daysSinceLast:
        return matching.last.map { context.today - Int64(onEvents ? events.day[$0] : orders.day[$0]) }
    }
}

/// Valid definitions drawn at random over every aggregation, field, window and filter.
private func randomDefinitions(count: Int, seed: UInt64) -> [TraitDefinition] {
    var random = SplitMix64(seed: seed)
    func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    var definitions: [TraitDefinition] = []
    while definitions.count < count {
        let source = pick(TraitDefinition.Source.allCases)
        let aggregation = pick(TraitDefinition.Aggregation.allCases)
        let field: TraitDefinition.Field? = pick([nil] + TraitDefinition.Field.allCases)
        let window: Int? = pick([nil, nil, 0, 7, 30, 90, 365, 800])
        let filter: TraitDefinition.Filter? =
            source == .events
            ? pick([nil, .init(event: "Product Viewed"), .init(event: "Order Completed"), .init(event: "Nope")])
            : pick([
                nil, .init(status: .refunded), .init(status: .any), .init(status: .cancelled),
                .init(channel: "store"), .init(status: .any, channel: "app", store: "store_001"),
                .init(store: "store_002"), .init(channel: "nowhere"),
            ])
        let definition = TraitDefinition(
            name: "t\(definitions.count)", source: source, aggregation: aggregation, field: field, windowDays: window,
            filter: filter)
        if (try? definition.validate()) != nil { definitions.append(definition) }
    }
    return definitions
}

@Suite("Traits: kernel against the plain definition")
struct TraitReferenceTests {
    @Test("200 random definitions on 2,000 synthetic customers equal the record-by-record reference")
    func randomDefinitionsMatch() throws {
        let data = SyntheticData.generate(customers: 2_000, seed: 7)
        let definitions = randomDefinitions(count: 200, seed: 11)
        let computed = try TraitComputer.compute(
            definitions, orders: data.orders, events: data.events, context: data.context)
        var mismatches = 0
        for definition in definitions {
            let column = computed[definition.name]!
            #expect(column.type == definition.resultType)
            for row in 0..<2_000 {
                let expected = reference(
                    definition, row: row, orders: data.orders, events: data.events, context: data.context)
                if column.value(row) != expected {
                    mismatches += 1
                    if mismatches <= 5 {
                        Issue.record(
                            "\(definition) row \(row): \(String(describing: column.value(row))) ≠ \(String(describing: expected))"
                        )
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test(
        "The one-row form equals the whole-table form, on the table and on one customer's own columns (prepared program)"
    )
    func rowFormMatches() throws {
        // More rows than one work item, so the table form runs on several threads.
        let data = SyntheticData.generate(customers: 70_000, seed: 3)
        let definitions = TagBenchmarkWorkload.traits + randomDefinitions(count: 60, seed: 5)
        let computed = try TraitComputer.compute(
            definitions, orders: data.orders, events: data.events, context: data.context)
        let program = try TraitProgram(definitions)
        for row in stride(from: 0, to: 70_000, by: 997) {
            // On the table's columns
            let direct = try TraitComputer.computeRow(
                definitions, orders: data.orders, events: data.events, row: row, context: data.context)
            // On columns built for this customer alone, as after an ingested event
            var orders = OrderColumns(utcOffsetSeconds: data.context.utcOffsetSeconds)
            orders.appendCustomer(
                data.orders.range(ofRow: row).map { i in
                    OrderColumns.Record(
                        timestamp: data.orders.timestamp[i], amount: data.orders.amount[i], items: data.orders.items[i],
                        channel: data.orders.channelDictionary.strings[Int(data.orders.channel[i])],
                        store: data.orders.storeDictionary.strings[Int(data.orders.store[i])],
                        status: OrderColumns.Status(rawValue: data.orders.status[i])!)
                })
            var events = EventColumns(utcOffsetSeconds: data.context.utcOffsetSeconds)
            events.appendCustomer(
                data.events.range(ofRow: row).map { i in
                    EventColumns.Record(
                        timestamp: data.events.timestamp[i],
                        name: data.events.nameDictionary.strings[Int(data.events.name[i])])
                })
            let alone = program.computeRow(orders: orders, events: events, row: 0, context: data.context)
            var table = CustomerTable()
            table.resize(to: 1)
            TraitComputer.store(alone, of: definitions, orders: orders, events: events, into: &table, row: 0)

            for (index, definition) in definitions.enumerated() {
                let column = computed[definition.name]!
                #expect(direct[index] == column.value(row), "\(definition.name) row \(row)")
                let stored = table.columns[definition.name]!
                if definition.resultType == .string {
                    #expect(stored.string(0) == column.string(row), "\(definition.name) row \(row)")
                } else {
                    #expect(alone[index] == column.value(row), "\(definition.name) row \(row)")
                    #expect(stored.value(0) == column.value(row))
                }
            }
        }
    }

    @Test("A row range computes the same values as the whole table, rows renumbered from 0")
    func rowRange() throws {
        let data = SyntheticData.generate(customers: 500, seed: 9)
        let whole = try TraitComputer.compute(
            TagBenchmarkWorkload.traits, orders: data.orders, events: data.events, context: data.context)
        let part = try TraitComputer.compute(
            TagBenchmarkWorkload.traits, orders: data.orders, events: data.events, context: data.context,
            rows: 130..<390)
        for (name, column) in part {
            #expect(column.count == 260)
            #expect((0..<260).map { column.value($0) } == (130..<390).map { whole[name]!.value($0) }, "\(name)")
        }
    }
}

// MARK: - Synthetic data

@Suite("Synthetic data")
struct SyntheticDataTests {
    private func same(_ a: SyntheticData, _ b: SyntheticData) -> Bool {
        guard a.orders.offsets == b.orders.offsets, a.orders.day == b.orders.day,
            a.orders.timestamp == b.orders.timestamp, a.orders.amount == b.orders.amount,
            a.orders.items == b.orders.items, a.orders.channel == b.orders.channel, a.orders.store == b.orders.store,
            a.orders.status == b.orders.status,
            a.orders.channelDictionary.strings == b.orders.channelDictionary.strings,
            a.orders.storeDictionary.strings == b.orders.storeDictionary.strings,
            a.events.offsets == b.events.offsets, a.events.day == b.events.day,
            a.events.timestamp == b.events.timestamp, a.events.name == b.events.name,
            a.events.nameDictionary.strings == b.events.nameDictionary.strings, a.context == b.context,
            a.customers.rowCount == b.customers.rowCount, a.customers.live == b.customers.live,
            Set(a.customers.columns.keys) == Set(b.customers.columns.keys)
        else { return false }
        for (name, column) in a.customers.columns {
            let other = b.customers.columns[name]!
            guard column.type == other.type, column.values == other.values, column.present == other.present,
                column.dictionary.strings == other.dictionary.strings
            else { return false }
        }
        return true
    }

    @Test("The same seed gives the same data (over several generation blocks); another seed does not")
    func determinism() {
        let a = SyntheticData.generate(customers: 70_000, seed: 42)
        let b = SyntheticData.generate(customers: 70_000, seed: 42)
        let c = SyntheticData.generate(customers: 70_000, seed: 43)
        #expect(same(a, b))
        #expect(!same(a, c))
        // A smaller population is a prefix of a larger one's customers (blocks are independent).
        let small = SyntheticData.generate(customers: 1_000, seed: 42)
        #expect(small.customers.columns["city"]!.values == Array(a.customers.columns["city"]!.values[0..<1_000]))
    }

    @Test("The shape of the workload: ~6 orders a customer, ~3 % refunded, sorted by time, skewed cities")
    func shape() {
        let data = SyntheticData.generate(customers: 50_000, seed: 1)
        let perCustomer = Double(data.orders.count) / 50_000
        #expect((5.5...6.5).contains(perCustomer), "\(perCustomer) orders per customer")
        let eventsPerCustomer = Double(data.events.count) / 50_000
        #expect((9...11).contains(eventsPerCustomer), "\(eventsPerCustomer) events per customer")
        let refunded = Double(data.orders.status.filter { $0 == OrderColumns.Status.refunded.rawValue }.count)
        #expect((0.025...0.035).contains(refunded / Double(data.orders.count)))
        for row in 0..<50_000 {
            let range = data.orders.range(ofRow: row)
            #expect(range.count <= 200)
            for i in range {
                if i > range.lowerBound, data.orders.timestamp[i - 1] > data.orders.timestamp[i] {
                    Issue.record("row \(row) orders out of order")
                }
                #expect(Int64(data.orders.day[i]) == data.context.day(ofTimestamp: data.orders.timestamp[i]))
            }
        }
        let days = data.orders.day.map(Int64.init)
        #expect(days.min()! == SyntheticData.today - 729 && days.max()! == SyntheticData.today)
        let city = data.customers.columns["city"]!
        var counts = [Int](repeating: 0, count: SyntheticData.cities.count)
        for row in 0..<50_000 where city.present[row] { counts[Int(city.values[row])] += 1 }
        #expect(counts[0] == counts.max())
        #expect(city.string(0).map(SyntheticData.cities.contains) ?? true)
        #expect(SyntheticData.cities.prefix(4) == ["上海", "北京", "广州", "深圳"])
        #expect(counts[0] > counts[9] && counts[9] > counts[99])
        #expect(data.customers.live.count == 50_000)
    }

    @Test("Written raw files load back identical")
    func roundTrip() throws {
        let data = SyntheticData.generate(customers: 3_000, seed: 5)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("synthetic-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let manifest = try data.write(to: directory)
        #expect(manifest.orders.records == data.orders.count)
        #expect(manifest.todayDate == "2026-06-30")
        let loaded = try SyntheticData.load(from: directory)
        #expect(same(data, loaded))
        #expect(loaded.seed == 5)
        // A truncated file is reported, not misread.
        let amount = directory + "/orders.amount.i64"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: amount))
        try bytes.dropLast(8).write(to: URL(fileURLWithPath: amount))
        #expect(throws: SyntheticData.FileError.self) { try SyntheticData.load(from: directory) }
    }
}

// MARK: - Benchmark workload

@Suite("Tag benchmark workload")
struct TagBenchmarkWorkloadTests {
    @Test("20 valid traits, 20 tags and 10 segments that type-check against the synthetic schema")
    func workloadChecks() throws {
        try TraitDefinition.validate(TagBenchmarkWorkload.traits)
        #expect(TagBenchmarkWorkload.traits.count == 20)
        #expect(TagBenchmarkWorkload.tags.count == 20)
        #expect(TagBenchmarkWorkload.segments.count == 10)
        let data = SyntheticData.generate(customers: 10, seed: 1)
        var traits = Dictionary(uniqueKeysWithValues: TagBenchmarkWorkload.traits.map { ($0.name, $0.resultType) })
        for name in [RFM.recencyColumn, RFM.frequencyColumn, RFM.monetaryColumn] { traits[name] = .integer }
        traits[RFM.segmentColumn] = .string
        let checker = RuleTypeChecker(
            schema: RuleSchema(
                attributes: data.customers.types, computedTraits: traits,
                tags: Set(TagBenchmarkWorkload.tags.map(\.name))))
        for (name, rule) in TagBenchmarkWorkload.tags + TagBenchmarkWorkload.segments {
            do {
                _ = try checker.check(rule)
            } catch {
                Issue.record("\(name): \(error.caretDescription(source: rule)) \(error)")
            }
        }
    }
}
