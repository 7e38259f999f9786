import Foundation
import PanoramaCore
import PanoramaStore

/// What a customer consents to: being contacted for marketing on one channel, or being profiled.
/// Consent is recorded per purpose; nothing is assumed granted until a grant is recorded.
public enum ConsentPurpose: String, Sendable, Codable, CaseIterable, Comparable {
    case marketingSMS = "marketing_sms"
    case marketingEmail = "marketing_email"
    case marketingWeChat = "marketing_wechat"
    case marketingPush = "marketing_push"
    case profiling

    /// The purpose a tracked event names: `purpose` itself (`marketing_sms`), or a `purpose` and a
    /// `channel` (`marketing` and `sms`). Nil when neither names a known purpose.
    public static func named(_ purpose: String, channel: String? = nil) -> ConsentPurpose? {
        let base = purpose.trimmingCharacters(in: .whitespaces).lowercased()
        if let found = ConsentPurpose(rawValue: base) { return found }
        guard let channel = channel?.trimmingCharacters(in: .whitespaces).lowercased(), !channel.isEmpty else {
            return nil
        }
        return ConsentPurpose(rawValue: "\(base)_\(channel)")
    }

    /// "must be one of …", for error messages.
    static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public static func < (a: ConsentPurpose, b: ConsentPurpose) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A customer's consent to one purpose now: the latest change recorded for it.
public struct ConsentState: Sendable, Equatable {
    public var purpose: ConsentPurpose
    public var granted: Bool
    public var source: String
    /// When it was given or withdrawn, epoch ms.
    public var at: Int64
}

/// A live customer's consents: the current state per purpose (purposes never recorded are
/// absent: not granted) and the full history over every raw profile merged into it.
public struct CustomerConsents: Sendable, Equatable {
    public var customerID: Int64
    public var current: [ConsentState]
    /// Oldest first.
    public var history: [ConsentRecord]

    /// Whether `purpose` is granted now.
    public func granted(_ purpose: ConsentPurpose) -> Bool {
        current.first { $0.purpose == purpose }?.granted ?? false
    }
}

extension ConsentRecord {
    /// The latest record per purpose (by `at`, then recording order) of a history: consent
    /// follows merges, so the history of every raw profile of a live customer goes in together.
    static func current(_ history: [ConsentRecord]) -> [ConsentPurpose: ConsentRecord] {
        var latest: [ConsentPurpose: ConsentRecord] = [:]
        for record in history {
            guard let purpose = ConsentPurpose(rawValue: record.purpose) else { continue }
            if let held = latest[purpose], (held.at, held.id) > (record.at, record.id) { continue }
            latest[purpose] = record
        }
        return latest
    }

    /// The purposes granted now according to a history.
    static func granted(_ history: [ConsentRecord]) -> Set<ConsentPurpose> {
        Set(current(history).filter { $0.value.granted }.keys)
    }
}

/// The consent changes a tracking message carries: an identify with a `consents` trait
/// (`{"marketing_sms": true, …}`), or a `Consent Granted` / `Consent Revoked` track event with a
/// `purpose` property (and an optional `channel`). Cheap to call for every message: anything else
/// is answered after a comparison or two.
enum TrackedConsent {
    static let grantedEvent = "Consent Granted"
    static let revokedEvent = "Consent Revoked"

    /// (purpose, granted, source) of each change in the message; empty for most messages.
    static func changes(in message: TrackingMessage) -> [(purpose: ConsentPurpose, granted: Bool, source: String)] {
        switch message.type {
        case .identify:
            guard let consents = message.traits?["consents"]?.objectValue else { return [] }
            var found: [(ConsentPurpose, Bool, String)] = []
            for (name, value) in consents.members {
                guard let purpose = ConsentPurpose.named(name), let granted = value.boolValue else { continue }
                found.append((purpose, granted, "identify"))
            }
            return found
        case .track:
            guard let event = message.event, event == grantedEvent || event == revokedEvent,
                let text = message.properties, let properties = (try? JSONParser.parse(text))?.objectValue,
                let name = properties["purpose"]?.stringValue,
                let purpose = ConsentPurpose.named(name, channel: properties["channel"]?.stringValue)
            else { return [] }
            let source = properties["source"]?.stringValue.flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
            return [(purpose, event == grantedEvent, source ?? "track")]
        default:
            return []
        }
    }
}
