import PanoramaCore
import PanoramaEngine
import PanoramaServices
import Testing

@testable import PanoramaStore

/// Funnel steps filtered on event properties, over a real store (encrypted at rest, as every
/// service test), and the `events.campaign` column the ROI report reads: filled at ingest and
/// backfilled by the migration with the same rule as `EventCampaign`.
extension InsightsServiceTests {
    /// View / Buy events (local days are the UTC days: 02:00Z is 10:00 in Shanghai):
    /// - u1: View {product.category 书籍, price 30, email a@x.cn} 09-02, Buy {category 书籍, total 120} 09-03
    /// - u2: View {product.category 电子, price 900} 09-04, Buy {category 电子, total 900} 09-05
    /// - u3: View {product.category 书籍, price 15} 09-06, Buy {电子, 50} 09-07, Buy {书籍, 60} 09-20 (past 7 days)
    /// - u4: View {tags [sale, new]} 09-08
    /// - u5: View {product.category 书籍} 09-10 as anonymous a5 (a profile of its own), Buy {书籍, 100}
    ///   09-11 as u5; then a5 and u5 are merged, so both events are u5's.
    func viewsAndBuys(_ h: Harness) async throws {
        func track(_ who: String, _ event: String, _ day: String, _ properties: String) async throws {
            try await h.send(
                #"{\#(who), "event": "\#(event)", "timestamp": "2026-09-\#(day)T02:00:00Z", "properties": \#(properties)}"#,
                to: .track)
        }
        try await track(
            #""userId": "u1""#, "View", "02", #"{"product": {"category": "书籍"}, "price": 30, "email": "a@x.cn"}"#)
        try await track(#""userId": "u1""#, "Buy", "03", #"{"category": "书籍", "total": 120}"#)
        try await track(#""userId": "u2""#, "View", "04", #"{"product": {"category": "电子"}, "price": 900}"#)
        try await track(#""userId": "u2""#, "Buy", "05", #"{"category": "电子", "total": 900}"#)
        try await track(#""userId": "u3""#, "View", "06", #"{"product": {"category": "书籍"}, "price": 15}"#)
        try await track(#""userId": "u3""#, "Buy", "07", #"{"category": "电子", "total": 50}"#)
        try await track(#""userId": "u3""#, "Buy", "20", #"{"category": "书籍", "total": 60}"#)
        try await track(#""userId": "u4""#, "View", "08", #"{"tags": ["sale", "new"]}"#)
        try await track(#""anonymousId": "a5""#, "View", "10", #"{"product": {"category": "书籍"}}"#)
        try await track(#""userId": "u5""#, "Buy", "11", #"{"category": "书籍", "total": 100}"#)
        try await h.send(#"{"userId": "u5", "anonymousId": "a5", "traits": {}}"#, to: .identify)
        try await h.services.audiences.flush()
    }

    /// A step from its JSON text.
    static func step(_ json: String) throws -> FunnelStep { try FunnelStep(json: try JSONParser.parse(json)) }

    @Test func funnelStepsFilterOnEventProperties() async throws {
        try await Harness.run { h in
            try await viewsAndBuys(h)
            let insights = h.services.insights
            let w = h.workspaceID
            let (from, to) = Self.september
            func counts(_ steps: [String]) async throws -> [Int] {
                try await insights.funnel(
                    workspaceID: w, steps: try steps.map(Self.step), from: from, to: to, windowDays: 7, breakdown: nil,
                    scope: .all
                ).counts
            }
            // Unfiltered: all five viewed; u1, u2, u3 (09-07) and u5 bought within 7 days.
            #expect(try await counts([#""View""#, #""Buy""#]) == [5, 4])
            // Books on both steps: u1 and u5 (its view recorded on the merged anonymous profile);
            // u3's book purchase is 14 days after the view.
            let books = #"[{"property": "category", "op": "eq", "value": "书籍"}]"#
            let viewBooks =
                #"{"event": "View", "where": [{"property": "product.category", "op": "eq", "value": "书籍"}]}"#
            #expect(try await counts([viewBooks, #"{"event": "Buy", "where": \#(books)}"#]) == [3, 2])
            // A numeric threshold on the second step only: u1 (120), u2 (900), u5 (100).
            #expect(
                try await counts([
                    #""View""#, #"{"event": "Buy", "where": [{"property": "total", "op": "gte", "value": 100}]}"#,
                ])
                    == [5, 3])
            #expect(
                try await counts([
                    #""View""#, #"{"event": "Buy", "where": [{"property": "total", "op": "gt", "value": 100}]}"#,
                ])
                    == [5, 2])
            func views(_ condition: String) async throws -> Int {
                try await counts([#"{"event": "View", "where": [\#(condition)]}"#])[0]
            }
            #expect(try await views(#"{"property": "tags", "op": "contains", "value": "sale"}"#) == 1)
            #expect(try await views(#"{"property": "price", "op": "exists", "value": false}"#) == 2)
            #expect(try await views(#"{"property": "price", "op": "exists"}"#) == 3)
            #expect(try await views(#"{"property": "product.category", "op": "in", "value": ["书籍", "电子"]}"#) == 4)
            #expect(try await views(#"{"property": "product.category", "op": "neq", "value": "书籍"}"#) == 2)
            #expect(try await views(#"{"property": "price", "op": "lt", "value": 30}"#) == 1)
            #expect(try await views(#"{"property": "price", "op": "lte", "value": 30}"#) == 2)
            // A personal member, sealed at rest, matches its clear value.
            #expect(try await views(#"{"property": "email", "op": "eq", "value": "a@x.cn"}"#) == 1)
            #expect(try await views(#"{"property": "email", "op": "contains", "value": "@x."}"#) == 1)
            // Two conditions on one step both hold.
            #expect(
                try await views(
                    #"{"property": "product.category", "op": "eq", "value": "书籍"}, {"property": "price", "op": "gte", "value": 20}"#
                ) == 1)
            // The drop-off of the filtered funnel: u3 viewed books and bought none in the window.
            let dropped = try await insights.funnelDropOff(
                workspaceID: w,
                steps: [try Self.step(viewBooks), try Self.step(#"{"event": "Buy", "where": \#(books)}"#)],
                from: from, to: to, windowDays: 7, step: 1, scope: .all)
            #expect(dropped == [try await id(h, "u3")])
            // The report keeps each step's conditions.
            let report = try await insights.funnel(
                workspaceID: w, steps: [try Self.step(viewBooks)], from: from, to: to, windowDays: 7, breakdown: nil,
                scope: .all)
            #expect(report.conditions.map(\.count) == [1] && report.conditions[0][0].path == ["product", "category"])
        }
    }

    /// Raw events as an older Panorama stored them (no campaign column filled), then the
    /// migration's backfill: it must give each event the campaign `EventCampaign.name` gives
    /// (the rule ingest applies), and the ROI report must count the backfilled touches.
    @Test func theCampaignBackfillAgreesWithTheIngestRule() async throws {
        try await Harness.run { h in
            try await h.send(#"{"userId": "u1", "traits": {}}"#, to: .identify)
            let customer = try await id(h, "u1")
            let store = try #require(h.services.store as? any SQLStore)
            let cases: [(type: String, context: String?, properties: String?)] = [
                ("page", #"{"campaign":{"name":"legacy","source":"baidu","medium":"cpc"}}"#, nil),
                ("track", nil, #"{"utm_campaign":"双十一","utm_source":"weibo"}"#),
                ("track", #"{"campaign":{"name":""}}"#, #"{"utm_campaign":"x"}"#),
                ("screen", #"{"campaign":{"name":5,"source":"only-source"}}"#, nil),
                ("identify", #"{"campaign":{"name":"not-a-touch"}}"#, nil),
                ("page", #"{"campaign":"flat"}"#, nil),
                ("track", nil, #"{"utm_campaign":["a"],"utm_source":"s2"}"#),
                ("track", nil, #"{"note":"\"utm_campaign\" in a value"}"#),
                ("track", nil, #"["utm"]"#),
                ("track", #"{"campaign":{"source":"ctx-source"}}"#, #"{"utm_campaign":"props-name"}"#),
                ("page", #"{"ip":"1.2.3.4"}"#, #"{"title":"no campaign"}"#),
                // An escaped U+0000 elsewhere in the document (PostgreSQL's JSON operators refuse it).
                ("page", #"{"campaign":{"name":"nul"},"note":"a\u0000b","path":"C:\\u0000"}"#, nil),
            ]
            let at: Int64 = 1_788_400_000_000  // 2026-09-03 02:13 UTC
            for (index, c) in cases.enumerated() {
                var q = store.sql(
                    "INSERT INTO events(workspace_id, customer_id, message_id, type, timestamp, received_at, context, properties) VALUES ("
                )
                q.bind(h.workspaceID)
                q.append(", ")
                q.bind(customer)
                q.append(", ")
                q.bind("legacy-\(index)")
                q.append(", ")
                q.bind(c.type)
                q.append(", ")
                q.bind(at + Int64(index))
                q.append(", ")
                q.bind(at)
                q.append(", ")
                q.bind(c.context)
                q.append(", ")
                q.bind(c.properties)
                q.append(")")
                try await store.run(q.query)
            }
            // Ingest filled the column; clear it to stand for events stored before the migration.
            try await store.run(store.sql("UPDATE events SET campaign = NULL").query)
            let migrations = store.dialect == .postgres ? PostgresSchema.migrations : SQLiteSchema.migrations
            let migration = try #require(migrations.first { $0.name == "v_insights_2_event_campaign" })
            let backfill = try #require(
                migration.sql.split(separator: ";").map { String($0).trimmingWhitespace }.first {
                    $0.hasPrefix("UPDATE")
                })
            try await store.run(store.sql(String(backfill)).query)
            var read = store.sql(
                "SELECT message_id, campaign FROM events WHERE message_id LIKE 'legacy-%' AND workspace_id = ")
            read.bind(h.workspaceID)
            let stored = Dictionary(
                uniqueKeysWithValues: try await store.fetch(read.query) { (try $0.text(0), try $0.optionalText(1)) })
            for (index, c) in cases.enumerated() {
                let expected = EventCampaign.name(
                    type: MessageType(rawValue: c.type)!, context: c.context, properties: c.properties)
                #expect(stored["legacy-\(index)"] == .some(expected), "case \(index): \(c)")
            }
            #expect(
                cases.enumerated().map {
                    EventCampaign.name(
                        type: MessageType(rawValue: $1.type)!, context: $1.context, properties: $1.properties)
                }
                    == ["legacy", "双十一", nil, "only-source", nil, nil, "s2", nil, nil, "props-name", nil, "nul"])
            // The ROI report reads the backfilled touches through the column.
            let (from, to) = Self.september
            let rows = try await h.services.insights.roi(
                workspaceID: h.workspaceID, from: from, to: to, model: .lastTouch, windowDays: 30, scope: .all)
            let touches = Dictionary(rows.map { ($0.campaign, $0.touches) }, uniquingKeysWith: +)
            #expect(touches == ["legacy": 1, "双十一": 1, "only-source": 1, "s2": 1, "props-name": 1, "nul": 1])
        }
    }
}

extension PostgresInsightsServiceTests {
    @Test func funnelStepsFilterOnEventProperties() async throws {
        try await on { try await tests.funnelStepsFilterOnEventProperties() }
    }
    @Test func theCampaignBackfillAgreesWithTheIngestRule() async throws {
        try await on { try await tests.theCampaignBackfillAgreesWithTheIngestRule() }
    }
}
