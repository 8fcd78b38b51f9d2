import Foundation

/// A small SVG line-plot writer: one or more panels stacked vertically, each
/// with its own y axis, ticks, grid lines and legend.
struct SVGPlot {
    /// One line of a panel.
    struct Series {
        var name: String
        var x: [Double]
        var y: [Double]
        var color: String
    }

    /// One chart: a title, a y-axis label and its lines.
    struct Panel {
        var title: String
        var yLabel: String
        var series: [Series]
        /// Plot y on a log₁₀ scale (non-positive values are skipped).
        var logarithmic = false
    }

    var title: String
    var xLabel: String
    var panels: [Panel]
    var width = 720.0
    var panelHeight = 240.0

    /// A series of at most this many points also marks each point (a lone point shows).
    static let markedPoints = 60

    private let left = 80.0, right = 170.0, top = 40.0, gap = 50.0, bottom = 50.0

    /// The SVG document.
    func render() -> String {
        let height = top + Double(panels.count) * panelHeight + Double(max(panels.count - 1, 0)) * gap + bottom
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

            """
        for (index, panel) in panels.enumerated() {
            let y0 = top + Double(index) * (panelHeight + gap)
            svg += render(panel, top: y0, showXLabel: index == panels.count - 1)
        }
        svg += "</svg>\n"
        return svg
    }

    private func render(_ panel: Panel, top y0: Double, showXLabel: Bool) -> String {
        let plotWidth = width - left - right
        let transform: (Double) -> Double? = { value in
            guard value.isFinite else { return nil }
            if panel.logarithmic { return value > 0 ? Foundation.log10(value) : nil }
            return value
        }
        let xs = panel.series.flatMap(\.x).filter(\.isFinite)
        let ys = panel.series.flatMap { $0.y.compactMap(transform) }
        var (xMin, xMax) = (xs.min() ?? 0, xs.max() ?? 1)
        var (yMin, yMax) = (ys.min() ?? 0, ys.max() ?? 1)
        if xMax <= xMin { xMax = xMin + 1 }
        if yMax <= yMin { (yMin, yMax) = (yMin - 0.5, yMax + 0.5) }
        let pad = (yMax - yMin) * 0.05
        (yMin, yMax) = (yMin - pad, yMax + pad)
        let px = { (x: Double) in left + (x - xMin) / (xMax - xMin) * plotWidth }
        let py = { (y: Double) in y0 + self.panelHeight - (y - yMin) / (yMax - yMin) * self.panelHeight }

        var svg = "<g>\n<text x=\"\(f(left))\" y=\"\(f(y0 - 8))\" font-size=\"13\">\(escape(panel.title))</text>\n"
        svg +=
            "<rect x=\"\(f(left))\" y=\"\(f(y0))\" width=\"\(f(plotWidth))\" height=\"\(f(panelHeight))\" "
            + "fill=\"none\" stroke=\"#444\"/>\n"
        for tick in Self.ticks(yMin, yMax) {
            let y = py(tick)
            let label = panel.logarithmic ? Self.label(Foundation.pow(10, tick)) : Self.label(tick)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        for tick in Self.ticks(xMin, xMax) {
            let x = px(tick)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(y0))\" x2=\"\(f(x))\" y2=\"\(f(y0 + panelHeight))\" stroke=\"#eee\"/>\n"
            svg += "<text x=\"\(f(x))\" y=\"\(f(y0 + panelHeight + 16))\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        svg +=
            "<text transform=\"translate(\(f(18)),\(f(y0 + panelHeight / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">\(escape(panel.yLabel))</text>\n"
        if showXLabel {
            svg +=
                "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(y0 + panelHeight + 38))\" "
                + "text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        }
        for (index, series) in panel.series.enumerated() {
            var path = ""
            var pen = "M"
            for (x, y) in zip(series.x, series.y) {
                guard x.isFinite, let value = transform(y) else {
                    pen = "M"
                    continue
                }
                path += "\(pen)\(f(px(x))),\(f(py(value))) "
                pen = "L"
            }
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"1.6\"/>\n"
            if series.x.count <= Self.markedPoints {
                for (x, y) in zip(series.x, series.y) where x.isFinite {
                    guard let value = transform(y) else { continue }
                    svg += "<circle cx=\"\(f(px(x)))\" cy=\"\(f(py(value)))\" r=\"3\" fill=\"\(series.color)\"/>\n"
                }
            }
            let legendY = y0 + 14 + Double(index) * 18
            svg +=
                "<line x1=\"\(f(left + plotWidth + 12))\" y1=\"\(f(legendY - 4))\" x2=\"\(f(left + plotWidth + 32))\" "
                + "y2=\"\(f(legendY - 4))\" stroke=\"\(series.color)\" stroke-width=\"2\"/>\n"
            svg += "<text x=\"\(f(left + plotWidth + 38))\" y=\"\(f(legendY))\">\(escape(series.name))</text>\n"
        }
        return svg + "</g>\n"
    }

    /// About five round tick values covering [low, high].
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let span = high - low
        guard span > 0, span.isFinite else { return [low] }
        let raw = span / 5
        let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var value = Foundation.ceil(low / step) * step
        while value <= high + step * 1e-9, ticks.count < 50 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    /// A compact label: plain for moderate magnitudes, scientific otherwise.
    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.0e", value) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
