/// The properties and campaigns of the generated events, for the funnel-with-a-filter and ROI
/// benchmarks: each a pure function of the event's index (its position in `events`, the same as
/// its record id in the files) and the seed, so the columns stay as they are and the DuckDB side
/// (`bench/duckdb_insights.py`) computes the same values with NumPy.
///
/// - `category`: one of `eventCategories`, uniform, on every event;
/// - a campaign touch (`context.campaign.name`): one in ten `Product Viewed` and `Page Viewed`
///   events, uniform over `campaigns`.
extension SyntheticData {
    /// The values of the generated `category` property.
    public static let eventCategories = ["书籍", "电子", "服饰", "食品", "美妆", "家居", "母婴", "运动"]
    /// The generated campaigns, `campaign_00` … `campaign_11` (names sort as their indexes).
    public static let campaigns = (0..<12).map { "campaign_" + ($0 < 10 ? "0" : "") + String($0) }

    /// SplitMix64's finalizer of `seed × φ + index`: the randomness of event `index`.
    @inline(__always)
    public static func eventHash(_ index: Int, seed: UInt64) -> UInt64 {
        var z = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The index in `eventCategories` of event `index`'s category.
    @inline(__always)
    public static func eventCategory(_ index: Int, seed: UInt64) -> Int {
        Int(eventHash(index, seed: seed) & 7)
    }

    /// The events that may carry a campaign.
    public static let campaignEventNames: Set<String> = ["Product Viewed", "Page Viewed"]

    /// The index in `campaigns` of the campaign event `index` carries, or nil; only for events
    /// named one of `campaignEventNames` (the caller checks the name).
    @inline(__always)
    public static func eventCampaign(_ index: Int, seed: UInt64) -> Int? {
        let h = eventHash(index, seed: seed)
        guard (h >> 8) % 10 == 0 else { return nil }
        return Int((h >> 16) % UInt64(campaigns.count))
    }
}
