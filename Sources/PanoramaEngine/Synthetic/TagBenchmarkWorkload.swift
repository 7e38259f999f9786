import PanoramaCore

/// The tag-engine workload on `SyntheticData`, defined once for the engine benchmark and
/// mirrored in SQL by `bench/duckdb_tags.py` (keep the two in step).
///
/// It adapts the DuckDB workload of the engine issue (shared/bench/duckdb_workload.py):
/// W1 computes the 20 `traits`, W2 evaluates the 20 rule `tags` and RFM scores, W3 counts the
/// 10 `segments` and previews the first 100 members of the first one. Money in rules is in
/// yuan (decimal); the traits are in the engine's encodings.
public enum TagBenchmarkWorkload {
    /// W1: the computed traits, over paid orders unless a filter says otherwise.
    public static let traits: [TraitDefinition] = [
        TraitDefinition(name: "order_count", aggregation: .count),
        TraitDefinition(name: "total_spend", aggregation: .sum, field: .amount),
        TraitDefinition(name: "spend_30d", aggregation: .sum, field: .amount, windowDays: 30),
        TraitDefinition(name: "spend_90d", aggregation: .sum, field: .amount, windowDays: 90),
        TraitDefinition(name: "spend_365d", aggregation: .sum, field: .amount, windowDays: 365),
        TraitDefinition(name: "orders_30d", aggregation: .count, windowDays: 30),
        TraitDefinition(name: "orders_90d", aggregation: .count, windowDays: 90),
        TraitDefinition(name: "orders_365d", aggregation: .count, windowDays: 365),
        TraitDefinition(
            name: "refund_count", aggregation: .count, filter: TraitDefinition.Filter(status: .refunded)),
        TraitDefinition(name: "days_since_first_order", aggregation: .daysSinceFirst),
        TraitDefinition(name: "days_since_last_order", aggregation: .daysSinceLast),
        TraitDefinition(name: "avg_order_value", aggregation: .avg, field: .amount),
        TraitDefinition(name: "max_order_amount", aggregation: .max, field: .amount),
        TraitDefinition(name: "distinct_channels", aggregation: .distinctCount, field: .channel),
        TraitDefinition(name: "last_channel", aggregation: .last, field: .channel),
        TraitDefinition(name: "items_bought", aggregation: .sum, field: .items),
        TraitDefinition(name: "first_store", aggregation: .first, field: .store),
        TraitDefinition(
            name: "store_orders_365d", aggregation: .count, windowDays: 365,
            filter: TraitDefinition.Filter(channel: "store")),
        TraitDefinition(name: "events_7d", source: .events, aggregation: .count, windowDays: 7),
        TraitDefinition(
            name: "product_views_30d", source: .events, aggregation: .count, windowDays: 30,
            filter: TraitDefinition.Filter(event: "Product Viewed")),
    ]

    /// The ten most frequent cities (the shared workload's `city <= 10`).
    static var topCities: String { list(SyntheticData.cities[0..<10]) }
    /// Cities ranked 11–50 (the shared workload's `city BETWEEN 11 AND 50`).
    static var secondTierCities: String { list(SyntheticData.cities[10..<50]) }

    private static func list(_ names: ArraySlice<String>) -> String {
        "(" + names.map { "'\($0)'" }.joined(separator: ", ") + ")"
    }

    /// W2: rule tags as (name, rule); the comment names the shared workload's tag.
    public static let tags: [(name: String, rule: String)] = [
        ("frequent_30d", "orders_30d >= 3"),  // t1
        ("big_spender", "total_spend > 3000"),  // t2: 2 × mean spend, fixed
        ("top_city", "city IN \(topCities)"),  // t3
        ("dormant_180d", "days_since_last_order > 180"),  // t4
        ("female_spender_90d", "gender = 'female' AND spend_90d > 500"),  // t5
        ("never_bought", "order_count = 0"),  // t6
        ("loyal_10_orders", "order_count >= 10"),  // t7
        ("has_refund", "refund_count > 0"),  // t8
        ("high_value_365d", "spend_365d > 2000"),  // t9
        ("born_1990s_or_later", "birth_date >= DATE '1990-01-01'"),  // t10
        ("born_before_1970", "birth_date < DATE '1970-01-01'"),  // t11
        ("lapsed_90d", "orders_90d = 0 AND order_count > 0"),  // t12
        ("signed_up_30d", "days_since(signup_at) <= 30"),  // t13
        ("new_buyer_90d", "days_since_first_order <= 90"),  // t14
        ("spend_30d_300", "spend_30d > 300"),  // t15
        ("high_aov", "avg_order_value > 300"),  // t16
        ("regular_365d", "orders_365d >= 4"),  // t17
        ("second_tier_city", "city IN \(secondTierCities)"),  // t18
        ("male_repeat_365d", "gender = 'male' AND orders_365d >= 2"),  // t19
        ("active_30d", "days_since_last_order <= 30"),  // t20
    ]

    /// W3: segments as (name, rule) over the tags and RFM scores (R 5 = most recent).
    public static let segments: [(name: String, rule: String)] = [
        ("s1_frequent_top_city", "tag('frequent_30d') AND tag('top_city')"),
        ("s2_valuable", "tag('big_spender') OR tag('high_value_365d')"),
        ("s3_dormant_or_regular", "(tag('dormant_180d') AND NOT tag('has_refund')) OR tag('regular_365d')"),
        ("s4_female_top_city", "tag('female_spender_90d') AND tag('top_city') AND NOT tag('never_bought')"),
        ("s5_recent_champions_top_city", "rfm_r >= 4 AND rfm_f >= 4 AND rfm_m >= 4 AND tag('top_city')"),
        (
            "s6_age_band_active",
            "(tag('born_1990s_or_later') OR tag('born_before_1970')) AND NOT tag('lapsed_90d') AND tag('active_30d')"
        ),
        (
            "s7_loyal_high_value",
            "tag('loyal_10_orders') AND tag('high_value_365d') AND tag('high_aov') AND NOT tag('has_refund') AND tag('top_city')"
        ),
        (
            "s8_new_people",
            "tag('signed_up_30d') OR tag('new_buyer_90d') OR (tag('spend_30d_300') AND tag('male_repeat_365d'))"
        ),
        ("s9_active_second_tier", "NOT tag('never_bought') AND NOT tag('dormant_180d') AND tag('second_tier_city')"),
        (
            "s10_best_recent",
            "rfm_r = 5 AND rfm_f = 5 AND (tag('top_city') OR tag('second_tier_city')) AND NOT tag('has_refund')"
        ),
    ]

    /// How many members the preview step lists (of the first segment, by row).
    public static let previewSize = 100
}
