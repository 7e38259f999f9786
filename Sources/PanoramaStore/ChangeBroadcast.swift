/// What one node tells the others sharing its store, so that their in-memory engines follow
/// writes they did not make: customers whose data changed, or a workspace whose audience
/// definitions or manual memberships changed.
public enum ChangeMessage: Sendable, Equatable {
    /// Customers (raw or live ids) whose profile, orders or events changed.
    case customers(workspaceID: Int64, ids: [Int64])
    /// Traits, tags or segments were defined, changed or deleted, or manual members assigned.
    case audiences(workspaceID: Int64)

    /// Longest payload sent in one notification (PostgreSQL allows just under 8,000 bytes).
    public static let maxPayloadBytes = 7_000

    /// Encodes messages from `origin` as notification payloads, splitting long id lists:
    /// `origin c workspace id,id,…` and `origin a workspace`.
    public static func payloads(_ message: ChangeMessage, origin: String) -> [String] {
        switch message {
        case .audiences(let workspaceID):
            return ["\(origin) a \(workspaceID)"]
        case .customers(let workspaceID, let ids):
            let head = "\(origin) c \(workspaceID) "
            var payloads: [String] = []
            var current = head
            for id in ids {
                let text = String(id)
                if current.utf8.count + text.utf8.count + 1 > maxPayloadBytes, current != head {
                    payloads.append(current)
                    current = head
                }
                current += current == head ? text : "," + text
            }
            if current != head { payloads.append(current) }
            return payloads
        }
    }

    /// Decodes a payload; nil when it is malformed. `origin` is the sending node.
    public static func decode(_ payload: String) -> (origin: String, message: ChangeMessage)? {
        let parts = payload.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count >= 3, let workspaceID = Int64(parts[2]) else { return nil }
        let origin = String(parts[0])
        switch parts[1] {
        case "a" where parts.count == 3:
            return (origin, .audiences(workspaceID: workspaceID))
        case "c" where parts.count == 4:
            var ids: [Int64] = []
            for item in parts[3].split(separator: ",") {
                guard let id = Int64(item) else { return nil }
                ids.append(id)
            }
            return (origin, .customers(workspaceID: workspaceID, ids: ids))
        default:
            return nil
        }
    }
}

/// Sends `ChangeMessage`s to the other nodes and hands theirs to a receiver. Best effort: a
/// message lost while a node is disconnected is made good by `lost` (the receiver reloads) and by
/// the hourly recompute.
public protocol ChangeBroadcast: Sendable {
    /// Sends a message to every other node.
    func publish(_ message: ChangeMessage) async
}
