import Foundation

/// A one-line progress bar on stderr: step / total, a smoothed loss, it/s and
/// the time left. It draws only when stderr is a terminal (so logs and pipes
/// stay clean) and at most ten times a second.
final class ProgressBar {
    let total: Int
    let label: String
    private let enabled: Bool
    private let start: Date
    private let startStep: Int
    private var lastDraw = Date.distantPast
    private var smoothedLoss: Double?
    /// The weight of the newest loss in the exponential moving average.
    private let smoothing = 0.05

    /// - Parameters:
    ///   - startStep: the step the run starts from (a resumed run), so rates count only new steps.
    ///   - enabled: whether to draw; by default only when stderr is a terminal.
    init(total: Int, label: String, startStep: Int = 0, enabled: Bool = Terminal.standardErrorIsTerminal) {
        self.total = total
        self.label = label
        self.startStep = startStep
        self.enabled = enabled
        start = Date()
    }

    /// A progress callback `(done, total)` that starts a bar at its first call,
    /// once the total is known, and ends it when done reaches the total.
    static func counting(label: String, enabled: Bool = Terminal.standardErrorIsTerminal) -> (Int, Int) -> Void {
        var bar: ProgressBar?
        return { done, total in
            if bar == nil { bar = ProgressBar(total: total, label: label, enabled: enabled) }
            bar?.update(step: done)
            if done >= total { bar?.finish() }
        }
    }

    /// The current smoothed loss, if any loss was reported.
    var loss: Double? { smoothedLoss }

    /// Reports that `step` of `total` is done, with that step's loss if any.
    func update(step: Int, loss: Double? = nil) {
        if let loss, loss.isFinite {
            smoothedLoss = smoothedLoss.map { $0 + smoothing * (loss - $0) } ?? loss
        }
        guard enabled else { return }
        let now = Date()
        guard step >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        Terminal.writeError("\r" + line(step: step, elapsed: now.timeIntervalSince(start)) + "\u{1B}[K")
    }

    /// Prints `message` as a note on its own line above the bar (the bar is
    /// drawn again at the next update).
    func note(_ message: String) {
        if enabled {
            Terminal.writeError("\r\u{1B}[K" + message + "\n")
            lastDraw = .distantPast
        } else {
            Terminal.printNote(message)
        }
    }

    /// Ends the bar's line (when it was drawn).
    func finish() {
        if enabled { Terminal.writeError("\n") }
    }

    /// The text of the bar.
    func line(step: Int, elapsed: TimeInterval) -> String {
        let fraction = total > 0 ? min(1, Double(step) / Double(total)) : 1
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let done = step - startStep
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "\(label) \(bar) \(step)/\(total)"
        if let smoothedLoss { text += String(format: "  loss %.4f", smoothedLoss) }
        text += rate >= 1 ? String(format: "  %.2f it/s", rate) : String(format: "  %.2f s/it", rate > 0 ? 1 / rate : 0)
        if rate > 0, step < total {
            text += "  ETA " + Self.duration(Double(total - step) / rate)
        } else {
            text += "  " + Self.duration(elapsed)
        }
        return text
    }

    /// `h:mm:ss` or `m:ss`.
    static func duration(_ seconds: Double) -> String {
        let whole = Int(max(0, seconds.isFinite ? seconds : 0).rounded())
        let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
