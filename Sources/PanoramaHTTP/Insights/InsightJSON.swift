import PanoramaCore
import PanoramaEngine
import PanoramaServices

/// The JSON and CSV forms of insight results, shared by the REST API and `panorama report`.
public enum InsightJSON {
    static func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
    static func number(_ value: Int64) -> JSONValue { .number(JSONNumber(value)) }
    /// A ratio rounded to six digits (null when not finite).
    static func number(_ value: Double) -> JSONValue {
        JSONNumber((value * 1_000_000).rounded() / 1_000_000).map(JSONValue.number) ?? .null
    }
    static func day(_ day: Int64) -> JSONValue { .string(InsightCalendar.label(ofDay: day)) }

    /// Minor units as a decimal string of major units (`12345` → `"123.45"`).
    public static func money(_ minor: Int64) -> String {
        let sign = minor < 0 ? "-" : ""
        let a = minor.magnitude
        let cents = a % 100
        return "\(sign)\(a / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// One cell of KPIs; money as decimal strings of major units. Without `points` (a group of
    /// an order dimension) the points are null: they belong to customers, not orders.
    public static func kpis(_ v: KPIValues, points: Bool = true) -> JSONValue {
        func p(_ value: Int64) -> JSONValue { points ? number(value) : .null }
        return .object([
            "new_customers": number(v.newCustomers), "active_customers": number(v.activeCustomers),
            "buyers": number(v.buyers), "repeat_buyers": number(v.repeatBuyers), "orders": number(v.orders),
            "gmv": .string(money(v.gmv)), "net_revenue": .string(money(v.netRevenue)),
            "average_order_value": .string(money(v.averageOrderValue)),
            "repurchase_rate": number(v.repurchaseRate),
            "average_lifetime_value": .string(money(v.averageLifetimeValue)),
            "points_issued": p(v.pointsIssued), "points_redeemed": p(v.pointsRedeemed),
            "points_expired": p(v.pointsExpired), "point_earners": p(Int64(v.pointEarners)),
            "point_redeemers": p(Int64(v.pointRedeemers)),
        ])
    }

    /// Relative change from `previous` to `current` of each count and amount (null from zero).
    static func change(_ current: KPIValues, _ previous: KPIValues) -> JSONValue {
        func delta(_ a: Int64, _ b: Int64) -> JSONValue { b == 0 ? .null : number(Double(a - b) / Double(b)) }
        return .object([
            "new_customers": delta(Int64(current.newCustomers), Int64(previous.newCustomers)),
            "active_customers": delta(Int64(current.activeCustomers), Int64(previous.activeCustomers)),
            "buyers": delta(Int64(current.buyers), Int64(previous.buyers)),
            "orders": delta(Int64(current.orders), Int64(previous.orders)),
            "gmv": delta(current.gmv, previous.gmv),
            "net_revenue": delta(current.netRevenue, previous.netRevenue),
            "average_order_value": delta(current.averageOrderValue, previous.averageOrderValue),
            "points_issued": delta(current.pointsIssued, previous.pointsIssued),
            "points_redeemed": delta(current.pointsRedeemed, previous.pointsRedeemed),
        ])
    }

    public static func kpiReport(_ r: KPIReport) -> JSONValue {
        func points(_ v: KPIValues) -> JSONValue {
            .object([
                "issued": number(v.pointsIssued), "redeemed": number(v.pointsRedeemed),
                "expired": number(v.pointsExpired),
            ])
        }
        return .object([
            "from": day(r.from), "to": day(r.to - 1),
            "previous_from": day(2 * r.from - r.to), "previous_to": day(r.from - 1),
            "total": kpis(r.total), "previous": kpis(r.previous), "change": change(r.total, r.previous),
            "points": .object(["current": points(r.total), "previous": points(r.previous)]),
            "series": .array(
                JSONArray(r.series.map { .object(["start": day($0.start), "values": kpis($0.values)]) })),
            "dimension": r.dimension.map { .string($0.name) } ?? .null,
            "points_by_group": .bool(r.pointsByGroup),
            "breakdown": .array(
                JSONArray(
                    r.breakdown.map {
                        .object(["group": .string($0.label), "values": kpis($0.values, points: r.pointsByGroup)])
                    })),
            "members_by_tier": .array(
                JSONArray(
                    r.membersByTier.map { .object(["tier": .string($0.tier), "customers": number($0.customers)]) })),
        ])
    }

    static let kpiColumns = [
        "new_customers", "active_customers", "buyers", "repeat_buyers", "orders", "gmv", "net_revenue",
        "average_order_value", "repurchase_rate", "average_lifetime_value", "points_issued", "points_redeemed",
        "points_expired", "point_earners", "point_redeemers",
    ]

    /// A CSV line's KPI fields; the points fields are empty without `points` (a group of an order
    /// dimension).
    static func kpiFields(_ v: KPIValues, points: Bool = true) -> [String] {
        [
            String(v.newCustomers), String(v.activeCustomers), String(v.buyers), String(v.repeatBuyers),
            String(v.orders), money(v.gmv), money(v.netRevenue), money(v.averageOrderValue),
            String(format6(v.repurchaseRate)), money(v.averageLifetimeValue),
        ]
            + (points
                ? [
                    String(v.pointsIssued), String(v.pointsRedeemed), String(v.pointsExpired), String(v.pointEarners),
                    String(v.pointRedeemers),
                ] : ["", "", "", "", ""])
    }

    static func format6(_ x: Double) -> String {
        let scaled = (x * 1_000_000).rounded() / 1_000_000
        return scaled == scaled.rounded() ? String(Int64(scaled)) : String(scaled)
    }

    /// A CSV table: one line per row, fields quoted where needed (and defused as formulas).
    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(AudienceService.csvText).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// KPIs as CSV: the total, the previous period, each series bucket and each group (a group of
    /// an order dimension leaves the points fields empty: points belong to customers).
    public static func kpiCSV(_ r: KPIReport) -> String {
        var rows: [[String]] = [["total", InsightCalendar.label(ofDay: r.from)] + kpiFields(r.total)]
        rows.append(["previous", InsightCalendar.label(ofDay: 2 * r.from - r.to)] + kpiFields(r.previous))
        for (start, values) in r.series {
            rows.append(["series", InsightCalendar.label(ofDay: start)] + kpiFields(values))
        }
        for (label, values) in r.breakdown {
            rows.append(["group", label] + kpiFields(values, points: r.pointsByGroup))
        }
        return csv(["row", "key"] + kpiColumns, rows)
    }

    public static func rfmReport(_ r: RFMReport) -> JSONValue {
        .object([
            "as_of": day(r.asOf), "buyers": number(r.buyers),
            "matrix": .array(
                JSONArray(
                    r.cells.enumerated().flatMap { ri, row in
                        row.enumerated().map { fi, cell in
                            JSONValue.object([
                                "r": number(ri + 1), "f": number(fi + 1), "customers": number(cell.customers),
                                "average_monetary": .string(money(cell.averageMonetary)),
                            ])
                        }
                    })),
            "segments": .array(JSONArray(r.segments.map(segment))),
        ])
    }

    static func segment(_ s: RFMSegmentSummary) -> JSONValue {
        .object([
            "segment": .string(s.segment.name), "label_zh": .string(s.segment.chineseName),
            "customers": number(s.customers), "revenue": .string(money(s.revenue)),
            "customer_share": number(s.customerShare), "revenue_share": number(s.revenueShare),
        ])
    }

    public static func rfmCSV(_ r: RFMReport) -> String {
        csv(
            ["segment", "label_zh", "customers", "revenue", "customer_share", "revenue_share"],
            r.segments.map {
                [
                    $0.segment.name, $0.segment.chineseName, String($0.customers), money($0.revenue),
                    format6($0.customerShare), format6($0.revenueShare),
                ]
            })
    }

    /// Segment names with "none" (no paid order yet) last, as movement rows and columns.
    static let movementLabels = RFMSegment.allCases.map(\.name) + ["none"]

    public static func rfmMovement(_ m: RFMMovement) -> JSONValue {
        var flows: [JSONValue] = []
        for (a, row) in m.counts.enumerated() {
            for (b, count) in row.enumerated() where count > 0 {
                flows.append(
                    .object([
                        "from_segment": .string(movementLabels[a]), "to_segment": .string(movementLabels[b]),
                        "customers": number(count),
                    ]))
            }
        }
        return .object(["from": day(m.from), "to": day(m.to), "flows": .array(JSONArray(flows))])
    }

    public static func cohorts(_ t: CohortTriangle) -> JSONValue {
        .object([
            "basis": .string(t.basis.rawValue), "first_month": .string(InsightCalendar.label(ofMonth: t.firstMonth)),
            "months": number(t.months),
            "cohorts": .array(
                JSONArray(
                    t.cohorts.map { c in
                        .object([
                            "month": .string(InsightCalendar.label(ofMonth: c.month)), "customers": number(c.customers),
                            "active": .array(JSONArray(c.active.map(number))),
                            "retention": .array(JSONArray(c.retention.map(number))),
                            "revenue": .array(JSONArray(c.revenue.map { .string(money($0)) })),
                        ])
                    })),
        ])
    }

    /// The triangle as CSV: per cohort and month since, active customers, retention, revenue.
    public static func cohortCSV(_ t: CohortTriangle) -> String {
        var rows: [[String]] = []
        for c in t.cohorts {
            for (k, active) in c.active.enumerated() {
                rows.append([
                    InsightCalendar.label(ofMonth: c.month), String(c.customers), String(k), String(active),
                    format6(c.retention[k]), money(c.revenue[k]),
                ])
            }
        }
        return csv(["cohort", "customers", "month_offset", "active", "retention", "revenue"], rows)
    }

    public static func funnel(_ f: FunnelReport) -> JSONValue {
        .object([
            "steps": .array(
                JSONArray(
                    f.steps.indices.map { i in
                        .object([
                            "event": .string(f.steps[i]),
                            "where": .array(JSONArray((i < f.conditions.count ? f.conditions[i] : []).map(\.json))),
                            "customers": number(f.counts[i]),
                            "conversion": number(f.conversion[i]), "step_conversion": number(f.stepConversion[i]),
                        ])
                    })),
            "window_days": number(f.windowDays),
            "dimension": f.dimension.map { .string($0.name) } ?? .null,
            "breakdown": .array(
                JSONArray(
                    f.breakdown.map {
                        .object(["group": .string($0.label), "customers": .array(JSONArray($0.counts.map(number)))])
                    })),
        ])
    }

    static func distribution(_ d: RepurchaseDistribution) -> JSONValue {
        .object([
            "category": d.label.map(JSONValue.string) ?? .null, "intervals": number(d.intervals),
            "customers": number(d.customers), "mean_days": number(d.meanDays), "p25_days": number(d.p25),
            "median_days": number(d.median), "p75_days": number(d.p75), "p90_days": number(d.p90),
            "buckets": .array(
                JSONArray(
                    zip(RepurchaseAnalysis.bucketLabels, d.buckets).map {
                        .object(["days": .string($0), "intervals": number($1)])
                    })),
        ])
    }

    public static func repurchase(_ overall: RepurchaseDistribution, _ categories: [RepurchaseDistribution])
        -> JSONValue
    {
        .object(["overall": distribution(overall), "categories": .array(JSONArray(categories.map(distribution)))])
    }

    static func rule(_ r: BasketRule) -> JSONValue {
        .object([
            "antecedent": .array(JSONArray(r.antecedent.map(JSONValue.string))), "consequent": .string(r.consequent),
            "orders": number(r.orders), "support": number(r.support), "confidence": number(r.confidence),
            "lift": number(r.lift),
        ])
    }

    public static func basket(orders: Int, rules: [BasketRule]) -> JSONValue {
        .object(["orders": number(orders), "rules": .array(JSONArray(rules.map(rule)))])
    }

    public static func basketCSV(_ rules: [BasketRule]) -> String {
        csv(
            ["antecedent", "consequent", "orders", "support", "confidence", "lift"],
            rules.map {
                [
                    $0.antecedent.joined(separator: "+"), $0.consequent, String($0.orders), format6($0.support),
                    format6($0.confidence), format6($0.lift),
                ]
            })
    }

    public static func models(_ s: CLVScores) -> JSONValue {
        .object([
            "bgnbd": .object([
                "r": number(s.frequency.r), "alpha": number(s.frequency.alpha), "a": number(s.frequency.a),
                "b": number(s.frequency.b),
            ]),
            "gamma_gamma": .object(["p": number(s.spend.p), "q": number(s.spend.q), "gamma": number(s.spend.gamma)]),
            "buyers": number(s.buyers), "repeat_buyers": number(s.repeatBuyers),
            "churn_horizon_days": number(s.churnHorizonDays),
        ])
    }

    /// The logistic churn model: its features, standardisation, weights and training set.
    public static func churnModel(_ m: ChurnModel) -> JSONValue {
        let r = m.regression
        return .object([
            "features": .array(JSONArray(ChurnModel.featureNames.map(JSONValue.string))),
            "intercept": number(r.weights[0]),
            "weights": .array(JSONArray(r.weights.dropFirst().map(number))),
            "means": .array(JSONArray(r.means.map(number))), "scales": .array(JSONArray(r.scales.map(number))),
            "training_buyers": number(m.trainingBuyers), "training_churned": number(m.trainingChurned),
            "horizon_days": number(m.horizonDays),
        ])
    }

    /// One buyer's predictions; `churnModel` is the logistic model's P(no purchase in the horizon).
    public static func prediction(id: Int64, _ p: CustomerPrediction, churnModel: Double? = nil) -> JSONValue {
        .object([
            "customer_id": number(id), "p_alive": number(p.probabilityAlive), "churn_risk": number(p.churnRisk),
            "churn_model": churnModel.map(number) ?? .null,
            "expected_purchases_90d": number(p.expectedPurchases90d),
            "expected_spend_90d": .string(money(p.expectedSpend90d)), "predicted_clv": .string(money(p.predictedCLV)),
            "next_purchase_date": p.nextPurchaseDay.map(day) ?? .null,
        ])
    }

    /// What a predictions run did: the models (null without a buyer) and each predictive tag.
    public static func predictionRun(
        models: (frequency: BGNBD, spend: GammaGamma)?, tags: [(name: String, rule: String, size: Int)]
    ) -> JSONValue {
        .object([
            "bgnbd": models.map { m in
                .object([
                    "r": number(m.frequency.r), "alpha": number(m.frequency.alpha), "a": number(m.frequency.a),
                    "b": number(m.frequency.b),
                ])
            } ?? .null,
            "gamma_gamma": models.map { m in
                .object(["p": number(m.spend.p), "q": number(m.spend.q), "gamma": number(m.spend.gamma)])
            } ?? .null,
            "traits": .array(
                JSONArray(
                    ["p_alive", "churn_risk", "predicted_clv", "expected_spend_90d", "next_purchase_date"].map(
                        JSONValue.string))),
            "tags": .array(
                JSONArray(
                    tags.map { .object(["name": .string($0.name), "rule": .string($0.rule), "size": number($0.size)]) })
            ),
        ])
    }
}
