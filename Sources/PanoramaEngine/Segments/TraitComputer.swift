import Dispatch
import PanoramaCore

#if canImport(Glibc)
    import Glibc
#endif

/// Computes trait definitions from order and event columns: the aggregation kernel behind
/// computed traits, tags and segments.
///
/// The loop is fused: customers outside, definitions inside, and innermost the customer's
/// records, so one customer's few records stay in L1 while every definition reads them.
/// Everything that does not depend on the record is decided per definition before the inner
/// loops:
/// - each distinct window becomes a start position, found by scanning back from the newest
///   record (records are sorted by time, so a window is a suffix);
/// - each distinct filter becomes a mask over the customer's records (-1 where the record
///   matches), computed once from the oldest position any of its users reads;
/// - definitions that are a count, sum, average, minimum or maximum of amount or items and
///   share a filter and a window share one pass that keeps all those accumulators (spend,
///   order count and average order value cost one loop);
/// - every other definition runs its own branch-free loop over plain arrays.
/// Customer ranges are split over the cores; each range writes its own slice of the output.
public enum TraitComputer {
    /// Rows per parallel work item; a multiple of 64 so ranges own whole presence words.
    static let rowsPerChunk = 32_768

    /// Computes every definition for the customer rows `rows` (default: every row of the
    /// columns), returning a column per definition name; see `TraitProgram.compute`.
    public static func compute(
        _ definitions: [TraitDefinition], orders: OrderColumns, events: EventColumns, context: EvaluationContext,
        rows: Range<Int>? = nil
    ) throws(TraitDefinitionError) -> [String: Column] {
        try TraitProgram(definitions).compute(orders: orders, events: events, context: context, rows: rows)
    }

    /// Computes every definition for one customer row; see `TraitProgram.computeRow`. Keep a
    /// `TraitProgram` instead when calling this often: it checks and plans the definitions once.
    public static func computeRow(
        _ definitions: [TraitDefinition], orders: OrderColumns, events: EventColumns, row: Int,
        context: EvaluationContext
    ) throws(TraitDefinitionError) -> [Int64?] {
        try TraitProgram(definitions).computeRow(orders: orders, events: events, row: row, context: context)
    }

    /// Writes one row's values from `computeRow` into the table's trait columns (adding missing
    /// ones), re-encoding strings into each table column's dictionary.
    public static func store(
        _ values: [Int64?], of definitions: [TraitDefinition], orders: OrderColumns, events: EventColumns,
        into table: inout CustomerTable, row: Int
    ) {
        for (definition, value) in zip(definitions, values) {
            table.addColumn(definition.name, type: definition.resultType)
            let dictionary = resultDictionary(of: definition, orders: orders, events: events)
            table.update(definition.name) { column in
                if let dictionary {
                    column.set(row, string: value.map { dictionary.strings[Int($0)] })
                } else {
                    column.set(row, value)
                }
            }
        }
    }

    /// The dictionary a string trait's codes refer to (nil for other types).
    public static func resultDictionary(
        of definition: TraitDefinition, orders: OrderColumns, events: EventColumns
    ) -> StringDictionary? {
        guard definition.resultType == .string else { return nil }
        switch definition.field {
        case .channel: return orders.channelDictionary
        case .store: return orders.storeDictionary
        case .event: return events.nameDictionary
        default: return nil
        }
    }

    // MARK: - Output

    /// Allocates `columns` uninitialised arrays of `count` values, lets `body` fill them all
    /// through their base pointers, and returns them. (Nested so each pointer stays valid.)
    /// `body` must set every element: they start uninitialised (so only trivial types).
    static func withOutputBuffers<T: BitwiseCopyable>(
        _ type: T.Type, count: Int, columns: Int, _ body: ([UnsafeMutablePointer<T>]) -> Void
    ) -> [[T]] {
        var arrays: [[T]] = []
        func level(_ pointers: [UnsafeMutablePointer<T>]) {
            guard pointers.count < columns else {
                body(pointers)
                return
            }
            let array = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
                // An empty array may have no storage: a never-dereferenced aligned address stands in.
                let base = buffer.baseAddress ?? UnsafeMutablePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
                level(pointers + [base])
                initialized = count
            }
            arrays.append(array)
        }
        level([])
        return arrays.reversed()
    }

    /// A bit vector of `count` rows from packed words (bit `i` of word `i / 64`).
    ///
    /// `BitVector` is set a bit at a time, so this sets whichever of the set or clear bits are
    /// fewer, starting from all-clear or all-set.
    static func makeBitVector<C: RandomAccessCollection>(words: C, count: Int) -> BitVector
    where C.Element == UInt64, C.Index == Int {
        var ones = 0
        for word in words { ones += word.nonzeroBitCount }
        let flip = ones * 2 > count
        var bits = BitVector(count: count, value: flip)
        let base = words.startIndex
        for index in words.indices {
            var word = flip ? ~words[index] : words[index]
            let first = (index - base) << 6
            if flip, first + 64 > count { word &= (1 << UInt64(count - first)) &- 1 }
            while word != 0 {
                bits[first + word.trailingZeroBitCount] = !flip
                word &= word &- 1
            }
        }
        return bits
    }
}

/// Asks the kernel to back a large, not yet touched buffer with 2 MiB pages.
///
/// Filling fresh memory costs one page fault per 4 KiB page; on a virtual machine a fault
/// costs microseconds, which for the gigabytes of trait columns outweighs the computation.
/// Transparent huge pages cut the faults 512-fold. Linux only; elsewhere nothing happens.
func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
        let huge = 2 << 20
        guard let base = buffer.baseAddress, buffer.count >= 2 * huge else { return }
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, 14)  // MADV_HUGEPAGE
    #endif
}

/// Runs `body` for `0 ..< iterations` on all cores (inline when there is one iteration) and
/// returns when every iteration is done; iterations must write disjoint memory.
func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    if iterations == 1 {
        body(0)
        return
    }
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: iterations) { shared.value($0) }
    }
}

/// A value handed to worker threads that only read it or write disjoint parts of what it
/// points to; the caller vouches for that.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    /// Wraps `value`.
    init(_ value: Value) { self.value = value }
}

// MARK: - Plans

/// Trait definitions checked and planned once, to compute for a whole table or, after each
/// ingested event, for one customer.
///
/// Planning decides everything that does not depend on the data: the distinct windows and
/// filters, which definitions share an accumulator pass, and the loop each definition runs.
/// Each computation then only binds the plan to the columns (dictionary codes of filter values,
/// array views), which costs a few allocations.
public struct TraitProgram: Sendable {
    /// The definitions, in the order results are returned.
    public let definitions: [TraitDefinition]
    /// Per definition, its plan with no columns bound yet.
    let skeleton: [TraitPlan]
    let groups: [AccumulatorGroup]
    let orderPredicates: [PredicateKey]
    let eventPredicates: [PredicateKey]
    /// Distinct window lengths per source, ascending.
    let orderWindows: [Int]
    let eventWindows: [Int]

    /// Checks `definitions` (each valid, names unique) and plans them.
    public init(_ definitions: [TraitDefinition]) throws(TraitDefinitionError) {
        try TraitDefinition.validate(definitions)
        self.definitions = definitions
        var planner = Planner(definitions)
        skeleton = definitions.map { planner.plan($0) }
        groups = planner.groups
        orderPredicates = planner.orderPredicates
        eventPredicates = planner.eventPredicates
        orderWindows = planner.orderWindows
        eventWindows = planner.eventWindows
    }

    /// Computes every definition for the customer rows `rows` (default: every row of the
    /// columns), returning a column per definition name. Row `i` of each column is customer row
    /// `rows.lowerBound + i`. String traits carry the dictionary of their source column.
    ///
    /// A row past the end of `orders` or `events` has no records there. Columns whose days
    /// were computed with another UTC offset than `context`'s are re-dayed first.
    public func compute(
        orders: OrderColumns, events: EventColumns, context: EvaluationContext, rows: Range<Int>? = nil
    ) -> [String: Column] {
        let orders =
            orders.utcOffsetSeconds == context.utcOffsetSeconds
            ? orders : orders.rebased(utcOffsetSeconds: context.utcOffsetSeconds)
        let events =
            events.utcOffsetSeconds == context.utcOffsetSeconds
            ? events : events.rebased(utcOffsetSeconds: context.utcOffsetSeconds)
        let rows = rows ?? 0..<max(orders.rowCount, events.rowCount)
        let count = rows.count
        let rowsPerChunk = TraitComputer.rowsPerChunk

        var values: [[Int64]] = []
        var presence: [[UInt64]] = []
        if count > 0, !definitions.isEmpty {
            let wordsPerColumn = (count + 63) / 64
            presence = TraitComputer.withOutputBuffers(UInt64.self, count: wordsPerColumn, columns: definitions.count) {
                words in
                values = TraitComputer.withOutputBuffers(Int64.self, count: count, columns: definitions.count) {
                    outputs in
                    withKernel(orders: orders, events: events, context: context) { kernel in
                        outputs.withUnsafeBufferPointer { outputs in
                            words.withUnsafeBufferPointer { words in
                                let chunks = (count + rowsPerChunk - 1) / rowsPerChunk
                                parallelFor(chunks) { chunk in
                                    var scratch = Scratch(kernel: kernel)
                                    defer { scratch.deallocate() }
                                    let first = chunk * rowsPerChunk
                                    let end = min(count, first + rowsPerChunk)
                                    for column in words {
                                        (column + (first >> 6)).initialize(repeating: 0, count: (end - first + 63) >> 6)
                                    }
                                    for offset in first..<end {
                                        kernel.computeRow(
                                            rows.lowerBound + offset, &scratch,
                                            into: Sink(values: outputs, presence: words, position: offset))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        var columns: [String: Column] = [:]
        for (index, definition) in definitions.enumerated() {
            var column = Column(type: definition.resultType, count: 0)
            if count > 0 {
                column.values = values[index]
                column.present = TraitComputer.makeBitVector(words: presence[index], count: count)
            }
            if let dictionary = TraitComputer.resultDictionary(of: definition, orders: orders, events: events) {
                column.dictionary = dictionary
            }
            columns[definition.name] = column
        }
        return columns
    }

    /// Computes every definition for the one customer row `row`, encoded as in `Column` (nil =
    /// NULL), in the order of `definitions`; string traits are codes in
    /// `TraitComputer.resultDictionary(of:orders:events:)`.
    ///
    /// This is the real-time form: after an event or order of a customer, build columns holding
    /// just that customer (`appendCustomer`) and call this with row 0. It runs the same kernel
    /// as `compute`, so both forms agree.
    public func computeRow(
        orders: OrderColumns, events: EventColumns, row: Int, context: EvaluationContext
    ) -> [Int64?] {
        let orders =
            orders.utcOffsetSeconds == context.utcOffsetSeconds
            ? orders : orders.rebased(utcOffsetSeconds: context.utcOffsetSeconds)
        let events =
            events.utcOffsetSeconds == context.utcOffsetSeconds
            ? events : events.rebased(utcOffsetSeconds: context.utcOffsetSeconds)
        let count = definitions.count
        return withKernel(orders: orders, events: events, context: context) { kernel in
            var scratch = Scratch(kernel: kernel)
            defer { scratch.deallocate() }
            // One value and one presence word per definition, each its own "column" of one row.
            let values = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, count))
            let words = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, count))
            let valuePointers = UnsafeMutablePointer<UnsafeMutablePointer<Int64>>.allocate(capacity: max(1, count))
            let wordPointers = UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>.allocate(capacity: max(1, count))
            defer {
                values.deallocate()
                words.deallocate()
                valuePointers.deallocate()
                wordPointers.deallocate()
            }
            words.initialize(repeating: 0, count: count)
            for d in 0..<count {
                valuePointers[d] = values + d
                wordPointers[d] = words + d
            }
            kernel.computeRow(
                row, &scratch,
                into: Sink(
                    values: UnsafeBufferPointer(start: valuePointers, count: count),
                    presence: UnsafeBufferPointer(start: wordPointers, count: count), position: 0))
            return (0..<count).map { words[$0] & 1 != 0 ? values[$0] : nil }
        }
    }

    /// Runs `body` with the plan bound to the columns (views valid only inside).
    func withKernel<R>(
        orders: OrderColumns, events: EventColumns, context: EvaluationContext, _ body: (TraitKernel) -> R
    ) -> R {
        withBuffers(orders.offsets, events.offsets, orders.day) { orderOffsets, eventOffsets, orderDay in
            withBuffers(orders.timestamp, orders.amount, orders.items) { orderTimestamp, amount, items in
                withBuffers(orders.channel, orders.store, orders.status) { channel, store, status in
                    withBuffers(events.day, events.timestamp, events.name) { eventDay, eventTimestamp, eventName in
                        func code(_ name: String?, in dictionary: StringDictionary) -> Int32? {
                            name.map { dictionary.existingCode(for: $0).map { Int32($0) } ?? -2 }
                        }
                        var kernel = TraitKernel(
                            orderOffsets: orderOffsets, orderDay: orderDay, orderAmount: amount, orderItems: items,
                            orderStatus: status, orderChannel: channel, orderStore: store,
                            eventOffsets: eventOffsets, eventDay: eventDay, eventName: eventName,
                            plans: skeleton, groups: groups,
                            orderPredicates: orderPredicates.map { key in
                                RecordPredicate(
                                    status: key.status, channel: code(key.channel, in: orders.channelDictionary),
                                    store: code(key.store, in: orders.storeDictionary), window: key.window)
                            },
                            eventPredicates: eventPredicates.map { key in
                                RecordPredicate(name: code(key.name, in: events.nameDictionary), window: key.window)
                            },
                            orderCutoffs: orderWindows.map { Int32(clamping: context.today - Int64($0)) },
                            eventCutoffs: eventWindows.map { Int32(clamping: context.today - Int64($0)) },
                            today: context.today,
                            dictionarySize: max(
                                orders.channelDictionary.strings.count, orders.storeDictionary.strings.count,
                                events.nameDictionary.strings.count))
                        for index in kernel.plans.indices {
                            kernel.plans[index].bind(
                                orders: orders, events: events, orderDay: orderDay, eventDay: eventDay,
                                orderTimestamp: orderTimestamp, eventTimestamp: eventTimestamp, amount: amount,
                                items: items, channel: channel, store: store, eventName: eventName)
                        }
                        if kernel.plans.contains(where: { $0.operation == .minCode || $0.operation == .maxCode }) {
                            kernel.ranks = [
                                StringRanks(orders.channelDictionary), StringRanks(orders.storeDictionary),
                                StringRanks(events.nameDictionary),
                            ]
                        }
                        return body(kernel)
                    }
                }
            }
        }
    }
}

/// Runs `body` with buffer views of three arrays at once (valid only inside).
@inline(__always)
func withBuffers<A, B, C, R>(
    _ a: [A], _ b: [B], _ c: [C],
    _ body: (UnsafeBufferPointer<A>, UnsafeBufferPointer<B>, UnsafeBufferPointer<C>) -> R
) -> R {
    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeBufferPointer { c in body(a, b, c) } }
    }
}

/// Code-to-rank tables of one dictionary, by UTF-8 byte order, for string `min`/`max`.
struct StringRanks {
    var rank: [Int32]
    var unrank: [Int32]

    /// The tables of `dictionary`'s current strings.
    init(_ dictionary: StringDictionary) {
        let strings = dictionary.strings
        let order = strings.indices.sorted { strings[$0].utf8.lexicographicallyPrecedes(strings[$1].utf8) }
        var rank = [Int32](repeating: 0, count: strings.count)
        for (position, code) in order.enumerated() { rank[code] = Int32(position) }
        self.rank = rank
        unrank = order.map { Int32($0) }
    }
}

/// What one definition does per customer, with every choice already made.
///
/// Unchecked `Sendable`: a program's skeleton plans point at nothing; plans bound to columns
/// exist only inside `TraitProgram.withKernel`, whose workers only read through them.
struct TraitPlan: @unchecked Sendable {
    /// The loop a definition runs (or `group`: none of its own).
    enum Operation: UInt8 {
        /// Read from the definition's accumulator group (`pick` says which figure).
        case group
        case min64, max64, minCode, maxCode
        case distinctCode, distinctSmallCode, distinctTime, distinct64, distinct32
        case first, last, daysSinceFirst, daysSinceLast
    }

    /// Which figure of an accumulator group a definition reports.
    enum Pick: UInt8 {
        case count, sumAmount, sumItems, averageAmount, averageItems, minAmount, maxAmount, minItems, maxItems
    }

    /// How `first`/`last` read the chosen record.
    enum Read: UInt8 { case i64, i32, code }

    var operation: Operation
    var pick: Pick = .count
    var read: Read = .i64
    var onEvents: Bool
    /// Mask slot of the filter, among its source's filters.
    var predicate: Int
    /// Window slot among its source's windows, -1 for all records.
    var window: Int
    /// Accumulator group, for `.group`.
    var group: Int = -1
    /// Record days of the source.
    var day = UnsafeBufferPointer<Int32>(start: nil, count: 0)
    /// 64-bit values read (amount, timestamp).
    var i64 = UnsafeBufferPointer<Int64>(start: nil, count: 0)
    /// 32-bit values read (items, codes).
    var i32 = UnsafeBufferPointer<Int32>(start: nil, count: 0)
    /// Encoded units per value unit (amount: 100 decimal units per cent).
    var scale: Int64 = 1
    /// The field read, for binding: which column and which rank table (0 channel, 1 store, 2 event).
    var field: FieldKind = .none

    /// The column a plan reads.
    enum FieldKind: UInt8 { case none, amount, items, channel, store, event, time }

    /// Points the plan at the columns' arrays.
    mutating func bind(
        orders: OrderColumns, events: EventColumns, orderDay: UnsafeBufferPointer<Int32>,
        eventDay: UnsafeBufferPointer<Int32>, orderTimestamp: UnsafeBufferPointer<Int64>,
        eventTimestamp: UnsafeBufferPointer<Int64>, amount: UnsafeBufferPointer<Int64>,
        items: UnsafeBufferPointer<Int32>, channel: UnsafeBufferPointer<Int32>, store: UnsafeBufferPointer<Int32>,
        eventName: UnsafeBufferPointer<Int32>
    ) {
        day = onEvents ? eventDay : orderDay
        switch field {
        case .none: break
        case .amount: i64 = amount
        case .items: i32 = items
        case .channel: i32 = channel
        case .store: i32 = store
        case .event: i32 = eventName
        case .time: i64 = onEvents ? eventTimestamp : orderTimestamp
        }
        if operation == .distinctCode {
            let size =
                switch field {
                case .channel: orders.channelDictionary.strings.count
                case .store: orders.storeDictionary.strings.count
                default: events.nameDictionary.strings.count
                }
            // Up to 64 codes fit one word of bits: no stamps, no branches.
            if size <= 64 { operation = .distinctSmallCode }
        }
    }

    /// The rank table of a string field.
    var rankTable: Int {
        switch field {
        case .channel: 0
        case .store: 1
        default: 2
        }
    }
}

/// Definitions that aggregate amount or items (or count) under one filter and one window share
/// a pass that keeps these figures.
struct AccumulatorGroup: Hashable {
    /// How much the pass keeps.
    enum Depth: UInt8 { case count, countAndAmount, everything }
    var onEvents: Bool
    var predicate: Int
    var window: Int
    var depth: Depth = .count
}

/// The figures of one accumulator group for the current customer.
struct Accumulators {
    var count: Int64 = 0
    var sumAmount: Int64 = 0
    var sumItems: Int64 = 0
    var minAmount: Int64 = .max
    var maxAmount: Int64 = .min
    var minItems: Int64 = .max
    var maxItems: Int64 = .min
}

/// A record filter bound to the columns: nil parts match everything; code -2 matches nothing
/// (a value not in the data). `window` is the widest window slot among its users (-1: all
/// records), so its mask is computed only from there.
struct RecordPredicate {
    var status: UInt8?
    var channel: Int32?
    var store: Int32?
    /// Events: the name code.
    var name: Int32?
    var window: Int = -1
}

/// A record filter as defined (values as strings), before binding.
struct PredicateKey: Hashable, Sendable {
    var status: UInt8?
    var channel: String?
    var store: String?
    var name: String?
    var window: Int = -1

    /// Whether two keys filter the same records (windows aside).
    func sameFilter(_ other: PredicateKey) -> Bool {
        status == other.status && channel == other.channel && store == other.store && name == other.name
    }
}

/// The shared, read-only state of one computation: input views, plans, filters and windows.
struct TraitKernel {
    var orderOffsets: UnsafeBufferPointer<Int>
    var orderDay: UnsafeBufferPointer<Int32>
    var orderAmount: UnsafeBufferPointer<Int64>
    var orderItems: UnsafeBufferPointer<Int32>
    var orderStatus: UnsafeBufferPointer<UInt8>
    var orderChannel: UnsafeBufferPointer<Int32>
    var orderStore: UnsafeBufferPointer<Int32>
    var eventOffsets: UnsafeBufferPointer<Int>
    var eventDay: UnsafeBufferPointer<Int32>
    var eventName: UnsafeBufferPointer<Int32>
    var plans: [TraitPlan]
    var groups: [AccumulatorGroup]
    var orderPredicates: [RecordPredicate]
    var eventPredicates: [RecordPredicate]
    /// Oldest day in each order window, newest first (smallest window first).
    var orderCutoffs: [Int32]
    var eventCutoffs: [Int32]
    var today: Int64
    /// Largest dictionary, for the `distinct_count` stamps.
    var dictionarySize: Int
    /// Rank tables of the channel, store and event dictionaries, when a string min/max needs them.
    var ranks: [StringRanks] = []

    var orderRows: Int { orderOffsets.count - 1 }
    var eventRows: Int { eventOffsets.count - 1 }
}

/// Turns validated definitions into plan skeletons, collecting distinct filters, windows and
/// accumulator groups.
struct Planner {
    var orderWindows: [Int]
    var eventWindows: [Int]
    var orderPredicates: [PredicateKey] = []
    var eventPredicates: [PredicateKey] = []
    var groups: [AccumulatorGroup] = []

    /// A planner for `definitions`, with their distinct windows.
    init(_ definitions: [TraitDefinition]) {
        orderWindows = Set(definitions.filter { $0.source == .orders }.compactMap(\.windowDays)).sorted()
        eventWindows = Set(definitions.filter { $0.source == .events }.compactMap(\.windowDays)).sorted()
    }

    /// The slot of `key` among `slots`, widened to cover `window` (a larger slot is a wider
    /// window; -1, all records, is wider than any).
    private func slot(_ key: PredicateKey, _ window: Int, in slots: inout [PredicateKey]) -> Int {
        if let index = slots.firstIndex(where: { $0.sameFilter(key) }) {
            if slots[index].window >= 0, window < 0 || window > slots[index].window { slots[index].window = window }
            return index
        }
        var added = key
        added.window = window
        slots.append(added)
        return slots.count - 1
    }

    /// The plan of one definition.
    mutating func plan(_ definition: TraitDefinition) -> TraitPlan {
        let onEvents = definition.source == .events
        let window = definition.windowDays.map { (onEvents ? eventWindows : orderWindows).firstIndex(of: $0)! } ?? -1
        let predicate: Int
        if onEvents {
            predicate = slot(PredicateKey(name: definition.filter?.event), window, in: &eventPredicates)
        } else {
            let status: UInt8? =
                switch definition.statusFilter {
                case .paid: OrderColumns.Status.completed.rawValue
                case .refunded: OrderColumns.Status.refunded.rawValue
                case .cancelled: OrderColumns.Status.cancelled.rawValue
                case .any: nil
                }
            predicate = slot(
                PredicateKey(status: status, channel: definition.filter?.channel, store: definition.filter?.store),
                window, in: &orderPredicates)
        }
        var plan = TraitPlan(operation: .group, onEvents: onEvents, predicate: predicate, window: window)
        switch definition.field {
        case nil: plan.field = .none
        case .amount:
            plan.field = .amount
            plan.scale = OrderColumns.decimalPerMinorUnit
        case .items: plan.field = .items
        case .channel: plan.field = .channel
        case .store: plan.field = .store
        case .event: plan.field = .event
        case .placedAt, .timestamp: plan.field = .time
        }
        let isCode = plan.field == .channel || plan.field == .store || plan.field == .event

        var pick: TraitPlan.Pick?
        switch (definition.aggregation, plan.field) {
        case (.count, _): pick = .count
        case (.sum, .amount): pick = .sumAmount
        case (.sum, _): pick = .sumItems
        case (.avg, .amount): pick = .averageAmount
        case (.avg, _): pick = .averageItems
        case (.min, .amount): pick = .minAmount
        case (.max, .amount): pick = .maxAmount
        case (.min, .items): pick = .minItems
        case (.max, .items): pick = .maxItems
        case (.min, _): plan.operation = isCode ? .minCode : .min64
        case (.max, _): plan.operation = isCode ? .maxCode : .max64
        case (.distinctCount, .time): plan.operation = .distinctTime
        case (.distinctCount, .items): plan.operation = .distinct32
        case (.distinctCount, .amount): plan.operation = .distinct64
        case (.distinctCount, _): plan.operation = .distinctCode
        case (.first, _), (.last, _):
            plan.operation = definition.aggregation == .first ? .first : .last
            plan.read = plan.field == .items ? .i32 : isCode ? .code : .i64
        case (.daysSinceFirst, _): plan.operation = .daysSinceFirst
        case (.daysSinceLast, _): plan.operation = .daysSinceLast
        }
        if let pick {
            plan.pick = pick
            let depth: AccumulatorGroup.Depth =
                switch pick {
                case .count: .count
                case .sumAmount, .averageAmount: .countAndAmount
                default: .everything
                }
            if let index = groups.firstIndex(where: {
                $0.onEvents == onEvents && $0.predicate == predicate && $0.window == window
            }) {
                plan.group = index
                groups[index].depth = max(groups[index].depth, depth)
            } else {
                plan.group = groups.count
                groups.append(AccumulatorGroup(onEvents: onEvents, predicate: predicate, window: window, depth: depth))
            }
        }
        return plan
    }
}

extension AccumulatorGroup.Depth: Comparable {
    static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Where one row's results go: `values[d][position]` and bit `position` of `presence[d]`.
struct Sink {
    var values: UnsafeBufferPointer<UnsafeMutablePointer<Int64>>
    var presence: UnsafeBufferPointer<UnsafeMutablePointer<UInt64>>
    var position: Int

    @inline(__always)
    func store(_ d: Int, _ value: Int64?) {
        if let value {
            values[d][position] = value
            presence[d][position >> 6] |= 1 << UInt64(position & 63)
        } else {
            values[d][position] = 0
        }
    }
}

// MARK: - Per-thread scratch

/// Buffers one thread reuses from customer to customer.
struct Scratch {
    /// Per filter slot, a mask over the customer's records (-1 = matches, 0 = not).
    var orderMasks: UnsafeMutablePointer<Int64>
    var orderCapacity: Int
    var eventMasks: UnsafeMutablePointer<Int64>
    var eventCapacity: Int
    /// Per window slot, the first position in the window, relative to the customer's first record.
    var orderStarts: UnsafeMutableBufferPointer<Int>
    var eventStarts: UnsafeMutableBufferPointer<Int>
    var accumulators: UnsafeMutableBufferPointer<Accumulators>
    /// `distinct_count` of codes: the generation that last saw each code.
    var stamps: UnsafeMutableBufferPointer<UInt32>
    var generation: UInt32 = 0
    /// `distinct_count` of numbers: values gathered for sorting.
    var gathered: [Int64] = []

    /// Buffers sized for `kernel`'s filters, windows and groups.
    init(kernel: TraitKernel) {
        orderCapacity = 64
        eventCapacity = 64
        orderMasks = .allocate(capacity: orderCapacity * max(1, kernel.orderPredicates.count))
        eventMasks = .allocate(capacity: eventCapacity * max(1, kernel.eventPredicates.count))
        orderStarts = .allocate(capacity: max(1, kernel.orderCutoffs.count))
        eventStarts = .allocate(capacity: max(1, kernel.eventCutoffs.count))
        accumulators = .allocate(capacity: max(1, kernel.groups.count))
        accumulators.initialize(repeating: Accumulators())
        stamps = .allocate(capacity: max(1, kernel.dictionarySize))
        stamps.initialize(repeating: 0)
    }

    /// Frees the buffers.
    func deallocate() {
        orderMasks.deallocate()
        eventMasks.deallocate()
        orderStarts.deallocate()
        eventStarts.deallocate()
        accumulators.deallocate()
        stamps.deallocate()
    }

    /// A fresh generation for code stamps.
    mutating func nextGeneration() -> UInt32 {
        if generation == .max {
            stamps.update(repeating: 0)
            generation = 0
        }
        generation += 1
        return generation
    }
}

// MARK: - The kernel

extension TraitKernel {
    /// Computes every plan for customer row `row` into `sink`.
    @inline(__always)
    func computeRow(_ row: Int, _ scratch: inout Scratch, into sink: Sink) {
        var orderLow = 0
        var orderCount = 0
        if row < orderRows {
            orderLow = orderOffsets[row]
            orderCount = orderOffsets[row + 1] - orderLow
        }
        var eventLow = 0
        var eventCount = 0
        if row < eventRows {
            eventLow = eventOffsets[row]
            eventCount = eventOffsets[row + 1] - eventLow
        }
        if orderCount > scratch.orderCapacity {
            scratch.orderMasks.deallocate()
            scratch.orderCapacity = max(orderCount, scratch.orderCapacity * 2)
            scratch.orderMasks = .allocate(capacity: scratch.orderCapacity * max(1, orderPredicates.count))
        }
        if eventCount > scratch.eventCapacity {
            scratch.eventMasks.deallocate()
            scratch.eventCapacity = max(eventCount, scratch.eventCapacity * 2)
            scratch.eventMasks = .allocate(capacity: scratch.eventCapacity * max(1, eventPredicates.count))
        }

        // Windows: records are sorted by time, so each window is a suffix; smallest first.
        var position = orderCount
        for slot in orderCutoffs.indices {
            let cutoff = orderCutoffs[slot]
            while position > 0, orderDay[orderLow + position - 1] >= cutoff { position -= 1 }
            scratch.orderStarts[slot] = position
        }
        position = eventCount
        for slot in eventCutoffs.indices {
            let cutoff = eventCutoffs[slot]
            while position > 0, eventDay[eventLow + position - 1] >= cutoff { position -= 1 }
            scratch.eventStarts[slot] = position
        }

        // Filters: one mask per distinct filter, from the oldest position its users read.
        for slot in orderPredicates.indices {
            let predicate = orderPredicates[slot]
            let mask = scratch.orderMasks + slot * scratch.orderCapacity
            let start = predicate.window < 0 ? 0 : scratch.orderStarts[predicate.window]
            if predicate.channel == nil, predicate.store == nil {
                if let status = predicate.status {
                    for k in start..<orderCount { mask[k] = orderStatus[orderLow + k] == status ? -1 : 0 }
                } else {
                    (mask + start).update(repeating: -1, count: orderCount - start)
                }
            } else {
                // Differences OR-ed together are zero only where every filtered part matches.
                let statusMask: Int32 = predicate.status == nil ? 0 : -1
                let status = Int32(predicate.status ?? 0)
                let channelMask: Int32 = predicate.channel == nil ? 0 : -1
                let channel = predicate.channel ?? 0
                let storeMask: Int32 = predicate.store == nil ? 0 : -1
                let store = predicate.store ?? 0
                for k in start..<orderCount {
                    let i = orderLow + k
                    let difference =
                        ((Int32(orderStatus[i]) ^ status) & statusMask) | ((orderChannel[i] ^ channel) & channelMask)
                        | ((orderStore[i] ^ store) & storeMask)
                    mask[k] = difference == 0 ? -1 : 0
                }
            }
        }
        for slot in eventPredicates.indices {
            let predicate = eventPredicates[slot]
            let mask = scratch.eventMasks + slot * scratch.eventCapacity
            let start = predicate.window < 0 ? 0 : scratch.eventStarts[predicate.window]
            if let name = predicate.name {
                for k in start..<eventCount { mask[k] = eventName[eventLow + k] == name ? -1 : 0 }
            } else {
                (mask + start).update(repeating: -1, count: eventCount - start)
            }
        }

        // Accumulator groups: one pass each.
        for index in groups.indices {
            let group = groups[index]
            if group.onEvents {
                let start = group.window < 0 ? 0 : scratch.eventStarts[group.window]
                let mask = scratch.eventMasks + group.predicate * scratch.eventCapacity
                var count: Int64 = 0
                for k in start..<eventCount { count &+= mask[k] & 1 }
                scratch.accumulators[index].count = count
            } else {
                let start = group.window < 0 ? 0 : scratch.orderStarts[group.window]
                let mask = scratch.orderMasks + group.predicate * scratch.orderCapacity
                scratch.accumulators[index] = accumulate(
                    group.depth, mask: mask, base: orderLow, start: start, end: orderCount)
            }
        }

        for index in plans.indices {
            let plan = plans[index]
            if plan.operation == .group {
                sink.store(index, report(plan.pick, scratch.accumulators[plan.group]))
                continue
            }
            let base: Int
            let end: Int
            let start: Int
            let mask: UnsafeMutablePointer<Int64>
            if plan.onEvents {
                base = eventLow
                end = eventCount
                start = plan.window < 0 ? 0 : scratch.eventStarts[plan.window]
                mask = scratch.eventMasks + plan.predicate * scratch.eventCapacity
            } else {
                base = orderLow
                end = orderCount
                start = plan.window < 0 ? 0 : scratch.orderStarts[plan.window]
                mask = scratch.orderMasks + plan.predicate * scratch.orderCapacity
            }
            sink.store(index, evaluate(plan, base: base, start: start, end: end, mask: mask, &scratch))
        }
    }

    /// Count, sums, minima and maxima of the masked orders `base + start ..< base + end`,
    /// as deep as the group needs, without branches on the data.
    @inline(__always)
    private func accumulate(
        _ depth: AccumulatorGroup.Depth, mask: UnsafeMutablePointer<Int64>, base: Int, start: Int, end: Int
    ) -> Accumulators {
        var result = Accumulators()
        switch depth {
        case .count:
            var count: Int64 = 0
            for k in start..<end { count &+= mask[k] & 1 }
            result.count = count
        case .countAndAmount:
            var count: Int64 = 0
            var sum: Int64 = 0
            for k in start..<end {
                let m = mask[k]
                count &+= m & 1
                sum &+= orderAmount[base + k] & m
            }
            result.count = count
            result.sumAmount = sum
        case .everything:
            for k in start..<end {
                let m = mask[k]
                let amount = orderAmount[base + k]
                let items = Int64(orderItems[base + k])
                result.count &+= m & 1
                result.sumAmount &+= amount & m
                result.sumItems &+= items & m
                // Unmatched records stand in as the neutral extreme.
                result.minAmount = min(result.minAmount, (amount & m) | (Int64.max & ~m))
                result.maxAmount = max(result.maxAmount, (amount & m) | (Int64.min & ~m))
                result.minItems = min(result.minItems, (items & m) | (Int64.max & ~m))
                result.maxItems = max(result.maxItems, (items & m) | (Int64.min & ~m))
            }
        }
        return result
    }

    /// The figure `pick` of a group's accumulators, encoded; NULL over no record except counts.
    @inline(__always)
    private func report(_ pick: TraitPlan.Pick, _ a: Accumulators) -> Int64? {
        if pick == .count { return a.count }
        guard a.count > 0 else { return nil }
        let cent = OrderColumns.decimalPerMinorUnit
        switch pick {
        case .count: return a.count
        case .sumAmount: return a.sumAmount * cent
        case .sumItems: return a.sumItems
        case .averageAmount: return a.sumAmount * cent / a.count
        case .averageItems: return a.sumItems * Column.decimalScale / a.count
        case .minAmount: return a.minAmount * cent
        case .maxAmount: return a.maxAmount * cent
        case .minItems: return a.minItems
        case .maxItems: return a.maxItems
        }
    }

    /// One plan over records `base + start ..< base + end` (mask indexed from `base`).
    @inline(__always)
    private func evaluate(
        _ plan: TraitPlan, base: Int, start: Int, end: Int, mask: UnsafeMutablePointer<Int64>,
        _ scratch: inout Scratch
    ) -> Int64? {
        switch plan.operation {
        case .group:
            return nil

        case .min64, .max64:
            var count: Int64 = 0
            var low = Int64.max
            var high = Int64.min
            let values = plan.i64
            for k in start..<end {
                let m = mask[k]
                let value = values[base + k]
                count &+= m & 1
                low = min(low, (value & m) | (Int64.max & ~m))
                high = max(high, (value & m) | (Int64.min & ~m))
            }
            guard count > 0 else { return nil }
            return (plan.operation == .max64 ? high : low) * plan.scale

        case .minCode, .maxCode:
            let isMax = plan.operation == .maxCode
            var best: Int32 = -1
            let codes = plan.i32
            let table = ranks[plan.rankTable]
            for k in start..<end where mask[k] != 0 {
                let code = codes[base + k]
                guard code >= 0 else { continue }
                let r = table.rank[Int(code)]
                if best < 0 || (isMax ? r > best : r < best) { best = r }
            }
            return best < 0 ? nil : Int64(table.unrank[Int(best)])

        case .distinctSmallCode:
            // At most 64 codes: a bit set in one word.
            var seen: UInt64 = 0
            let codes = plan.i32
            for k in start..<end {
                let code = codes[base + k]
                let bit: UInt64 = code >= 0 ? 1 &<< UInt64(code) : 0
                seen |= bit & UInt64(bitPattern: mask[k])
            }
            return Int64(seen.nonzeroBitCount)

        case .distinctCode:
            let generation = scratch.nextGeneration()
            var count: Int64 = 0
            let codes = plan.i32
            for k in start..<end where mask[k] != 0 {
                let code = Int(codes[base + k])
                if code >= 0, scratch.stamps[code] != generation {
                    scratch.stamps[code] = generation
                    count += 1
                }
            }
            return count

        case .distinctTime:
            // Sorted by time: count the changes between consecutive matching records.
            var count: Int64 = 0
            var previous: Int64 = 0
            let times = plan.i64
            for k in start..<end where mask[k] != 0 {
                let time = times[base + k]
                if count == 0 || time != previous { count += 1 }
                previous = time
            }
            return count

        case .distinct64, .distinct32:
            scratch.gathered.removeAll(keepingCapacity: true)
            for k in start..<end where mask[k] != 0 {
                scratch.gathered.append(
                    plan.operation == .distinct64 ? plan.i64[base + k] : Int64(plan.i32[base + k]))
            }
            scratch.gathered.sort()
            var count: Int64 = 0
            for (position, value) in scratch.gathered.enumerated()
            where position == 0 || scratch.gathered[position - 1] != value {
                count += 1
            }
            return count

        case .first, .daysSinceFirst:
            var k = start
            while k < end, mask[k] == 0 { k += 1 }
            guard k < end else { return nil }
            return plan.operation == .first ? read(plan, base + k) : today - Int64(plan.day[base + k])

        case .last, .daysSinceLast:
            var k = end - 1
            while k >= start, mask[k] == 0 { k -= 1 }
            guard k >= start else { return nil }
            return plan.operation == .last ? read(plan, base + k) : today - Int64(plan.day[base + k])
        }
    }

    /// The field value of record `i` for `first`/`last`.
    @inline(__always)
    private func read(_ plan: TraitPlan, _ i: Int) -> Int64? {
        switch plan.read {
        case .i64: return plan.i64[i] * plan.scale
        case .i32: return Int64(plan.i32[i])
        case .code:
            let code = plan.i32[i]
            return code >= 0 ? Int64(code) : nil
        }
    }
}
