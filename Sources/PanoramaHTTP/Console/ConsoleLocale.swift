import Foundation
import Hummingbird

/// The console's languages. Chosen by the `panorama_lang` cookie (the user's switch), else by
/// `Accept-Language`, else Simplified Chinese.
enum ConsoleLocale: String, CaseIterable, Sendable {
    case zh = "zh-CN"
    case en = "en"

    static let cookieName = "panorama_lang"

    /// The language of a request.
    static func of(_ request: Request) -> ConsoleLocale {
        if let chosen = AuthMiddleware.cookie(cookieName, in: request), let locale = parse(chosen) { return locale }
        return negotiate(request.headers[.acceptLanguage] ?? "")
    }

    /// A language tag (`zh`, `zh-CN`, `en-US`) as one of ours.
    static func parse(_ tag: String) -> ConsoleLocale? {
        let tag = tag.trimmingCharacters(in: .whitespaces).lowercased()
        if tag.hasPrefix("zh") { return .zh }
        if tag.hasPrefix("en") { return .en }
        return nil
    }

    /// The first of ours in an `Accept-Language` header by quality (`en-US,en;q=0.9,zh;q=0.8`).
    static func negotiate(_ header: String) -> ConsoleLocale {
        var best: (ConsoleLocale, Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";")
            guard let tag = pieces.first, let locale = parse(String(tag)) else { continue }
            var quality = 1.0
            for p in pieces.dropFirst() {
                let kv = p.trimmingCharacters(in: .whitespaces)
                if kv.hasPrefix("q="), let q = Double(kv.dropFirst(2)) { quality = q }
            }
            if quality > 0, best == nil || quality > best!.1 { best = (locale, quality) }
        }
        return best?.0 ?? .zh
    }

    /// The other language (the switch in the header offers it).
    var other: ConsoleLocale { self == .zh ? .en : .zh }

    /// The message catalog of this language.
    var messages: [String: String] { self == .zh ? ConsoleMessages.zh : ConsoleMessages.en }

    /// A message by key; the key itself when missing (a test checks none is).
    func text(_ key: String) -> String { messages[key] ?? key }

    /// A message with `{0}`, `{1}` … replaced.
    func text(_ key: String, _ arguments: String...) -> String {
        var s = text(key)
        for (i, a) in arguments.enumerated() { s = s.replacingOccurrences(of: "{\(i)}", with: a) }
        return s
    }

    // MARK: Numbers, money, dates

    /// An integer with grouping (`12,345`); in Chinese, `1.2万` and `3.4亿` from ten thousand up
    /// when `compact`.
    func number(_ value: Int64, compact: Bool = false) -> String {
        if compact, self == .zh, abs(value) >= 10_000 {
            let (unit, size): (String, Double) = abs(value) >= 100_000_000 ? ("亿", 1e8) : ("万", 1e4)
            return Self.trimmed(Double(value) / size, digits: abs(value) >= 1_000_000 && unit == "万" ? 0 : 1) + unit
        }
        if compact, self == .en, abs(value) >= 1_000_000 {
            return Self.trimmed(Double(value) / 1e6, digits: 1) + "M"
        }
        return Self.grouped(value)
    }

    /// Minor units (分) as yuan: `¥1,234.50`, compact `¥12.3万` in Chinese.
    func money(_ minor: Int64, compact: Bool = false) -> String {
        let sign = minor < 0 ? "-" : ""
        let m = abs(minor)
        if compact, self == .zh, m >= 1_000_000 {  // ≥ ¥10,000
            return sign + "¥" + Self.trimmed(Double(m) / 1_000_000, digits: 1) + "万"
        }
        if compact, self == .en, m >= 100_000_000 {  // ≥ ¥1M
            return sign + "¥" + Self.trimmed(Double(m) / 100_000_000, digits: 1) + "M"
        }
        if compact { return sign + "¥" + Self.grouped(m / 100) }
        return sign + "¥" + Self.grouped(m / 100) + "." + String(format: "%02d", Int(m % 100))
    }

    /// Basis points as a percentage with one decimal (`12.3%`).
    func percent(basisPoints: Int64) -> String {
        let sign = basisPoints < 0 ? "-" : ""
        let b = abs(basisPoints)
        return "\(sign)\(b / 100).\(b % 100 / 10)%"
    }

    /// Epoch milliseconds as a date and time in `zone`: `2026-05-01 14:30` / `2026年5月1日 14:30`.
    func dateTime(_ millis: Int64, zone: TimeZone) -> String {
        let c = Self.components(millis, zone)
        let time = String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
        return date(millis, zone: zone) + " " + time
    }

    /// Epoch milliseconds as a date in `zone`.
    func date(_ millis: Int64, zone: TimeZone) -> String {
        let c = Self.components(millis, zone)
        switch self {
        case .zh: return "\(c.year ?? 0)年\(c.month ?? 0)月\(c.day ?? 0)日"
        case .en: return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        }
    }

    /// A local day (days since epoch) as a short axis label: `5/1` / `5月1日`.
    func shortDay(_ day: Int64) -> String {
        let c = Self.components(day * 86_400_000, TimeZone(identifier: "UTC")!)
        return self == .zh ? "\(c.month ?? 0)月\(c.day ?? 0)日" : "\(c.month ?? 0)/\(c.day ?? 0)"
    }

    private static func components(_ millis: Int64, _ zone: TimeZone) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.dateComponents(
            [.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    static func grouped(_ value: Int64) -> String {
        let digits = String(abs(value))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func trimmed(_ value: Double, digits: Int) -> String {
        var s = String(format: "%.\(digits)f", value)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }
}
