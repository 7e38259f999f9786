import PanoramaCore
import PanoramaEngine
import PanoramaServices

extension InsightJSON {
    /// One ROI row; money as decimal strings, `cost` and `roi` null when no cost is entered.
    static func roiRow(_ r: CampaignROI) -> JSONValue {
        .object([
            "campaign": .string(r.campaign), "source": r.source.map(JSONValue.string) ?? .null,
            "medium": r.medium.map(JSONValue.string) ?? .null, "touches": number(r.touches),
            "buyers": number(r.buyers), "orders": number(r.orders), "revenue": .string(money(r.revenue)),
            "cost": r.cost.map { .string(money($0)) } ?? .null, "roi": r.roi.map(number) ?? .null,
        ])
    }

    /// The ROI report of a period under one attribution model.
    public static func roi(
        _ rows: [CampaignROI], from: Int64, to: Int64, model: AttributionModel, windowDays: Int
    ) -> JSONValue {
        .object([
            "from": day(from), "to": day(to - 1), "model": .string(model.rawValue),
            "window_days": number(windowDays), "data": .array(JSONArray(rows.map(roiRow))),
        ])
    }

    /// The ROI report as CSV, a line per row.
    public static func roiCSV(_ rows: [CampaignROI]) -> String {
        csv(
            ["campaign", "source", "medium", "touches", "buyers", "orders", "revenue", "cost", "roi"],
            rows.map {
                [
                    $0.campaign, $0.source ?? "", $0.medium ?? "", String($0.touches), String($0.buyers),
                    String($0.orders), money($0.revenue), $0.cost.map(money) ?? "", $0.roi.map(format6) ?? "",
                ]
            })
    }
}
