import Diffusion
import FileSupport
import Foundation

/// The SVG loss curve of a training log: the loss of every step (light) and
/// its exponential moving average over about 50 steps, on a log scale.
enum LossCurve {
    static func write(logURL: URL, to url: URL) throws {
        let entries = try TrainingLog.read(url: logURL)
        let steps = entries.map { Double($0.step) }
        var smoothed: [Double] = []
        for entry in entries {
            smoothed.append(smoothed.last.map { $0 + 0.02 * (entry.loss - $0) } ?? entry.loss)
        }
        let plot = SVGPlot(
            title: "Training loss", xLabel: "step",
            panels: [
                .init(
                    title: "loss per step (log scale)", yLabel: "loss",
                    series: [
                        .init(name: "loss", x: steps, y: entries.map(\.loss), color: "#9ecae1"),
                        .init(name: "smoothed", x: steps, y: smoothed, color: "#08519c"),
                    ], logarithmic: true)
            ])
        try AtomicFile.write(Data(plot.render().utf8), to: url)
    }
}
