import ArgumentParser
import Diffusion
import FileSupport
import Foundation

/// `ddpm schedule`: prints a noise schedule as a table (t, β_t, ᾱ_t, log-SNR)
/// and optionally plots ᾱ_t, β_t and log-SNR(t) = log(ᾱ_t / (1 − ᾱ_t)) as SVG.
struct Schedule: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a noise schedule as a table and plot it as SVG.")

    /// The schedule names on the command line, and their diffusers names.
    static let scheduleNames = [
        "linear": "linear", "cosine": "cosine", "scaled-linear": "scaled_linear",
        "sigmoid": "sigmoid",
    ]

    @Option(help: "linear, cosine, scaled-linear or sigmoid.")
    var schedule = "linear"

    @Option(help: "The number of diffusion steps T.")
    var timesteps = 1000

    @Option(help: "Rows of the table (evenly spaced in t, first and last included).")
    var rows = 21

    @Option(help: "Write an SVG plot of ᾱ_t, β_t and log-SNR to this file.")
    var svg: String?

    func validate() throws {
        try Check.oneOf(schedule, Self.scheduleNames.keys.sorted(), flag: "--schedule")
        try Check.within(timesteps, 1...1_000_000, flag: "--timesteps")
        try Check.atLeast(rows, 1, flag: "--rows")
        if let svg { try Check.outputFile(svg, flag: "--svg") }
    }

    func run() throws {
        let rule = try BetaSchedule(name: Self.scheduleNames[schedule]!)
        let noise = try NoiseSchedule(rule, timesteps: timesteps)
        let arrays = noise.double
        let logSNR = (0..<noise.count).map { Foundation.log(arrays.alphaBar[$0]) - Foundation.log(arrays.oneMinusAlphaBar[$0]) }
        print("schedule \(schedule), T = \(timesteps)  (t = 1…T; the network sees t − 1)")
        print(
            ["t".leftPadded(8), "beta".leftPadded(12), "alpha_bar".leftPadded(12), "log-SNR".leftPadded(10)]
                .joined(separator: "  "))
        for index in Self.rowIndices(count: noise.count, rows: rows) {
            print(
                String(
                    format: "%8d  %12.6e  %12.6e  %10.4f", index + 1, arrays.betas[index], arrays.alphaBar[index],
                    logSNR[index]))
        }
        if let svg {
            let t = (1...noise.count).map(Double.init)
            let plot = SVGPlot(
                title: "\(schedule) schedule, T = \(timesteps)", xLabel: "t",
                panels: [
                    .init(
                        title: "ᾱ_t (signal kept)", yLabel: "ᾱ_t",
                        series: [.init(name: "ᾱ_t", x: t, y: arrays.alphaBar, color: "#1f77b4")]),
                    .init(
                        title: "β_t (noise added per step)", yLabel: "β_t",
                        series: [.init(name: "β_t", x: t, y: arrays.betas, color: "#d62728")]),
                    .init(
                        title: "log-SNR(t) = log ᾱ_t/(1 − ᾱ_t)", yLabel: "log-SNR",
                        series: [.init(name: "log-SNR", x: t, y: logSNR, color: "#2ca02c")]),
                ])
            try AtomicFile.write(Data(plot.render().utf8), to: URL(fileURLWithPath: svg))
            Terminal.printNote("wrote \(svg)")
        }
    }

    /// `rows` indices in 0..<count, evenly spaced, first and last included, no repeats.
    static func rowIndices(count: Int, rows: Int) -> [Int] {
        guard rows > 1, count > 1 else { return [0] + (count > 1 && rows > 1 ? [count - 1] : []) }
        var indices: [Int] = []
        for k in 0..<min(rows, count) {
            let index = Int((Double(k) * Double(count - 1) / Double(min(rows, count) - 1)).rounded())
            if indices.last != index { indices.append(index) }
        }
        return indices
    }
}

extension String {
    /// The string right-aligned in `width` columns.
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
