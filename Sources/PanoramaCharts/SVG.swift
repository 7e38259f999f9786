/// Small helpers shared by the charts: escaping, number formatting, the accessible frame.
public enum SVG {
    /// Text escaped for XML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A coordinate with at most one decimal, no trailing ".0" (smaller documents, stable output).
    static func n(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }

    /// The opening `<svg>` with its `<title>` and `<desc>`, labelled for screen readers.
    static func open(id: String, width: Double, height: Double, title: String, description: String) -> String {
        let id = escape(id)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(n(width)) \(n(height))\" "
            + "role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" preserveAspectRatio=\"xMidYMid meet\">"
            + "<title id=\"\(id)-title\">\(escape(title))</title><desc id=\"\(id)-desc\">\(escape(description))</desc>"
    }

    /// About how wide a text is at the charts' 12 px: wide (CJK) characters count double.
    public static func textWidth(_ text: String) -> Double {
        text.unicodeScalars.reduce(0) { $0 + ($1.value < 0x1100 ? 7 : 12.5) }
    }

    /// "Nice" axis ticks from 0 to at least `maximum` (1, 2 or 5 times a power of ten).
    public static func ticks(maximum: Double, count: Int = 4) -> [Double] {
        guard maximum > 0, maximum.isFinite, count > 0 else { return [0, 1] }
        let rough = maximum / Double(count)
        var power = 1.0
        while power * 10 <= rough { power *= 10 }
        while power > rough { power /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? power * 10
        var out: [Double] = []
        var v = 0.0
        while true {
            out.append(v)
            if v >= maximum { break }
            v += step
        }
        return out
    }
}

/// One labelled value of a bar chart; `link` makes the bar a link (drill-down to the customers behind it).
public struct ChartBar: Sendable, Equatable {
    public var label: String
    public var value: Double
    /// The value as people read it (`1.2万`, `¥3,400`); the chart shows it beside the bar.
    public var display: String
    public var link: String?

    public init(label: String, value: Double, display: String? = nil, link: String? = nil) {
        self.label = label
        self.value = value
        self.display = display ?? SVG.n(value)
        self.link = link
    }
}

/// A horizontal bar chart: one row per bar, label on the left, value on the right.
public struct BarChart: Sendable {
    public var id: String
    public var title: String
    public var description: String
    public var bars: [ChartBar]
    public var width: Double = 640
    public var rowHeight: Double = 28
    public var labelWidth: Double = 150

    public init(id: String, title: String, description: String, bars: [ChartBar]) {
        self.id = id
        self.title = title
        self.description = description
        self.bars = bars
    }

    /// The SVG document (inline in HTML).
    public func render() -> String {
        let top = 8.0
        let height = top * 2 + rowHeight * Double(max(bars.count, 1))
        let valueWidth = 90.0
        let plot = max(10, width - labelWidth - valueWidth)
        let maximum = bars.map(\.value).max() ?? 0
        var s = SVG.open(id: id, width: width, height: height, title: title, description: description)
        if bars.isEmpty {
            s += "<text x=\"\(SVG.n(width / 2))\" y=\"\(SVG.n(height / 2 + 4))\" text-anchor=\"middle\" class=\"chart-empty\">–</text>"
        }
        for (i, bar) in bars.enumerated() {
            let y = top + Double(i) * rowHeight
            let length = maximum > 0 ? max(0, bar.value) / maximum * plot : 0
            var row = "<g class=\"bar\">"
            row += "<text x=\"\(SVG.n(labelWidth - 8))\" y=\"\(SVG.n(y + rowHeight / 2 + 4))\" text-anchor=\"end\" class=\"chart-label\">\(SVG.escape(bar.label))</text>"
            row += "<rect x=\"\(SVG.n(labelWidth))\" y=\"\(SVG.n(y + 4))\" width=\"\(SVG.n(length))\" height=\"\(SVG.n(rowHeight - 8))\" rx=\"3\" class=\"chart-bar\"><title>\(SVG.escape(bar.label)): \(SVG.escape(bar.display))</title></rect>"
            row += "<text x=\"\(SVG.n(labelWidth + length + 6))\" y=\"\(SVG.n(y + rowHeight / 2 + 4))\" class=\"chart-value\">\(SVG.escape(bar.display))</text>"
            row += "</g>"
            if let link = bar.link {
                s += "<a href=\"\(SVG.escape(link))\" aria-label=\"\(SVG.escape(bar.label)): \(SVG.escape(bar.display))\">\(row)</a>"
            } else {
                s += row
            }
        }
        return s + "</svg>"
    }
}

/// One series of a line chart.
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var values: [Double]
    /// Drawn dashed (the comparison period).
    public var dashed: Bool

    public init(name: String, values: [Double], dashed: Bool = false) {
        self.name = name
        self.values = values
        self.dashed = dashed
    }
}

/// A line chart over labelled points (days, weeks), one or more series, with a value axis.
public struct LineChart: Sendable {
    public var id: String
    public var title: String
    public var description: String
    public var labels: [String]
    public var series: [ChartSeries]
    /// How the axis shows a value (`1万`); plain numbers by default.
    public var format: @Sendable (Double) -> String = { SVG.n($0) }
    public var width: Double = 640
    public var height: Double = 220

    public init(id: String, title: String, description: String, labels: [String], series: [ChartSeries]) {
        self.id = id
        self.title = title
        self.description = description
        self.labels = labels
        self.series = series
    }

    /// Which of `count` labels to show along the bottom: at most about eight, evenly spaced, the
    /// last one always (moved onto the last regular slot when it would crowd it).
    public static func labelIndices(count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let every = max(1, Int((Double(count) / 8).rounded(.up)))
        var out = Array(stride(from: 0, to: count, by: every))
        if let last = out.last, last != count - 1 {
            if Double(count - 1 - last) < Double(every) * 0.6 { out[out.count - 1] = count - 1 } else { out.append(count - 1) }
        }
        return out
    }

    public func render() -> String {
        let left = 64.0, right = 12.0, top = 12.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        let maximum = series.flatMap(\.values).max() ?? 0
        let ticks = SVG.ticks(maximum: maximum)
        let top1 = ticks.last ?? 1
        let count = max(labels.count, series.map(\.values.count).max() ?? 0)
        func x(_ i: Int) -> Double { count <= 1 ? left + plotW / 2 : left + plotW * Double(i) / Double(count - 1) }
        func y(_ v: Double) -> Double { top + plotH - (top1 > 0 ? v / top1 * plotH : 0) }
        var s = SVG.open(id: id, width: width, height: height, title: title, description: description)
        for t in ticks {
            s += "<line x1=\"\(SVG.n(left))\" x2=\"\(SVG.n(width - right))\" y1=\"\(SVG.n(y(t)))\" y2=\"\(SVG.n(y(t)))\" class=\"chart-grid\"/>"
            s += "<text x=\"\(SVG.n(left - 6))\" y=\"\(SVG.n(y(t) + 4))\" text-anchor=\"end\" class=\"chart-axis\">\(SVG.escape(format(t)))</text>"
        }
        for i in Self.labelIndices(count: labels.count) {
            // The first and last labels stay inside the chart.
            let anchor = labels.count > 1 && i == 0 ? "start" : labels.count > 1 && i == labels.count - 1 ? "end" : "middle"
            s += "<text x=\"\(SVG.n(x(i)))\" y=\"\(SVG.n(height - bottom + 18))\" text-anchor=\"\(anchor)\" class=\"chart-axis\">\(SVG.escape(labels[i]))</text>"
        }
        for (k, serie) in series.enumerated() {
            let points = serie.values.enumerated().map { "\(SVG.n(x($0.offset))),\(SVG.n(y($0.element)))" }
            let dash = serie.dashed ? " stroke-dasharray=\"5 4\"" : ""
            s += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" class=\"chart-line chart-line-\(k)\"\(dash)><title>\(SVG.escape(serie.name))</title></polyline>"
        }
        // Legend.
        var lx = left
        for (k, serie) in series.enumerated() {
            s += "<rect x=\"\(SVG.n(lx))\" y=\"\(SVG.n(height - 14))\" width=\"12\" height=\"4\" class=\"chart-swatch-\(k)\"/>"
            s += "<text x=\"\(SVG.n(lx + 16))\" y=\"\(SVG.n(height - 9))\" class=\"chart-axis\">\(SVG.escape(serie.name))</text>"
            lx += 28 + SVG.textWidth(serie.name)
        }
        return s + "</svg>"
    }
}

/// A heat map: rows × columns of values, colour by value, optional link per cell (the RFM matrix,
/// the cohort triangle). Missing cells (nil) stay empty.
public struct HeatMap: Sendable {
    public var id: String
    public var title: String
    public var description: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var values: [[Double?]]
    /// Text shown in a cell; the value by default.
    public var display: @Sendable (Double) -> String = { SVG.n($0) }
    /// A link for the cell at (row, column).
    public var link: @Sendable (Int, Int) -> String? = { _, _ in nil }
    public var cellWidth: Double = 64
    public var cellHeight: Double = 34
    public var labelWidth: Double = 110

    public init(id: String, title: String, description: String, rowLabels: [String], columnLabels: [String], values: [[Double?]]) {
        self.id = id
        self.title = title
        self.description = description
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
    }

    /// A cell's fill intensity from 0 to 1, as one of ten classes (`heat-0` … `heat-9`).
    public static func level(_ value: Double, minimum: Double, maximum: Double) -> Int {
        guard maximum > minimum else { return value > 0 ? 9 : 0 }
        let f = (value - minimum) / (maximum - minimum)
        return min(9, max(0, Int(f * 10)))
    }

    public func render() -> String {
        let header = 26.0
        let width = labelWidth + cellWidth * Double(columnLabels.count) + 4
        let height = header + cellHeight * Double(rowLabels.count) + 4
        let all = values.flatMap { $0.compactMap { $0 } }
        let lo = all.min() ?? 0, hi = all.max() ?? 0
        var s = SVG.open(id: id, width: width, height: height, title: title, description: description)
        for (c, label) in columnLabels.enumerated() {
            s += "<text x=\"\(SVG.n(labelWidth + cellWidth * (Double(c) + 0.5)))\" y=\"18\" text-anchor=\"middle\" class=\"chart-axis\">\(SVG.escape(label))</text>"
        }
        for (r, label) in rowLabels.enumerated() {
            let y = header + cellHeight * Double(r)
            s += "<text x=\"\(SVG.n(labelWidth - 8))\" y=\"\(SVG.n(y + cellHeight / 2 + 4))\" text-anchor=\"end\" class=\"chart-axis\">\(SVG.escape(label))</text>"
            for c in columnLabels.indices {
                guard r < values.count, c < values[r].count, let v = values[r][c] else { continue }
                let x = labelWidth + cellWidth * Double(c)
                let level = Self.level(v, minimum: lo, maximum: hi)
                let text = display(v)
                var cell = "<rect x=\"\(SVG.n(x + 1))\" y=\"\(SVG.n(y + 1))\" width=\"\(SVG.n(cellWidth - 2))\" height=\"\(SVG.n(cellHeight - 2))\" class=\"heat heat-\(level)\"><title>\(SVG.escape(label)) · \(SVG.escape(columnLabels[c])): \(SVG.escape(text))</title></rect>"
                cell += "<text x=\"\(SVG.n(x + cellWidth / 2))\" y=\"\(SVG.n(y + cellHeight / 2 + 4))\" text-anchor=\"middle\" class=\"heat-text\(level >= 6 ? " heat-text-dark" : "")\">\(SVG.escape(text))</text>"
                if let href = link(r, c) {
                    s += "<a href=\"\(SVG.escape(href))\" aria-label=\"\(SVG.escape(label)) · \(SVG.escape(columnLabels[c])): \(SVG.escape(text))\">\(cell)</a>"
                } else {
                    s += cell
                }
            }
        }
        return s + "</svg>"
    }
}
