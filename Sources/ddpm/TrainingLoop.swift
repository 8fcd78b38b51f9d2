import Diffusion
import Pipelines

/// A trainer run from the terminal: a progress bar, Ctrl-C saves and stops,
/// and the optional preview grids.
enum TrainingLoop {
    /// Runs `trainer` and returns the outcome. With `preview`, writes its grid
    /// every `preview.every` steps (a failed write is reported, not fatal).
    static func run(_ trainer: Trainer, label: String = "train", preview: TrainingPreview? = nil) throws -> TrainingOutcome {
        let stop = StopSignal()
        let bar = ProgressBar(total: trainer.configuration.steps, label: label, startStep: trainer.step)
        defer { bar.finish() }
        return try trainer.run(shouldStop: { stop.isRequested }) { report in
            bar.update(step: report.step, loss: Double(report.loss))
            if let preview, report.step % preview.every == 0 {
                do {
                    try preview.write(trainer)
                } catch {
                    Terminal.printNote("preview at step \(report.step) not written: \(CommandError.describe(error))")
                }
            }
        }
    }
}
