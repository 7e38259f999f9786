import PanoramaCore

extension AudienceService {
    /// What rules of a workspace can read now: attributes and computed traits with their types,
    /// tags and segments (the console's condition builder offers these).
    public func ruleSchema(workspaceID: Int64) async throws -> RuleSchema {
        try await engine(workspaceID).schema
    }
}
