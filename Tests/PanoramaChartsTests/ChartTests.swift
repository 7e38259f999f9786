import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
import Testing

@testable import PanoramaCharts

/// The SVG charts: well-formed XML, accessible names, geometry proportional to the values,
/// escaping of labels, links for drill-down.
@Suite struct ChartTests {
    /// Parses the document as XML; a malformed one fails the test.
    func parse(_ svg: String) throws -> XMLDocument {
        try XMLDocument(xmlString: svg, options: [])
    }

    /// The elements named `name` (the chart writes no nested elements of one name): their attributes.
    func elements(_ name: String, in svg: String) throws -> [[String: String]] {
        let element = try Regex("<\(name)\\b([^>]*)>")
        let attribute = try Regex(#"([a-z-]+)="([^"]*)""#)
        return svg.matches(of: element).map { match in
            var out: [String: String] = [:]
            let text = String(match.output[1].substring ?? "")
            for a in text.matches(of: attribute) {
                out[String(a.output[1].substring ?? "")] = String(a.output[2].substring ?? "")
            }
            return out
        }
    }

    @Test func barLengthsAreProportionalAndLabelsEscaped() throws {
        // Given two bars, one twice the other, and a label with markup characters
        let chart = BarChart(
            id: "c1", title: "按渠道 <orders>", description: "orders by channel",
            bars: [
                ChartBar(label: "online & app", value: 200, display: "200", link: "/app/customers?rule=a%20%3D%201"),
                ChartBar(label: "store", value: 100),
            ])
        // When rendered
        let svg = chart.render()
        _ = try parse(svg)
        // Then the widths are in ratio 2:1, the title is escaped, and the first bar links
        let widths = try elements("rect", in: svg).compactMap { Double($0["width"] ?? "") }
        try #require(widths.count == 2)
        #expect(abs(widths[0] - 2 * widths[1]) < 0.2)
        #expect(svg.contains("按渠道 &lt;orders&gt;"))
        #expect(svg.contains("online &amp; app"))
        let links = try elements("a", in: svg)
        #expect(links.count == 1)
        #expect(links.first?["href"] == "/app/customers?rule=a%20%3D%201")
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("aria-labelledby=\"c1-title c1-desc\""))
    }

    @Test func emptyBarChartIsStillAValidDocument() throws {
        let svg = BarChart(id: "e", title: "t", description: "d", bars: []).render()
        _ = try parse(svg)
        #expect(!svg.contains("<rect"))
    }

    @Test func lineChartPointsFollowValues() throws {
        // Given a series rising from 0 to 100 over three days and a dashed comparison
        var chart = LineChart(
            id: "l", title: "Revenue", description: "daily revenue", labels: ["1", "2", "3"],
            series: [ChartSeries(name: "now", values: [0, 50, 100]), ChartSeries(name: "before", values: [10, 10, 10], dashed: true)])
        chart.format = { "\(Int($0))" }
        let svg = chart.render()
        _ = try parse(svg)
        let lines = try elements("polyline", in: svg)
        try #require(lines.count == 2)
        let points = (lines[0]["points"] ?? "").split(separator: " ").map {
            $0.split(separator: ",").compactMap { Double($0) }
        }
        try #require(points.count == 3 && points.allSatisfy { $0.count == 2 })
        // y decreases as the value rises; the middle point is halfway
        #expect(points[0][1] > points[1][1] && points[1][1] > points[2][1])
        #expect(abs((points[0][1] + points[2][1]) / 2 - points[1][1]) < 0.2)
        #expect(lines[1]["stroke-dasharray"] != nil)
        #expect(svg.contains(">100<"))
    }

    @Test func axisLabelsAreSpacedAndEndOnTheLastPoint() {
        #expect(LineChart.labelIndices(count: 5) == [0, 1, 2, 3, 4])
        #expect(LineChart.labelIndices(count: 30) == [0, 4, 8, 12, 16, 20, 24, 29])
        #expect(LineChart.labelIndices(count: 0) == [])
        for n in 1...120 {
            let shown = LineChart.labelIndices(count: n)
            #expect(shown.last == n - 1 && shown.count <= 9)
            // No two labels closer than half the regular spacing.
            let every = max(1, Int((Double(n) / 8).rounded(.up)))
            for (a, b) in zip(shown, shown.dropFirst()) { #expect(Double(b - a) >= Double(every) * 0.5, "\(n): \(shown)") }
        }
    }

    @Test func ticksAreRoundAndCoverTheMaximum() {
        #expect(SVG.ticks(maximum: 87) == [0, 50, 100])
        #expect(SVG.ticks(maximum: 60) == [0, 20, 40, 60])
        #expect(SVG.ticks(maximum: 1000) == [0, 250, 500, 750, 1000] || SVG.ticks(maximum: 1000).last! >= 1000)
        #expect(SVG.ticks(maximum: 0) == [0, 1])
        for m in [1.0, 3, 7.5, 123, 99_999, 1_234_567] {
            let t = SVG.ticks(maximum: m)
            #expect(t.first == 0)
            #expect(t.last! >= m)
            #expect(t.count <= 7)
        }
    }

    @Test func heatMapColoursByValueAndLinksCells() throws {
        // Given a 2×2 matrix with one missing cell
        var map = HeatMap(
            id: "h", title: "RFM", description: "customers by R and F", rowLabels: ["R5", "R1"],
            columnLabels: ["F1", "F5"], values: [[1, 100], [50, nil]])
        map.link = { r, c in "/app/customers?r=\(r)&c=\(c)" }
        let svg = map.render()
        _ = try parse(svg)
        let cells = try elements("rect", in: svg)
        // Then three cells are drawn, the largest value darkest, and each links
        #expect(cells.count == 3)
        #expect(cells.compactMap { $0["class"] } == ["heat heat-0", "heat heat-9", "heat heat-4"])
        #expect(try elements("a", in: svg).count == 3)
        #expect(svg.contains("r=0&amp;c=1"))
    }

    @Test func levelsSpanTheRange() {
        #expect(HeatMap.level(0, minimum: 0, maximum: 10) == 0)
        #expect(HeatMap.level(10, minimum: 0, maximum: 10) == 9)
        #expect(HeatMap.level(5, minimum: 0, maximum: 10) == 5)
        #expect(HeatMap.level(3, minimum: 3, maximum: 3) == 9)
    }
}
