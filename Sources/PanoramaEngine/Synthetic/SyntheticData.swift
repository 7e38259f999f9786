import Foundation
import PanoramaCore

/// xoshiro256**: a fast, seedable generator with a 2²⁵⁶ period, for synthetic data whose
/// volume makes `SplitMix64` alone (or the system generator) the bottleneck.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    /// The second value of the last Box–Muller pair.
    private var spareNormal: Double?

    /// A generator whose state is expanded from `seed` with SplitMix64 (as the authors advise).
    public init(seed: UInt64) {
        var expander = SplitMix64(seed: seed)
        s0 = expander.next()
        s1 = expander.next()
        s2 = expander.next()
        s3 = expander.next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in 0 ..< n (n > 0), by a multiply-high (negligible bias for small n).
    @inline(__always)
    public mutating func below(_ n: Int) -> Int { Int(next().multipliedFullWidth(by: UInt64(n)).high) }

    /// Failures before the first success of a trial with probability `p`: 0, 1, 2 …
    @inline(__always)
    public mutating func geometric(_ p: Double) -> Int {
        Int((Foundation.log(1 - uniform()) / Foundation.log(1 - p)).rounded(.down))
    }

    /// Standard normal (Box–Muller, both values used).
    public mutating func normal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let radius = (-2 * Foundation.log(1 - uniform())).squareRoot()
        let angle = 2 * Double.pi * uniform()
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }
}

/// A seeded, reproducible synthetic customer base for benchmarks: customers with attributes,
/// their orders and their events, as the engine's columns.
///
/// The shape follows the tag-engine workload measured in DuckDB (shared/bench): per customer
/// a geometric(0.2) number of orders plus, for one in ten, up to 39 more (capped at 200, mean
/// ≈ 6); order days uniform over the last 730 days; amounts lognormal(5.0, 0.8) yuan; 3 %
/// refunded in full, 1 % cancelled, 0.5 % pending, 2 % of the rest partly refunded; skewed
/// channels and stores (Zipf); about 10 events per customer, recent days more likely. Customer
/// attributes: `gender` (male/female, 2 % NULL), `birth_date` (1950–2005, 8 % NULL), `city`
/// (Zipf over 300 Chinese cities, 上海 first, 1 % NULL), `signup_at` (last two years), `tier`.
///
/// Customers are generated in fixed blocks, each from its own stream derived from the seed, so
/// the data is the same for a seed whatever the number of cores, and blocks run in parallel.
public struct SyntheticData: Sendable {
    /// The customers' attributes; every row is live.
    public var customers: CustomerTable
    public var orders: OrderColumns
    public var events: EventColumns
    /// "Today" of the data (the newest day that has activity), in Asia/Shanghai.
    public var context: EvaluationContext
    public var seed: UInt64

    /// The last day of the data: 2026-06-30.
    public static let today: Int64 = 20_634
    /// Asia/Shanghai.
    public static let utcOffsetSeconds: Int64 = 28_800
    /// Activity spans this many days up to `today`.
    public static let historyDays = 730
    /// Customers per generation block (a multiple of 64, so blocks own whole presence words).
    static let blockSize = 65_536

    /// 300 Chinese cities, the most frequent first (Zipf, exponent 1.2).
    public static let cities: [String] = [
        "上海", "北京", "广州", "深圳", "杭州", "成都", "重庆", "武汉", "南京", "苏州", "天津", "西安", "长沙", "郑州", "青岛", "东莞", "宁波", "佛山",
        "合肥", "无锡", "厦门", "福州", "济南", "大连", "沈阳", "昆明", "哈尔滨", "长春", "石家庄", "南宁", "南昌", "贵阳", "太原", "温州", "泉州", "烟台",
        "常州", "南通", "嘉兴", "徐州", "金华", "珠海", "中山", "惠州", "绍兴", "台州", "潍坊", "保定", "扬州", "兰州", "乌鲁木齐", "海口", "呼和浩特",
        "银川", "西宁", "拉萨", "洛阳", "临沂", "唐山", "镇江", "盐城", "湖州", "芜湖", "江门", "赣州", "漳州", "襄阳", "宜昌", "柳州", "桂林", "绵阳",
        "遵义", "汕头", "湛江", "肇庆", "揭阳", "茂名", "清远", "韶关", "梅州", "汕尾", "河源", "阳江", "潮州", "云浮", "淄博", "济宁", "泰安", "威海",
        "日照", "德州", "聊城", "滨州", "菏泽", "枣庄", "东营", "邯郸", "邢台", "沧州", "廊坊", "衡水", "承德", "张家口", "秦皇岛", "大同", "阳泉", "长治",
        "晋城", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁", "包头", "乌海", "赤峰", "通辽", "鄂尔多斯", "呼伦贝尔", "巴彦淖尔", "乌兰察布", "鞍山", "抚顺",
        "本溪", "丹东", "锦州", "营口", "阜新", "辽阳", "盘锦", "铁岭", "朝阳", "葫芦岛", "吉林", "四平", "辽源", "通化", "白山", "松原", "白城", "齐齐哈尔",
        "鸡西", "鹤岗", "双鸭山", "大庆", "伊春", "佳木斯", "七台河", "牡丹江", "黑河", "绥化", "连云港", "淮安", "宿迁", "泰州", "衢州", "舟山", "丽水",
        "蚌埠", "淮南", "马鞍山", "淮北", "铜陵", "安庆", "黄山", "滁州", "阜阳", "宿州", "六安", "亳州", "池州", "宣城", "莆田", "三明", "南平", "龙岩",
        "宁德", "景德镇", "萍乡", "九江", "新余", "鹰潭", "吉安", "宜春", "抚州", "上饶", "开封", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌",
        "漯河", "三门峡", "南阳", "商丘", "信阳", "周口", "驻马店", "黄石", "十堰", "鄂州", "荆门", "孝感", "荆州", "黄冈", "咸宁", "随州", "株洲", "湘潭",
        "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州", "怀化", "娄底", "梧州", "北海", "防城港", "钦州", "贵港", "玉林", "百色", "贺州",
        "河池", "来宾", "崇左", "三亚", "儋州", "自贡", "攀枝花", "泸州", "德阳", "广元", "遂宁", "内江", "乐山", "南充", "眉山", "宜宾", "广安", "达州",
        "雅安", "巴中", "资阳", "六盘水", "安顺", "毕节", "铜仁", "曲靖", "玉溪", "保山", "昭通", "丽江", "普洱", "临沧", "日喀则", "铜川", "宝鸡", "咸阳",
        "渭南", "延安", "汉中", "榆林", "安康", "商洛", "嘉峪关", "金昌", "白银", "天水", "武威", "张掖", "平凉", "酒泉", "庆阳", "定西", "陇南", "海东",
        "石嘴山", "吴忠", "固原", "中卫", "克拉玛依", "吐鲁番", "哈密", "大理", "喀什", "伊宁", "库尔勒", "恩施", "凯里", "都匀", "景洪",
    ]
    public static let genders = ["male", "female"]
    public static let tiers = ["普通会员", "银卡会员", "金卡会员", "钻石会员"]
    public static let channels = ["mini_program", "app", "online", "store", "wechat", "marketplace", "phone", "other"]
    /// 200 stores, the most frequent first (Zipf, exponent 1.0).
    public static let stores: [String] = (1...200).map {
        "store_" + String(repeating: "0", count: $0 < 10 ? 2 : $0 < 100 ? 1 : 0) + String($0)
    }
    public static let eventNames = [
        "Product Viewed", "Page Viewed", "Product Searched", "Product Added", "Cart Viewed", "Checkout Started",
        "Order Completed", "Coupon Claimed",
    ]
    public static let orderStatuses = ["completed", "refunded", "cancelled", "pending"]

    static let tierWeights: [Double] = [70, 20, 8, 2]
    static let channelWeights: [Double] = [30, 22, 18, 15, 7, 5, 2, 1]
    static let eventWeights: [Double] = [45, 12, 10, 12, 8, 5, 5, 3]

    /// Generates `count` customers from `seed`; `progress` hears about each phase.
    public static func generate(customers count: Int, seed: UInt64 = 42, progress: (String) -> Void = { _ in })
        -> SyntheticData
    {
        precondition(count >= 0 && count < Int(Int32.max), "0 ..< 2³¹ customers")
        let blocks = (count + blockSize - 1) / blockSize
        let cityTable = AliasTable(zipf: cities.count, exponent: 1.2)
        let storeTable = AliasTable(zipf: stores.count, exponent: 1.0)
        let tierTable = AliasTable(weights: tierWeights)
        let channelTable = AliasTable(weights: channelWeights)
        let eventTable = AliasTable(weights: eventWeights)
        let firstDay = today - Int64(historyDays) + 1
        let birthLow: Int64 = -7_305  // 1950-01-01
        let birthHigh: Int64 = 13_148  // 2005-12-31
        let words = (count + 63) / 64

        // Phase 1: attributes and activity counts, block by block.
        progress("customers")
        var presence = [[UInt64]]()
        var orderCounts: [Int32] = []
        var eventCounts: [Int32] = []
        let attributes = TraitComputer.withOutputBuffers(Int64.self, count: count, columns: 5) { attribute in
            presence = TraitComputer.withOutputBuffers(UInt64.self, count: words, columns: 3) { present in
                let counts = TraitComputer.withOutputBuffers(Int32.self, count: count, columns: 2) { counts in
                    parallelFor(blocks) { block in
                        var random = Xoshiro256(seed: streamSeed(seed, block: block, phase: 1))
                        let rows = (block * blockSize)..<min(count, (block + 1) * blockSize)
                        for word in (rows.lowerBound >> 6)..<((rows.upperBound + 63) >> 6) {
                            for column in 0..<3 { present[column][word] = 0 }
                        }
                        for row in rows {
                            let bit: UInt64 = 1 << UInt64(row & 63)
                            attribute[0][row] = Int64(random.below(100) < 48 ? 0 : 1)
                            if random.below(100) >= 2 { present[0][row >> 6] |= bit }
                            attribute[1][row] = birthLow + Int64(random.below(Int(birthHigh - birthLow + 1)))
                            if random.below(100) >= 8 { present[1][row >> 6] |= bit }
                            attribute[2][row] = Int64(cityTable.draw(&random))
                            if random.below(100) >= 1 { present[2][row >> 6] |= bit }
                            attribute[3][row] =
                                (firstDay * 86_400 + Int64(random.below(historyDays * 86_400))) - utcOffsetSeconds
                            attribute[4][row] = Int64(tierTable.draw(&random))
                            let extra = random.uniform() < 0.1 ? random.below(40) : 0
                            counts[0][row] = Int32(min(random.geometric(0.2) + extra, 200))
                            counts[1][row] = Int32(min(random.geometric(1.0 / 11), 500))
                        }
                    }
                }
                orderCounts = counts[0]
                eventCounts = counts[1]
            }
        }

        // Phase 2: row offsets.
        var orderOffsets = [Int](repeating: 0, count: count + 1)
        var eventOffsets = [Int](repeating: 0, count: count + 1)
        for row in 0..<count {
            orderOffsets[row + 1] = orderOffsets[row] + Int(orderCounts[row])
            eventOffsets[row + 1] = eventOffsets[row] + Int(eventCounts[row])
        }
        let orderTotal = orderOffsets[count]
        let eventTotal = eventOffsets[count]

        // Phase 3: orders and events, block by block, each customer's sorted by time.
        progress("\(orderTotal) orders and \(eventTotal) events")
        var orderWide: [[Int64]] = []
        var orderNarrow: [[Int32]] = []
        var orderStatus: [[UInt8]] = []
        var eventWide: [[Int64]] = []
        var eventNarrow: [[Int32]] = []
        let tables = ActivityWriter.Tables(channel: channelTable, store: storeTable, event: eventTable)
        orderWide = TraitComputer.withOutputBuffers(Int64.self, count: orderTotal, columns: 2) { wide in
            orderNarrow = TraitComputer.withOutputBuffers(Int32.self, count: orderTotal, columns: 4) { narrow in
                orderStatus = TraitComputer.withOutputBuffers(UInt8.self, count: orderTotal, columns: 1) { status in
                    eventWide = TraitComputer.withOutputBuffers(Int64.self, count: eventTotal, columns: 1) { time in
                        eventNarrow = TraitComputer.withOutputBuffers(Int32.self, count: eventTotal, columns: 2) {
                            eventColumns in
                            let writer = ActivityWriter(
                                timestamp: wide[0], amount: wide[1], day: narrow[0], items: narrow[1],
                                channel: narrow[2], store: narrow[3], status: status[0], eventTimestamp: time[0],
                                eventDay: eventColumns[0], eventName: eventColumns[1], tables: tables)
                            parallelFor(blocks) { block in
                                var random = Xoshiro256(seed: streamSeed(seed, block: block, phase: 2))
                                for row in (block * blockSize)..<min(count, (block + 1) * blockSize) {
                                    writer.orders(orderOffsets[row]..<orderOffsets[row + 1], &random)
                                    writer.events(eventOffsets[row]..<eventOffsets[row + 1], &random)
                                }
                            }
                        }
                    }
                }
            }
        }

        var table = CustomerTable()
        table.resize(to: count)
        let attributeTypes: [(String, RuleType, [String]?, Int?)] = [
            ("gender", .string, genders, 0), ("birth_date", .date, nil, 1), ("city", .string, cities, 2),
            ("signup_at", .timestamp, nil, nil), ("tier", .string, tiers, nil),
        ]
        for (index, (name, type, strings, presenceIndex)) in attributeTypes.enumerated() {
            var column = Column(type: type, count: 0)
            column.values = attributes[index]
            column.present =
                presenceIndex.map { TraitComputer.makeBitVector(words: presence[$0], count: count) }
                ?? BitVector(count: count, value: true)
            if let strings { column.dictionary = dictionary(strings) }
            table.setColumn(name, column)
        }
        table.live = RoaringBitmap(range: 0..<UInt32(count))

        let orders = OrderColumns(
            utcOffsetSeconds: utcOffsetSeconds, offsets: orderOffsets, day: orderNarrow[0], timestamp: orderWide[0],
            amount: orderWide[1], items: orderNarrow[1], channel: orderNarrow[2],
            channelDictionary: dictionary(channels),
            store: orderNarrow[3], storeDictionary: dictionary(stores), status: orderStatus[0])
        let events = EventColumns(
            utcOffsetSeconds: utcOffsetSeconds, offsets: eventOffsets, day: eventNarrow[0], timestamp: eventWide[0],
            name: eventNarrow[1], nameDictionary: dictionary(eventNames))
        return SyntheticData(
            customers: table, orders: orders, events: events,
            context: EvaluationContext(today: today, utcOffsetSeconds: utcOffsetSeconds), seed: seed)
    }

    /// The seed of one block's stream in one phase.
    static func streamSeed(_ seed: UInt64, block: Int, phase: UInt64) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(block) &* 0x9E37_79B9_7F4A_7C15) ^ (phase << 56))
        return mixer.next()
    }

    /// A dictionary holding `strings` as codes 0, 1, 2 …
    static func dictionary(_ strings: [String]) -> StringDictionary {
        var dictionary = StringDictionary()
        for string in strings { _ = dictionary.code(for: string) }
        return dictionary
    }

    /// Sorts `values[low ..< high]` (a customer's few records).
    @inline(__always)
    static func insertionSort(_ values: UnsafeMutablePointer<Int64>, _ low: Int, _ high: Int) {
        guard high - low > 1 else { return }
        for i in (low + 1)..<high {
            let value = values[i]
            var j = i
            while j > low, values[j - 1] > value {
                values[j] = values[j - 1]
                j -= 1
            }
            values[j] = value
        }
    }
}

/// Writes one customer's orders or events into the columns being generated (each customer's
/// positions are its own, so blocks write in parallel).
struct ActivityWriter {
    /// The skewed choices.
    struct Tables {
        var channel: AliasTable
        var store: AliasTable
        var event: AliasTable
    }

    let timestamp: UnsafeMutablePointer<Int64>
    let amount: UnsafeMutablePointer<Int64>
    let day: UnsafeMutablePointer<Int32>
    let items: UnsafeMutablePointer<Int32>
    let channel: UnsafeMutablePointer<Int32>
    let store: UnsafeMutablePointer<Int32>
    let status: UnsafeMutablePointer<UInt8>
    let eventTimestamp: UnsafeMutablePointer<Int64>
    let eventDay: UnsafeMutablePointer<Int32>
    let eventName: UnsafeMutablePointer<Int32>
    let tables: Tables

    /// Orders at `range`: uniform days over the history, lognormal(5.0, 0.8) yuan, 3 % refunded
    /// in full, 1 % cancelled, 0.5 % pending, 2 % of the paid ones partly refunded.
    @inline(__always)
    func orders(_ range: Range<Int>, _ random: inout Xoshiro256) {
        let offset = SyntheticData.utcOffsetSeconds
        let firstDay = SyntheticData.today - Int64(SyntheticData.historyDays) + 1
        for i in range {
            let local =
                (firstDay + Int64(random.below(SyntheticData.historyDays))) * 86_400
                + Int64(random.below(86_400))
            timestamp[i] = local - offset
        }
        SyntheticData.insertionSort(timestamp, range.lowerBound, range.upperBound)
        for i in range {
            day[i] = Int32((timestamp[i] + offset) / 86_400)
            var cents = max(1, Int64((Foundation.exp(5.0 + 0.8 * random.normal()) * 100).rounded()))
            let state: OrderColumns.Status
            switch random.below(1000) {
            case ..<30:
                state = .refunded
                cents = 0
            case ..<40: state = .cancelled
            case ..<45: state = .pending
            default:
                state = .completed
                if random.below(100) < 2 { cents -= cents * Int64(10 + random.below(41)) / 100 }
            }
            amount[i] = cents
            status[i] = state.rawValue
            items[i] = Int32(1 + min(random.next().trailingZeroBitCount, 19))  // 1 + geometric(0.5)
            channel[i] = Int32(tables.channel.draw(&random))
            store[i] = Int32(tables.store.draw(&random))
        }
    }

    /// Events at `range`: ages 730 × u² days (recent days likelier), skewed names.
    @inline(__always)
    func events(_ range: Range<Int>, _ random: inout Xoshiro256) {
        let offset = SyntheticData.utcOffsetSeconds
        for i in range {
            let u = random.uniform()
            let age = Int64(Double(SyntheticData.historyDays) * u * u)
            eventTimestamp[i] = (SyntheticData.today - age) * 86_400 + Int64(random.below(86_400)) - offset
        }
        SyntheticData.insertionSort(eventTimestamp, range.lowerBound, range.upperBound)
        for i in range {
            eventDay[i] = Int32((eventTimestamp[i] + offset) / 86_400)
            eventName[i] = Int32(tables.event.draw(&random))
        }
    }
}

/// Draws an index with given relative weights in constant time (Walker's alias method: pick a
/// column uniformly, keep it with its probability, else take its alias).
struct AliasTable: Sendable {
    private let keep: [UInt32]
    private let alias: [Int32]

    /// A table drawing index `i` with probability `weights[i] / Σ weights`.
    init(weights: [Double]) {
        let n = weights.count
        let total = weights.reduce(0, +)
        var scaled = weights.map { $0 * Double(n) / total }
        var keep = [UInt32](repeating: .max, count: n)
        var alias = [Int32](repeating: 0, count: n)
        var small = scaled.indices.filter { scaled[$0] < 1 }
        var large = scaled.indices.filter { scaled[$0] >= 1 }
        while let s = small.popLast(), let l = large.last {
            keep[s] = UInt32(min(scaled[s] * 4_294_967_296, 4_294_967_295))  // scaled[s] < 1
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        self.keep = keep
        self.alias = alias
    }

    /// Zipf: weight 1 / rankˢ for ranks 1 … n.
    init(zipf n: Int, exponent: Double) {
        self.init(weights: (1...n).map { 1 / Foundation.pow(Double($0), exponent) })
    }

    /// One draw from one 64-bit random value: the high half picks the column, the low half decides.
    @inline(__always)
    func draw(_ random: inout Xoshiro256) -> Int {
        let bits = random.next()
        let column = Int((bits >> 32).multipliedFullWidth(by: UInt64(keep.count)).low >> 32)
        return UInt32(truncatingIfNeeded: bits) < keep[column] ? column : Int(alias[column])
    }
}

// MARK: - Files

extension SyntheticData {
    /// `manifest.json` of a data directory: what each raw file holds.
    ///
    /// Every column is one file of little-endian values (`dtype` int64, int32 or uint8); string
    /// columns hold codes into `dictionary`; `present` names a file of 64-bit words whose bit
    /// `i % 64` of word `i / 64` is set where row `i` is not NULL. Orders and events are in
    /// compressed-sparse-row form: customer row `r` owns records `offsets[r] ..< offsets[r+1]`.
    public struct Manifest: Codable, Sendable, Equatable {
        public var format: String
        public var seed: UInt64
        /// Today of the data, days since 1970-01-01 in the zone below.
        public var today: Int64
        public var todayDate: String
        public var utcOffsetSeconds: Int64
        public var customers: Table
        public var orders: Table
        public var events: Table

        /// The files of one table.
        public struct Table: Codable, Sendable, Equatable {
            /// Customer rows.
            public var rows: Int
            /// Orders or events (absent for customers).
            public var records: Int?
            /// The CSR offsets file (int64, rows + 1 values).
            public var offsets: String?
            public var columns: [File]
        }

        /// One column file.
        public struct File: Codable, Sendable, Equatable {
            public var name: String
            /// The rule-language type of a customer column; absent for activity columns.
            public var type: String?
            public var dtype: String
            public var file: String
            public var present: String?
            public var dictionary: [String]?
        }
    }

    /// The format name in manifests this code reads and writes.
    public static let format = "panorama-synthetic/1"

    /// A data directory that cannot be written or read back.
    public struct FileError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Writes the data as raw little-endian column files plus `manifest.json` into `directory`
    /// (created if missing); returns the manifest.
    @discardableResult
    public func write(to directory: String) throws -> Manifest {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func path(_ file: String) -> String { directory + "/" + file }

        var customerFiles: [Manifest.File] = []
        for name in customers.columns.keys.sorted() {
            let column = customers.columns[name]!
            let file = "customers.\(name).i64"
            let present = "customers.\(name).present.u64"
            try Self.writeArray(column.values, to: path(file))
            try Self.writeArray(column.present.words, to: path(present))
            customerFiles.append(
                Manifest.File(
                    name: name, type: column.type.rawValue, dtype: "int64", file: file, present: present,
                    dictionary: column.type == .string ? column.dictionary.strings : nil))
        }

        func activity(_ name: String, _ dtype: String, dictionary: [String]? = nil) -> Manifest.File {
            let suffix = ["int64": "i64", "int32": "i32", "uint8": "u8"][dtype]!
            return Manifest.File(name: name, dtype: dtype, file: "\(name).\(suffix)", dictionary: dictionary)
        }
        let orderFiles = [
            activity("orders.day", "int32"), activity("orders.timestamp", "int64"), activity("orders.amount", "int64"),
            activity("orders.items", "int32"),
            activity("orders.channel", "int32", dictionary: orders.channelDictionary.strings),
            activity("orders.store", "int32", dictionary: orders.storeDictionary.strings),
            activity("orders.status", "uint8", dictionary: Self.orderStatuses),
        ]
        try Self.writeArray(orders.offsets, to: path("orders.offsets.i64"))
        try Self.writeArray(orders.day, to: path(orderFiles[0].file))
        try Self.writeArray(orders.timestamp, to: path(orderFiles[1].file))
        try Self.writeArray(orders.amount, to: path(orderFiles[2].file))
        try Self.writeArray(orders.items, to: path(orderFiles[3].file))
        try Self.writeArray(orders.channel, to: path(orderFiles[4].file))
        try Self.writeArray(orders.store, to: path(orderFiles[5].file))
        try Self.writeArray(orders.status, to: path(orderFiles[6].file))

        let eventFiles = [
            activity("events.day", "int32"), activity("events.timestamp", "int64"),
            activity("events.name", "int32", dictionary: events.nameDictionary.strings),
        ]
        try Self.writeArray(events.offsets, to: path("events.offsets.i64"))
        try Self.writeArray(events.day, to: path(eventFiles[0].file))
        try Self.writeArray(events.timestamp, to: path(eventFiles[1].file))
        try Self.writeArray(events.name, to: path(eventFiles[2].file))

        let manifest = Manifest(
            format: Self.format, seed: seed, today: context.today, todayDate: Self.isoDate(context.today),
            utcOffsetSeconds: context.utcOffsetSeconds,
            customers: .init(rows: customers.rowCount, columns: customerFiles),
            orders: .init(
                rows: orders.rowCount, records: orders.count, offsets: "orders.offsets.i64", columns: orderFiles),
            events: .init(
                rows: events.rowCount, records: events.count, offsets: "events.offsets.i64", columns: eventFiles))
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: path("manifest.json")))
        return manifest
    }

    /// Reads back a directory written by `write(to:)`.
    public static func load(from directory: String) throws -> SyntheticData {
        func path(_ file: String) -> String { directory + "/" + file }
        let manifestPath = path("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw FileError(path: manifestPath, reason: "cannot read the manifest")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let manifest = try decoder.decode(Manifest.self, from: data)
        guard manifest.format == format else {
            throw FileError(path: manifestPath, reason: "format '\(manifest.format)', expected '\(format)'")
        }

        var table = CustomerTable()
        table.resize(to: manifest.customers.rows)
        for file in manifest.customers.columns {
            guard let type = file.type.flatMap(RuleType.init(rawValue:)), let presentFile = file.present else {
                throw FileError(path: manifestPath, reason: "customer column '\(file.name)' lacks a type or presence")
            }
            var column = Column(type: type, count: 0)
            column.values = try readArray(Int64.self, from: path(file.file), count: manifest.customers.rows)
            let words = try readArray(UInt64.self, from: path(presentFile), count: (manifest.customers.rows + 63) / 64)
            column.present = TraitComputer.makeBitVector(words: words, count: manifest.customers.rows)
            if let strings = file.dictionary { column.dictionary = dictionary(strings) }
            table.setColumn(file.name, column)
        }
        table.live = RoaringBitmap(range: 0..<UInt32(manifest.customers.rows))

        func columnFile(_ table: Manifest.Table, _ name: String) throws -> Manifest.File {
            guard let file = table.columns.first(where: { $0.name == name }) else {
                throw FileError(path: manifestPath, reason: "no column '\(name)'")
            }
            return file
        }
        let o = manifest.orders
        let n = o.records ?? 0
        let orders = OrderColumns(
            utcOffsetSeconds: manifest.utcOffsetSeconds,
            offsets: try readArray(Int.self, from: path(o.offsets ?? ""), count: o.rows + 1),
            day: try readArray(Int32.self, from: path(try columnFile(o, "orders.day").file), count: n),
            timestamp: try readArray(Int64.self, from: path(try columnFile(o, "orders.timestamp").file), count: n),
            amount: try readArray(Int64.self, from: path(try columnFile(o, "orders.amount").file), count: n),
            items: try readArray(Int32.self, from: path(try columnFile(o, "orders.items").file), count: n),
            channel: try readArray(Int32.self, from: path(try columnFile(o, "orders.channel").file), count: n),
            channelDictionary: dictionary(try columnFile(o, "orders.channel").dictionary ?? []),
            store: try readArray(Int32.self, from: path(try columnFile(o, "orders.store").file), count: n),
            storeDictionary: dictionary(try columnFile(o, "orders.store").dictionary ?? []),
            status: try readArray(UInt8.self, from: path(try columnFile(o, "orders.status").file), count: n))
        let e = manifest.events
        let m = e.records ?? 0
        let events = EventColumns(
            utcOffsetSeconds: manifest.utcOffsetSeconds,
            offsets: try readArray(Int.self, from: path(e.offsets ?? ""), count: e.rows + 1),
            day: try readArray(Int32.self, from: path(try columnFile(e, "events.day").file), count: m),
            timestamp: try readArray(Int64.self, from: path(try columnFile(e, "events.timestamp").file), count: m),
            name: try readArray(Int32.self, from: path(try columnFile(e, "events.name").file), count: m),
            nameDictionary: dictionary(try columnFile(e, "events.name").dictionary ?? []))
        return SyntheticData(
            customers: table, orders: orders, events: events,
            context: EvaluationContext(today: manifest.today, utcOffsetSeconds: manifest.utcOffsetSeconds),
            seed: manifest.seed)
    }

    /// `YYYY-MM-DD` of a day number.
    static func isoDate(_ day: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(day) * 86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year!, 4))-\(pad(parts.month!, 2))-\(pad(parts.day!, 2))"
    }

    /// Writes the array's bytes as they are in memory (little-endian on every supported CPU).
    static func writeArray<T: BitwiseCopyable>(_ array: [T], to path: String) throws {
        guard let file = fopen(path, "wb") else { throw FileError(path: path, reason: "cannot create") }
        defer { fclose(file) }
        try array.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = fwrite(bytes.baseAddress! + offset, 1, bytes.count - offset, file)
                guard written > 0 else { throw FileError(path: path, reason: "write failed") }
                offset += written
            }
        }
    }

    /// Reads `count` values of `T` from a raw file of exactly that size.
    static func readArray<T: BitwiseCopyable>(_ type: T.Type, from path: String, count: Int) throws -> [T] {
        guard let file = fopen(path, "rb") else { throw FileError(path: path, reason: "cannot open") }
        defer { fclose(file) }
        fseek(file, 0, SEEK_END)
        let size = ftell(file)
        fseek(file, 0, SEEK_SET)
        guard size == count * MemoryLayout<T>.stride else {
            throw FileError(path: path, reason: "holds \(size) bytes, expected \(count * MemoryLayout<T>.stride)")
        }
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let bytes = UnsafeMutableRawBufferPointer(buffer)
            adviseHugePages(bytes)
            var offset = 0
            while offset < bytes.count {
                let read = fread(bytes.baseAddress! + offset, 1, bytes.count - offset, file)
                guard read > 0 else { throw FileError(path: path, reason: "short read") }
                offset += read
            }
            initialized = count
        }
    }
}
