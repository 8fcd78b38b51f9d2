import Diffusion
import FileSupport
import Foundation

/// The SVG loss curve of a training log: the loss of every step (light) and
/// its exponential moving average over about 50 steps, on a log scale; below
/// it the sample FIDs when the run measured them (`--fid-every`).
enum LossCurve {
    static func write(logURL: URL, to url: URL) throws {
        let entries = try TrainingLog.read(url: logURL)
        let steps = entries.map { Double($0.step) }
        var smoothed: [Double] = []
        for entry in entries {
            smoothed.append(smoothed.last.map { $0 + 0.02 * (entry.loss - $0) } ?? entry.loss)
        }
        var panels: [SVGPlot.Panel] = [
            .init(
                title: "loss per step (log scale)", yLabel: "loss",
                series: [
                    .init(name: "loss", x: steps, y: entries.map(\.loss), color: "#9ecae1"),
                    .init(name: "smoothed", x: steps, y: smoothed, color: "#08519c"),
                ], logarithmic: true)
        ]
        let measured = entries.compactMap { entry in entry.fid.map { (Double(entry.step), $0) } }
        if !measured.isEmpty {
            panels.append(
                .init(
                    title: "sample FID (train --fid-every; log scale)", yLabel: "FID",
                    series: [.init(name: "FID", x: measured.map(\.0), y: measured.map(\.1), color: "#d94801")],
                    logarithmic: true))
        }
        let plot = SVGPlot(title: "Training loss", xLabel: "step", panels: panels)
        try AtomicFile.write(Data(plot.render().utf8), to: url)
    }
}
