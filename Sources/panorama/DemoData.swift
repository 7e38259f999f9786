import Foundation
import PanoramaCore
import PanoramaServices

/// Reproducible demo people, orders and events (a seed and today's date decide everything),
/// written as the CSV files the import service reads.
struct DemoData {
    struct Person {
        var index: Int
        var userID: String
        var name: String
        var gender: String
        var birthday: String
        var province: String
        var city: String
        var phone: String
        var email: String?
        var channel: String
        /// Days before today the person signed up.
        var signupDaysAgo: Int
        /// How many orders a year they tend to place (0: never buys).
        var ordersPerYear: Double
        /// Typical basket size in yuan.
        var spendLevel: Double
        var owner: String?
    }

    struct Refund {
        var orderID: String
        var kind: String
        var amount: Int64
        var reason: String
        var at: Int64
    }

    let seed: UInt64
    let people: [Person]
    let now: Int64
    let zone: TimeZone
    /// The local date of each day before today, index = days ago.
    private let localDays: [String]
    /// Orders generated (id, person, placed day offset, lines), kept for refunds.
    private(set) var orders: [(id: String, person: Int, at: Int64, total: Int64, channel: String)] = []

    static let surnames: [(String, String)] = [
        ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
        ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
        ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"), ("郑", "zheng"),
        ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"),
        ("邓", "deng"), ("曹", "cao"), ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
        ("潘", "pan"), ("袁", "yuan"), ("蔡", "cai"), ("蒋", "jiang"), ("余", "yu"), ("于", "yu"), ("杜", "du"),
        ("叶", "ye"), ("程", "cheng"), ("魏", "wei"), ("苏", "su"), ("吕", "lv"), ("丁", "ding"), ("沈", "shen"),
        ("欧阳", "ouyang"),
    ]
    static let femaleGiven: [(String, String)] = [
        ("静", "jing"), ("丽", "li"), ("敏", "min"), ("婷", "ting"), ("雪", "xue"), ("芳", "fang"), ("娜", "na"),
        ("秀英", "xiuying"), ("晓燕", "xiaoyan"), ("欣怡", "xinyi"), ("梓涵", "zihan"), ("诗涵", "shihan"),
        ("雨萱", "yuxuan"), ("佳怡", "jiayi"), ("思琪", "siqi"), ("慧", "hui"), ("颖", "ying"), ("琳", "lin"),
        ("玉兰", "yulan"), ("桂英", "guiying"), ("梦瑶", "mengyao"), ("晨曦", "chenxi"),
    ]
    static let maleGiven: [(String, String)] = [
        ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("杰", "jie"),
        ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("浩然", "haoran"), ("子轩", "zixuan"), ("宇航", "yuhang"),
        ("俊杰", "junjie"), ("志强", "zhiqiang"), ("建华", "jianhua"), ("文博", "wenbo"), ("天佑", "tianyou"),
        ("一鸣", "yiming"), ("嘉豪", "jiahao"), ("晓东", "xiaodong"), ("国庆", "guoqing"),
    ]
    /// (province, city, weight): big cities weigh more.
    static let cities: [(String, String, Int)] = [
        ("上海市", "上海", 14), ("北京市", "北京", 13), ("广东省", "广州", 9), ("广东省", "深圳", 10),
        ("浙江省", "杭州", 8), ("江苏省", "南京", 6), ("江苏省", "苏州", 6), ("四川省", "成都", 7),
        ("湖北省", "武汉", 5), ("重庆市", "重庆", 5), ("陕西省", "西安", 4), ("天津市", "天津", 4),
        ("福建省", "厦门", 3), ("山东省", "青岛", 3), ("湖南省", "长沙", 4), ("河南省", "郑州", 3),
        ("辽宁省", "沈阳", 2), ("云南省", "昆明", 2), ("浙江省", "宁波", 3), ("安徽省", "合肥", 2),
    ]
    static let emailDomains = ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com"]
    /// (channel, weight).
    static let channels: [(String, Int)] = [("online", 35), ("mini_program", 30), ("app", 20), ("store", 15)]
    static let stores = ["SH-JingAn-01", "SH-XuHui-02", "BJ-ChaoYang-01", "GZ-TianHe-01", "SZ-NanShan-01", "HZ-XiHu-01"]
    /// (sku, name, category, price in yuan).
    static let products: [(String, String, String, Int)] = [
        ("SKU-TEA-01", "西湖龙井 250g", "茶饮", 168), ("SKU-TEA-02", "云南普洱饼", "茶饮", 238),
        ("SKU-TEA-03", "茉莉花茶礼盒", "茶饮", 128), ("SKU-CUP-01", "青瓷茶杯套装", "茶具", 299),
        ("SKU-CUP-02", "便携旅行茶具", "茶具", 159), ("SKU-SNK-01", "坚果礼盒", "零食", 99),
        ("SKU-SNK-02", "手工月饼 6 枚", "零食", 138), ("SKU-SNK-03", "凤梨酥", "零食", 58),
        ("SKU-SKN-01", "保湿面霜", "美妆", 329), ("SKU-SKN-02", "精华水 150ml", "美妆", 259),
        ("SKU-SKN-03", "防晒乳 SPF50", "美妆", 189), ("SKU-HOM-01", "香薰蜡烛", "家居", 89),
        ("SKU-HOM-02", "真丝枕套", "家居", 399), ("SKU-HOM-03", "羊毛毯", "家居", 599),
        ("SKU-APP-01", "羊绒围巾", "服饰", 699), ("SKU-APP-02", "纯棉 T 恤", "服饰", 129),
    ]

    init(seed: UInt64, customers: Int, now: Int64, timeZone: String) {
        self.seed = seed
        self.now = now
        self.zone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "Asia/Shanghai")!
        // Every date the generators place (at most 720 days back), computed once: a calendar per
        // timestamp is costly over the millions of rows of a large demo.
        let zone = self.zone
        self.localDays = (0..<800).map { Self.localDay(now: now, daysAgo: $0, zone: zone) }
        var rng = SplitMix64(seed: seed)
        func pick<T>(_ list: [(T, Int)]) -> T {
            let total = list.reduce(0) { $0 + $1.1 }
            var r = Int(rng.next() % UInt64(total))
            for (item, weight) in list {
                if r < weight { return item }
                r -= weight
            }
            return list[0].0
        }
        var people: [Person] = []
        people.reserveCapacity(customers)
        var usedPhones = Set<String>()
        for i in 0..<customers {
            let female = rng.next() % 100 < 56
            let surname = Self.surnames[Int(rng.next() % UInt64(Self.surnames.count))]
            let givenList = female ? Self.femaleGiven : Self.maleGiven
            let given = givenList[Int(rng.next() % UInt64(givenList.count))]
            let place = pick(Self.cities.map { (($0.0, $0.1), $0.2) })
            let prefixes = ["138", "139", "136", "137", "150", "151", "152", "158", "159", "182", "186", "188", "135", "177", "199"]
            var phone = ""
            repeat {
                phone = prefixes[Int(rng.next() % UInt64(prefixes.count))] + String(format: "%08d", Int(rng.next() % 100_000_000))
            } while !usedPhones.insert(phone).inserted
            let age = 18 + Int(rng.next() % 50)
            let year = 2026 - age
            let birthday = String(format: "%04d-%02d-%02d", year, 1 + Int(rng.next() % 12), 1 + Int(rng.next() % 28))
            let email: String? =
                rng.next() % 100 < 70
                ? "\(given.1).\(surname.1)\(rng.next() % 1000)@\(Self.emailDomains[Int(rng.next() % UInt64(Self.emailDomains.count))])"
                : nil
            // Buying habits: a fifth never buy, most buy a few times a year, a few are heavy buyers.
            let habit = rng.next() % 100
            let perYear: Double = habit < 20 ? 0 : habit < 70 ? 1 + Double(rng.next() % 30) / 10 : habit < 93 ? 4 + Double(rng.next() % 60) / 10 : 10 + Double(rng.next() % 150) / 10
            people.append(
                Person(
                    index: i, userID: String(format: "M%07d", 1_000_000 + i), name: surname.0 + given.0,
                    gender: female ? "女" : "男", birthday: birthday, province: place.0, city: place.1,
                    phone: phone, email: email, channel: pick(Self.channels),
                    signupDaysAgo: Int(rng.next() % 720), ordersPerYear: perYear,
                    spendLevel: 0.6 + Double(rng.next() % 180) / 100,
                    owner: i % 10 == 3 ? "xiaoli" : nil))
        }
        self.people = people
    }

    /// Local date and time `daysAgo` days before today at a given minute of the day.
    func local(daysAgo: Int, minute: Int) -> String {
        let day = daysAgo >= 0 && daysAgo < localDays.count ? localDays[daysAgo] : Self.localDay(now: now, daysAgo: daysAgo, zone: zone)
        return day + " " + Self.twoDigits[minute / 60] + ":" + Self.twoDigits[minute % 60] + ":00"
    }

    /// `00` … `99`, so that the millions of timestamps of a large demo need no `String(format:)`.
    private static let twoDigits = (0..<100).map { String(format: "%02d", $0) }

    /// The local date (`2026-05-02`) `daysAgo` days before `now` in `zone`.
    private static func localDay(now: Int64, daysAgo: Int, zone: TimeZone) -> String {
        let instant = Date(timeIntervalSince1970: Double(now) / 1000 - Double(daysAgo) * 86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    func millis(daysAgo: Int, minute: Int) -> Int64 {
        // Close enough for refunds' times: the day's start in the zone plus the minute.
        let dayStart = (now / 86_400_000 - Int64(daysAgo)) * 86_400_000 - Int64(zone.secondsFromGMT()) * 1000
        return dayStart + Int64(minute) * 60_000
    }

    func signupAt(_ person: Person) -> Int64 { millis(daysAgo: person.signupDaysAgo, minute: 600) }

    static func csv(_ fields: [String]) -> String {
        fields.map { f in
            // Bytes, not `contains(String)`: Foundation's substring search was the largest
            // cost of writing the tens of millions of fields of a large demo.
            f.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") }
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",")
    }

    func customersCSV() -> String {
        var lines = [Self.csv(["user_id", "name", "gender", "birthday", "province", "city", "phone", "email", "owner", "signup_channel"])]
        for p in people {
            lines.append(
                Self.csv([p.userID, p.name, p.gender, p.birthday, p.province, p.city, p.phone, p.email ?? "", p.owner ?? "", p.channel]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Orders with lines; the same seed gives the same orders (a second generator, so that the
    /// people do not change when the order model does).
    mutating func ordersCSV() -> String {
        var rng = SplitMix64(seed: seed &+ 1)
        var lines = [Self.csv(["order_id", "user_id", "placed_at", "status", "channel", "store_id", "sku", "product_name", "category", "quantity", "unit_price"])]
        orders = []
        var n = 0
        for p in people where p.ordersPerYear > 0 {
            let activeDays = min(p.signupDaysAgo, 720)
            let expected = p.ordersPerYear * Double(activeDays) / 365
            let count = max(1, Int(expected.rounded()) + Int(rng.next() % 3) - 1)
            // Some customers stopped buying a while ago (they become "at risk" or "lost" in RFM).
            let stoppedDaysAgo = rng.next() % 100 < 25 ? Int(rng.next() % 300) + 60 : 0
            for _ in 0..<count {
                n += 1
                let span = max(1, activeDays - stoppedDaysAgo)
                // More recent orders are likelier (growth): the density falls linearly with age.
                let r = Double(rng.next() % 10_000) / 10_000
                let daysAgo = stoppedDaysAgo + Int(Double(span) * (1 - (1 - r).squareRoot()))
                let minute = 8 * 60 + Int(rng.next() % (15 * 60))
                let channel = rng.next() % 100 < 60 ? p.channel : Self.channels[Int(rng.next() % 4)].0
                let store = channel == "store" ? Self.stores[p.index % Self.stores.count] : ""
                let status = daysAgo < 3 ? "paid" : daysAgo < 8 ? "shipped" : (rng.next() % 100 < 3 ? "cancelled" : "completed")
                let id = String(format: "SO%08d", n)
                var total: Int64 = 0
                let lineCount = 1 + Int(rng.next() % 3)
                for _ in 0..<lineCount {
                    let product = Self.products[Int(rng.next() % UInt64(Self.products.count))]
                    let qty = 1 + Int(rng.next() % 3)
                    let price = Int64((Double(product.3) * (0.85 + p.spendLevel * 0.15)).rounded())
                    total += price * Int64(qty) * 100
                    lines.append(
                        Self.csv([
                            id, p.userID, local(daysAgo: daysAgo, minute: minute), status, channel, store, product.0, product.1,
                            product.2, String(qty), String(price),
                        ]))
                }
                if status != "cancelled" { orders.append((id, p.index, millis(daysAgo: daysAgo, minute: minute), total, channel)) }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// About 6 % of orders get a refund or a return, a few days after they were placed.
    func refunds() -> [Refund] {
        var rng = SplitMix64(seed: seed &+ 2)
        let reasons = ["尺码不合适", "商品破损", "不想要了", "发错货", "质量问题"]
        var out: [Refund] = []
        for order in orders where rng.next() % 100 < 6 {
            let full = rng.next() % 100 < 50
            let amount = full ? order.total : max(100, order.total / 100 * Int64(20 + rng.next() % 50))
            let at = min(now - 3_600_000, order.at + Int64(1 + rng.next() % 10) * 86_400_000)
            out.append(
                Refund(
                    orderID: order.id, kind: full ? "return" : "refund", amount: amount,
                    reason: reasons[Int(rng.next() % UInt64(reasons.count))], at: at))
        }
        return out
    }

    /// Browsing events: visits, product views, carts and checkouts.
    func eventsCSV() -> String {
        var rng = SplitMix64(seed: seed &+ 3)
        var lines = [Self.csv(["event", "timestamp", "user_id", "channel", "product"])]
        for p in people {
            let sessions = 1 + Int(rng.next() % 4) + Int(p.ordersPerYear / 3)
            for _ in 0..<sessions {
                let daysAgo = Int(rng.next() % UInt64(max(1, min(p.signupDaysAgo, 180))))
                var minute = 7 * 60 + Int(rng.next() % (16 * 60))
                let product = Self.products[Int(rng.next() % UInt64(Self.products.count))].1
                let depth = rng.next() % 100
                var events = ["App Opened", "Product Viewed"]
                if depth > 40 { events.append("Product Added") }
                if depth > 70 { events.append("Checkout Started") }
                if p.channel == "mini_program" { events[0] = "Mini Program Opened" }
                for event in events {
                    lines.append(Self.csv([event, local(daysAgo: daysAgo, minute: minute), p.userID, p.channel, product]))
                    minute = min(minute + 1 + Int(rng.next() % 5), 24 * 60 - 1)
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The import mappings (explicit, so the demo does not depend on header inference).
    static func mapping(_ kind: ImportKind) throws -> ImportMapping {
        func column(_ name: String) -> JSONValue { .object(["column": .string(name)]) }
        var fields = JSONObject()
        switch kind {
        case .customers:
            for f in ["user_id", "name", "gender", "birthday", "province", "city", "phone", "email"] { fields.set(f, column(f)) }
            fields.set("traits.owner", column("owner"))
            fields.set("traits.signup_channel", column("signup_channel"))
        case .orders:
            for f in ["order_id", "user_id", "placed_at", "status", "channel", "store_id", "sku", "product_name", "category", "quantity", "unit_price"] {
                fields.set(f, column(f))
            }
        case .events:
            for f in ["event", "timestamp", "user_id"] { fields.set(f, column(f)) }
            fields.set("properties.channel", column("channel"))
            fields.set("properties.product", column("product"))
        }
        return try ImportMapping(document: .object(["kind": .string(kind.rawValue), "fields": .object(fields)]))
    }

    static let loyaltyProgram: JSONValue = .object([
        "expiry_months": .number(JSONNumber(24)), "tier_period_days": .number(JSONNumber(365)),
        "earn_rules": .array([
            .object(["type": .string("spend"), "points": .number(JSONNumber(1)), "per_amount": .number(JSONNumber(100))]),
            .object([
                "type": .string("category"), "category": .string("茶饮"), "points": .number(JSONNumber(1)),
                "per_amount": .number(JSONNumber(100)),
            ]),
        ]),
        "tiers": .array([
            .object(["code": .string("member"), "name": .string("普通会员"), "multiplier_percent": .number(JSONNumber(100))]),
            .object([
                "code": .string("silver"), "name": .string("银卡"), "min_spend": .number(JSONNumber(100_000)),
                "multiplier_percent": .number(JSONNumber(120)),
            ]),
            .object([
                "code": .string("gold"), "name": .string("金卡"), "min_spend": .number(JSONNumber(300_000)),
                "multiplier_percent": .number(JSONNumber(150)),
            ]),
            .object([
                "code": .string("diamond"), "name": .string("钻石卡"), "min_spend": .number(JSONNumber(800_000)),
                "multiplier_percent": .number(JSONNumber(200)),
            ]),
        ]),
    ])

    static let traits = [
        #"{"name": "spend_90d", "source": "orders", "aggregation": "sum", "field": "amount", "window_days": 90}"#,
        #"{"name": "orders_365d", "source": "orders", "aggregation": "count", "window_days": 365}"#,
        #"{"name": "days_since_order", "source": "orders", "aggregation": "days_since_last", "field": "placed_at"}"#,
        #"{"name": "cart_adds_30d", "source": "events", "aggregation": "count", "window_days": 30, "filter": {"event": "Product Added"}}"#,
    ]

    static let audiences: [AudienceDefinition] = [
        AudienceDefinition(kind: .tag, name: "高价值", description: "近 90 天净消费 ≥ ¥1,000", type: .rule, rule: "spend_90d >= 1000", category: .value),
        AudienceDefinition(kind: .tag, name: "上海客户", type: .rule, rule: "city = '上海市'", category: .basic),
        AudienceDefinition(kind: .tag, name: "北京客户", type: .rule, rule: "city = '北京市'", category: .basic),
        AudienceDefinition(kind: .tag, name: "女性", type: .rule, rule: "gender = 'female'", category: .basic),
        AudienceDefinition(kind: .tag, name: "小程序注册", type: .rule, rule: "signup_channel = 'mini_program'", category: .behavior),
        AudienceDefinition(kind: .tag, name: "加购未买", description: "近 30 天加购、90 天无消费", type: .rule, rule: "cart_adds_30d > 0 AND coalesce(spend_90d, 0) = 0", category: .behavior),
        AudienceDefinition(kind: .tag, name: "沉睡客户", type: .computed, rule: "rfm_segment IN ('Hibernating', 'Lost')", category: .prediction),
        AudienceDefinition(kind: .tag, name: "VIP", description: "门店手工标记的贵宾", type: .manual, category: .value),
        AudienceDefinition(kind: .segment, name: "上海高价值女性", type: .dynamic, rule: "tag('高价值') AND tag('上海客户') AND tag('女性')"),
        AudienceDefinition(kind: .segment, name: "流失预警", description: "曾经活跃、最近没有购买", type: .dynamic, rule: "rfm_segment IN ('At Risk', 'Can''t Lose', 'About to Sleep')"),
        AudienceDefinition(kind: .segment, name: "复购人群", type: .dynamic, rule: "orders_365d >= 3 AND NOT tag('沉睡客户')"),
    ]
}
