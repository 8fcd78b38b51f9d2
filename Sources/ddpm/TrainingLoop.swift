import Diffusion
import Foundation
import Pipelines

/// A trainer run from the terminal: a progress bar, Ctrl-C saves and stops,
/// and the optional preview grids and sample FIDs.
enum TrainingLoop {
    /// Runs `trainer` and returns the outcome. With `preview`, writes its grid
    /// every `preview.every` steps; with `fid`, logs the sample FID every
    /// `fid.every` steps (a failure of either is reported, not fatal). `quiet`
    /// (the ranks other than 0 of an MPI run) draws no bar.
    static func run(
        _ trainer: Trainer, label: String = "train", preview: TrainingPreview? = nil, fid: TrainingFID? = nil,
        quiet: Bool = false
    ) throws -> TrainingOutcome {
        let stop = StopSignal(quiet: quiet)
        let bar = ProgressBar(
            total: trainer.configuration.steps, label: label, startStep: trainer.step,
            enabled: !quiet && Terminal.standardErrorIsTerminal)
        defer { bar.finish() }
        return try trainer.run(
            shouldStop: { stop.isRequested },
            measureFID: { step in
                guard let fid, fid.isDue(atStep: step) else { return nil }
                do {
                    let value = try fid.measure(trainer)
                    bar.note(String(format: "step %d: FID %.2f (%d samples; %@)", step, value, fid.samples.count, fid.network.displayName))
                    return value
                } catch {
                    bar.note("FID at step \(step) not measured: \(CommandError.describe(error))")
                    return nil
                }
            }
        ) { report in
            bar.update(step: report.step, loss: Double(report.loss))
            if let preview, report.step % preview.every == 0 {
                do {
                    try preview.write(trainer)
                } catch {
                    bar.note("preview at step \(report.step) not written: \(CommandError.describe(error))")
                }
            }
        }
    }
}
