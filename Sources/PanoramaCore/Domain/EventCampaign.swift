/// The campaign an event carries, one rule for attribution (`CampaignTouch`) and for the
/// `events.campaign` column the stores fill at ingest (and the migration that backfilled it).
public enum EventCampaign {
    /// The event types that may carry a campaign touch.
    public static let types: Set<MessageType> = [.page, .screen, .track]

    /// The campaign of an event's context and properties: `context.campaign.name` (else
    /// `properties.utm_campaign`), with its source and medium; the name falls back to the
    /// source; nil without a campaign name or source. A member that is not a string counts as
    /// absent; an empty string as no value (without falling back).
    public static func campaign(context: JSONValue?, properties: JSONValue?) -> (
        name: String, source: String?, medium: String?
    )? {
        let segment = context?["campaign"]
        func value(_ key: String, _ utm: String) -> String? {
            let text = segment?[key]?.stringValue ?? properties?[utm]?.stringValue
            return text.flatMap { $0.isEmpty ? nil : $0 }
        }
        let source = value("source", "utm_source")
        let medium = value("medium", "utm_medium")
        guard let name = value("name", "utm_campaign") ?? source else { return nil }
        return (name, source, medium)
    }

    /// The campaign name of a stored event (its JSON texts), as the `campaign` column holds it.
    /// Texts that cannot mention a campaign are not parsed: this runs on every ingested event.
    public static func name(type: MessageType, context: String?, properties: String?) -> String? {
        guard types.contains(type) else { return nil }
        let inContext = context?.contains("\"campaign\"") ?? false
        let inProperties = properties?.contains("\"utm") ?? false
        guard inContext || inProperties else { return nil }
        let parsedContext = inContext ? context.flatMap { try? JSONParser.parse($0) } : nil
        let parsedProperties = inProperties ? properties.flatMap { try? JSONParser.parse($0) } : nil
        return campaign(context: parsedContext, properties: parsedProperties)?.name
    }
}
