import Dispatch
import Foundation
import Synchronization

/// Runs a `RuleProgram` over a table chunk by chunk (65,536 rows, one Roaring container each),
/// the chunks shared out to the cores.
///
/// Within a chunk the program runs batch by batch: 4096 rows when it computes values (a value
/// vector then is 32 KiB and stays in cache), the whole chunk when it only compares columns with
/// constants and combines conditions. Conditions are words of TRUE and FALSE bits; the result
/// of a chunk is the root's TRUE words ANDed with the live rows.
struct RuleProgramExecution {
    static let chunkRows = 1 << 16
    static let chunkWords = chunkRows / 64

    let program: RuleProgram
    let rowCount: Int
    let live: RoaringBitmap

    /// Number of chunks covering the table.
    var chunkCount: Int { (rowCount + Self.chunkRows - 1) / Self.chunkRows }

    /// The number of live rows where the rule is TRUE, counted chunk by chunk.
    func count() -> Int {
        let workers = workerCount
        let totals = UnsafeMutableBufferPointer<Int>.allocate(capacity: workers)
        totals.initialize(repeating: 0)
        defer { totals.deallocate() }
        forEachChunk(workers: workers) { worker, _, _, cardinality in totals[worker] += cardinality }
        return totals.reduce(0, +)
    }

    /// The live rows where the rule is TRUE.
    func bitmap() -> RoaringBitmap {
        let chunks = UnsafeMutableBufferPointer<RoaringContainer?>.allocate(capacity: chunkCount)
        chunks.initialize(repeating: nil)
        defer {
            _ = chunks.deinitialize()
            chunks.deallocate()
        }
        forEachChunk(workers: workerCount) { _, chunk, words, cardinality in
            chunks[chunk] = RoaringContainer.make(words: words, cardinality: cardinality)
        }
        var result: [(key: UInt16, container: RoaringContainer)] = []
        for (chunk, container) in chunks.enumerated() {
            if let container { result.append((UInt16(chunk), container)) }
        }
        return RoaringBitmap(sortedChunks: result)
    }

    /// The first `n` matching live rows in ascending order, evaluating chunks in order only
    /// until `n` are found.
    func first(_ n: Int) -> [UInt32] {
        var rows: [UInt32] = []
        guard n > 0, chunkCount > 0 else { return rows }
        withColumnStorage(program.columns) { columns in
            let runner = RuleProgramRunner(self, columns: columns)
            let words = UnsafeMutablePointer<UInt64>.allocate(capacity: Self.chunkWords)
            defer { words.deallocate() }
            for chunk in 0..<chunkCount where rows.count < n {
                guard runner.run(chunk: chunk, into: words) > 0 else { continue }
                for index in 0..<Self.chunkWords where rows.count < n {
                    var word = words[index]
                    while word != 0 && rows.count < n {
                        rows.append(UInt32(chunk << 16 | index << 6 | word.trailingZeroBitCount))
                        word &= word &- 1
                    }
                }
            }
        }
        return rows
    }

    private var workerCount: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, chunkCount)) }

    /// Evaluates every chunk that can hold a match, on `workers` threads, handing each result
    /// (worker, chunk, 1024 words, cardinality > 0) to `body` on the thread that computed it.
    private func forEachChunk(
        workers: Int, _ body: (_ worker: Int, _ chunk: Int, UnsafePointer<UInt64>, Int) -> Void
    ) {
        let chunkCount = chunkCount
        guard chunkCount > 0 else { return }
        withColumnStorage(program.columns) { columns in
            withoutActuallyEscaping(body) { body in
                let counter = ChunkCounter()
                let work = { (worker: Int) in
                    let runner = RuleProgramRunner(self, columns: columns)
                    let words = UnsafeMutablePointer<UInt64>.allocate(capacity: Self.chunkWords)
                    defer { words.deallocate() }
                    while true {
                        let chunk = counter.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard chunk < chunkCount else { return }
                        let cardinality = runner.run(chunk: chunk, into: words)
                        if cardinality > 0 { body(worker, chunk, words, cardinality) }
                    }
                }
                if workers == 1 {
                    work(0)
                } else {
                    let shared = WorkerShared(value: work)
                    DispatchQueue.concurrentPerform(iterations: workers) { shared.value($0) }
                }
            }
        }
    }
}

/// Hands out chunk numbers to the worker threads of one evaluation.
private final class ChunkCounter: Sendable {
    let next = Atomic<Int>(0)
}

/// Passes the work of one evaluation to its worker threads. Sound because the workers only
/// read the program, the pinned columns and the bitmaps, and write disjoint result slots.
private struct WorkerShared<Value>: @unchecked Sendable {
    let value: Value
}

/// The base addresses of one column's storage while an evaluation pins it.
struct ColumnStorage {
    var values: UnsafePointer<Int64>?
    var present: UnsafePointer<UInt64>?
    /// Rows both arrays cover.
    var rows: Int
}

/// Calls `body` with the storage of `columns` pinned (one nested `withUnsafeBufferPointer` per
/// array), so kernels can read columns in place on any thread until `body` returns.
func withColumnStorage<R>(_ columns: [Column], _ body: ([ColumnStorage]) -> R) -> R {
    var storage: [ColumnStorage] = []
    func pin(_ index: Int) -> R {
        if index == columns.count { return body(storage) }
        return columns[index].values.withUnsafeBufferPointer { values in
            columns[index].present.words.withUnsafeBufferPointer { present in
                let rows = min(values.count, columns[index].present.count)
                storage.append(ColumnStorage(values: values.baseAddress, present: present.baseAddress, rows: rows))
                return pin(index + 1)
            }
        }
    }
    return pin(0)
}

/// One thread's state for running a program: an output slot per node, and per node the
/// pointers its result is at (a node may point into a column or a tag's container instead of
/// its slot, or swap its operand's TRUE and FALSE words for NOT).
final class RuleProgramRunner {
    private let nodes: ContiguousArray<RuleProgram.Node>
    private let definite: [Bool]
    private let order: [Int]
    private let root: Int
    private let required: [Int]
    private let bitmaps: [RoaringBitmap]
    private let columns: [ColumnStorage]
    private let rowCount: Int
    private let live: RoaringBitmap
    private let liveIndexes: [Int32]
    private let bitmapIndexes: [[Int32]]
    private let batchRows: Int
    private let batchWords: Int
    /// Seconds east of UTC, for date and timestamp conversions.
    private let offsetSeconds: Int64

    private let values: UnsafeMutablePointer<UnsafePointer<Int64>>
    private let valid: UnsafeMutablePointer<UnsafePointer<UInt64>>
    private let trues: UnsafeMutablePointer<UnsafePointer<UInt64>>
    /// nil for a definite condition: its FALSE bits are the complement of its TRUE bits.
    private let falses: UnsafeMutablePointer<UnsafePointer<UInt64>?>
    private let valueSlots: UnsafeMutablePointer<UnsafeMutablePointer<Int64>?>
    private let wordSlots: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>
    private var allocations: [UnsafeMutableRawPointer] = []
    private let liveWords: UnsafeMutablePointer<UInt64>
    private let zeroWords: UnsafeMutablePointer<UInt64>
    private let zeroValues: UnsafeMutablePointer<Int64>
    private let leafScratch: UnsafeMutablePointer<UInt64>
    private let leaves: UnsafeMutablePointer<UnsafePointer<UInt64>>

    init(_ execution: RuleProgramExecution, columns: [ColumnStorage]) {
        let program = execution.program
        nodes = ContiguousArray(program.nodes)
        definite = program.definite
        order = program.order
        root = program.root
        required = program.required
        bitmaps = program.bitmaps
        self.columns = columns
        rowCount = execution.rowCount
        live = execution.live
        let chunkCount = execution.chunkCount
        liveIndexes = live.chunkIndexes(chunkCount: chunkCount)
        bitmapIndexes = program.bitmaps.map { $0.chunkIndexes(chunkCount: chunkCount) }
        batchRows = program.computesValues ? 4096 : RuleProgramExecution.chunkRows
        batchWords = batchRows / 64
        offsetSeconds = program.utcOffsetSeconds

        let count = nodes.count
        values = .allocate(capacity: count)
        valid = .allocate(capacity: count)
        trues = .allocate(capacity: count)
        falses = .allocate(capacity: count)
        valueSlots = .allocate(capacity: count)
        wordSlots = .allocate(capacity: count)
        valueSlots.initialize(repeating: nil, count: count)
        wordSlots.initialize(repeating: nil, count: count)
        falses.initialize(repeating: nil, count: count)
        let chunkWords = RuleProgramExecution.chunkWords
        liveWords = .allocate(capacity: chunkWords)
        zeroWords = .allocate(capacity: chunkWords)
        zeroWords.initialize(repeating: 0, count: chunkWords)
        leafScratch = .allocate(capacity: max(1, bitmaps.count) * chunkWords)
        leaves = .allocate(capacity: max(1, bitmaps.count))
        leaves.initialize(repeating: UnsafePointer(zeroWords), count: max(1, bitmaps.count))
        zeroValues = .allocate(capacity: batchRows)
        zeroValues.initialize(repeating: 0, count: batchRows)
        values.initialize(repeating: UnsafePointer(zeroValues), count: count)
        valid.initialize(repeating: UnsafePointer(zeroWords), count: count)
        trues.initialize(repeating: UnsafePointer(zeroWords), count: count)
        for id in order { allocateSlot(id) }
    }

    deinit {
        for allocation in allocations { allocation.deallocate() }
        values.deallocate()
        valid.deallocate()
        trues.deallocate()
        falses.deallocate()
        valueSlots.deallocate()
        wordSlots.deallocate()
        liveWords.deallocate()
        zeroWords.deallocate()
        zeroValues.deallocate()
        leafScratch.deallocate()
        leaves.deallocate()
    }

    private func words(_ count: Int) -> UnsafeMutablePointer<UInt64> {
        let pointer = UnsafeMutablePointer<UInt64>.allocate(capacity: count)
        pointer.initialize(repeating: 0, count: count)
        allocations.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    private func integers(_ count: Int) -> UnsafeMutablePointer<Int64> {
        let pointer = UnsafeMutablePointer<Int64>.allocate(capacity: count)
        pointer.initialize(repeating: 0, count: count)
        allocations.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    /// Gives node `id` the storage it writes to; constants are written once here.
    private func allocateSlot(_ id: Int) {
        switch nodes[id] {
        case .column, .bitmap:
            return  // read in place (a column's last, partial batch gets a slot when reached)
        case .constant(let value):
            let slot = integers(batchRows)
            slot.update(repeating: value ?? 0, count: batchRows)
            let validity = words(batchWords)
            validity.update(repeating: value == nil ? 0 : ~0, count: batchWords)
            values[id] = UnsafePointer(slot)
            valid[id] = UnsafePointer(validity)
        case .truth(let t):
            let slot = words(2 * batchWords)
            slot.update(repeating: t == .true ? ~0 : 0, count: batchWords)
            (slot + batchWords).update(repeating: t == .false ? ~0 : 0, count: batchWords)
            trues[id] = UnsafePointer(slot)
            falses[id] = definite[id] ? nil : UnsafePointer(slot + batchWords)
        case let node where node.isCondition:
            wordSlots[id] = words(2 * batchWords)
        default:
            valueSlots[id] = integers(batchRows)
            wordSlots[id] = words(batchWords)
        }
    }

    // MARK: Chunks

    /// Evaluates chunk `chunk` into `out` (1024 words: live rows where the rule is TRUE) and
    /// returns how many there are; returns 0 without writing when the chunk cannot match.
    func run(chunk: Int, into out: UnsafeMutablePointer<UInt64>) -> Int {
        guard chunk < liveIndexes.count, liveIndexes[chunk] >= 0 else { return 0 }
        for bitmap in required where bitmapIndexes[bitmap][chunk] < 0 { return 0 }
        live.containers[Int(liveIndexes[chunk])].copyWords(into: liveWords)
        let rowsInChunk = rowCount - chunk * RuleProgramExecution.chunkRows
        if rowsInChunk < RuleProgramExecution.chunkRows {
            // Rows past the table are never part of the result, whatever `live` says.
            let full = rowsInChunk >> 6
            if rowsInChunk & 63 != 0 {
                liveWords[full] &= (1 << UInt64(rowsInChunk & 63)) - 1
                (liveWords + full + 1).update(repeating: 0, count: RuleProgramExecution.chunkWords - full - 1)
            } else {
                (liveWords + full).update(repeating: 0, count: RuleProgramExecution.chunkWords - full)
            }
        }
        return withLeaves(from: 0, chunk: chunk) { runBatches(chunk: chunk, into: out) }
    }

    /// Points each tag or segment at its container's words for the chunk (pinned while `body` runs).
    private func withLeaves(from index: Int, chunk: Int, _ body: () -> Int) -> Int {
        if index == bitmaps.count { return body() }
        let position = bitmapIndexes[index][chunk]
        if position < 0 {
            leaves[index] = UnsafePointer(zeroWords)
            return withLeaves(from: index + 1, chunk: chunk, body)
        }
        let scratch = leafScratch + index * RuleProgramExecution.chunkWords
        return bitmaps[index].containers[Int(position)].withWords(scratch: scratch) { words in
            leaves[index] = words
            return withLeaves(from: index + 1, chunk: chunk, body)
        }
    }

    private func runBatches(chunk: Int, into out: UnsafeMutablePointer<UInt64>) -> Int {
        var cardinality = 0
        for batch in 0..<(RuleProgramExecution.chunkRows / batchRows) {
            let wordOffset = batch * batchWords
            let rowStart = chunk * RuleProgramExecution.chunkRows + batch * batchRows
            var anyLive: UInt64 = 0
            for w in 0..<batchWords { anyLive |= liveWords[wordOffset + w] }
            if anyLive == 0 || rowStart >= rowCount {
                (out + wordOffset).update(repeating: 0, count: batchWords)
                continue
            }
            evaluate(rowStart: rowStart, wordOffset: wordOffset)
            let result = trues[root]
            for w in 0..<batchWords {
                let word = result[w] & liveWords[wordOffset + w]
                out[wordOffset + w] = word
                cardinality += word.nonzeroBitCount
            }
        }
        return cardinality
    }

    // MARK: Batches

    /// Runs every node the root needs over the batch starting at `rowStart`.
    private func evaluate(rowStart: Int, wordOffset: Int) {
        let n = batchWords
        for id in order {
            switch nodes[id] {
            case .column(let index):
                readColumn(index, node: id, rowStart: rowStart)
            case .constant, .truth:
                continue
            case .arithmetic(let op, let a, let b):
                let out = valueSlots[id]!
                let v = wordSlots[id]!
                switch op {
                case .add: RuleKernels.binary(AddKernel.self, values[a], valid[a], values[b], valid[b], out, v, n)
                case .subtract:
                    RuleKernels.binary(SubtractKernel.self, values[a], valid[a], values[b], valid[b], out, v, n)
                case .multiply:
                    RuleKernels.binary(MultiplyKernel.self, values[a], valid[a], values[b], valid[b], out, v, n)
                case .multiplyDecimal:
                    RuleKernels.binary(
                        MultiplyDecimalKernel.self, values[a], valid[a], values[b], valid[b], out, v, n)
                case .divideDecimal:
                    RuleKernels.binary(DivideDecimalKernel.self, values[a], valid[a], values[b], valid[b], out, v, n)
                }
                setValue(id)
            case .scale(let a, let factor):
                RuleKernels.unary(ScaleKernel.self, values[a], valid[a], factor, valueSlots[id]!, wordSlots[id]!, n)
                setValue(id)
            case .timestampOfDay(let a):
                RuleKernels.unary(
                    TimestampOfDayKernel.self, values[a], valid[a], offsetSeconds, valueSlots[id]!, wordSlots[id]!, n)
                setValue(id)
            case .localDay(let a):
                RuleKernels.unary(
                    LocalDayKernel.self, values[a], valid[a], offsetSeconds, valueSlots[id]!, wordSlots[id]!, n)
                setValue(id)
            case .shift(let a, let by):
                RuleKernels.unary(ShiftKernel.self, values[a], valid[a], by, valueSlots[id]!, wordSlots[id]!, n)
                setValue(id)
            case .coalesce(let operands):
                RuleKernels.coalesce(operands, values, valid, valueSlots[id]!, wordSlots[id]!, n)
                setValue(id)
            case .lookup(let a, let table):
                table.withUnsafeBufferPointer {
                    RuleKernels.lookup(values[a], valid[a], $0, valueSlots[id]!, wordSlots[id]!, n)
                }
                setValue(id)
            case .booleanValue(let c):
                RuleKernels.booleanValue(trues[c], falses[c], valueSlots[id]!, wordSlots[id]!, n)
                setValue(id)
            case .bitmap(let index):
                trues[id] = leaves[index] + wordOffset
                falses[id] = nil
            case .not(let c):
                if let f = falses[c] {
                    trues[id] = f
                    falses[id] = trues[c]
                } else {
                    let t = wordSlots[id]!
                    let operand = trues[c]
                    for w in 0..<n { t[w] = ~operand[w] }
                    trues[id] = UnsafePointer(t)
                    falses[id] = nil
                }
            case .and(let children):
                junction(id, children, isAnd: true)
            case .or(let children):
                junction(id, children, isAnd: false)
            case .compare(let op, let a, let b):
                let t = wordSlots[id]!
                RuleKernels.compare(op, values[a], valid[a], values[b], valid[b], t, t + n, n)
                setCondition(id)
            case .compareConstant(let op, let a, let constant):
                let t = wordSlots[id]!
                RuleKernels.compare(op, values[a], valid[a], constant, t, t + n, n)
                setCondition(id)
            case .between(let a, let low, let high):
                let t = wordSlots[id]!
                RuleKernels.between(values[a], valid[a], low, high, t, t + n, n)
                setCondition(id)
            case .inSet(let a, let set, let orUnknown):
                let t = wordSlots[id]!
                set.withUnsafeBufferPointer {
                    RuleKernels.inSet(values[a], valid[a], $0, orUnknown: orUnknown, t, t + n, n)
                }
                setCondition(id)
            case .codeTable(let a, let table):
                let t = wordSlots[id]!
                table.withUnsafeBufferPointer { RuleKernels.codeTable(values[a], valid[a], $0, t, t + n, n) }
                setCondition(id)
            case .isNull(let a):
                let t = wordSlots[id]!
                let v = valid[a]
                for w in 0..<n { t[w] = ~v[w] }
                trues[id] = UnsafePointer(t)
                falses[id] = nil
            case .isTrue(let a):
                let t = wordSlots[id]!
                RuleKernels.compare(.notEqual, values[a], valid[a], 0, t, t + n, n)
                setCondition(id)
            case .like(let s, let p, let subjects, let patterns):
                let t = wordSlots[id]!
                RuleKernels.like(values[s], valid[s], subjects, values[p], valid[p], patterns, t, t + n, n)
                setCondition(id)
            case .birthday(let day, let window, let offsets):
                let t = wordSlots[id]!
                RuleKernels.birthday(values[day], valid[day], values[window], valid[window], offsets, t, t + n, n)
                setCondition(id)
            }
        }
    }

    @inline(__always)
    private func setValue(_ id: Int) {
        values[id] = UnsafePointer(valueSlots[id]!)
        valid[id] = UnsafePointer(wordSlots[id]!)
    }

    @inline(__always)
    private func setCondition(_ id: Int) {
        let slot = wordSlots[id]!
        trues[id] = UnsafePointer(slot)
        falses[id] = UnsafePointer(slot + batchWords)
    }

    /// AND or OR of conditions; a definite result keeps no FALSE words.
    private func junction(_ id: Int, _ children: [Int], isAnd: Bool) {
        let n = batchWords
        let t = wordSlots[id]!
        t.update(from: trues[children[0]], count: n)
        for child in children.dropFirst() {
            let other = trues[child]
            if isAnd {
                for w in 0..<n { t[w] &= other[w] }
            } else {
                for w in 0..<n { t[w] |= other[w] }
            }
        }
        trues[id] = UnsafePointer(t)
        if definite[id] {
            falses[id] = nil
            return
        }
        // FALSE: any FALSE for AND, all FALSE for OR.
        let f = t + n
        f.update(repeating: isAnd ? 0 : ~0, count: n)
        for child in children {
            if let other = falses[child] {
                if isAnd {
                    for w in 0..<n { f[w] |= other[w] }
                } else {
                    for w in 0..<n { f[w] &= other[w] }
                }
            } else {
                let other = trues[child]
                if isAnd {
                    for w in 0..<n { f[w] |= ~other[w] }
                } else {
                    for w in 0..<n { f[w] &= ~other[w] }
                }
            }
        }
        falses[id] = UnsafePointer(f)
    }

    /// Points a column node at the batch's rows, or copies the last, partial batch into a slot
    /// padded with NULLs so kernels always see whole batches.
    private func readColumn(_ index: Int, node id: Int, rowStart: Int) {
        let column = columns[index]
        if rowStart + batchRows <= column.rows, let base = column.values, let present = column.present {
            values[id] = base + rowStart
            valid[id] = present + rowStart >> 6
            return
        }
        if valueSlots[id] == nil {
            valueSlots[id] = integers(batchRows)
            wordSlots[id] = words(batchWords)
        }
        let slot = valueSlots[id]!
        let validity = wordSlots[id]!
        slot.update(repeating: 0, count: batchRows)
        validity.update(repeating: 0, count: batchWords)
        let available = max(0, min(batchRows, column.rows - rowStart))
        if available > 0, let base = column.values, let present = column.present {
            slot.update(from: base + rowStart, count: available)
            let full = available >> 6
            validity.update(from: present + rowStart >> 6, count: full)
            if available & 63 != 0 {
                validity[full] = present[(rowStart >> 6) + full] & ((1 << UInt64(available & 63)) - 1)
            }
        }
        setValue(id)
    }
}
