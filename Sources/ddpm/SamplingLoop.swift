import Diffusion
import Pipelines
import Tensors

/// Batched sampling from the terminal: a progress bar over all model
/// evaluations, Ctrl-C stops between batches.
enum SamplingLoop {
    /// Draws `count` samples in batches (the Pipelines recipe) with a progress bar over all
    /// model evaluations; Ctrl-C stops between batches with nothing written.
    static func draw(
        model: any DenoisingModel, sampler: any Sampler, exampleShape: [Int], count: Int, batchSize: Int,
        seed: UInt64, labels: [Int]?, trajectoryCount: Int = 0, showProgress: Bool = true
    )
        throws -> (samples: Tensor, trajectory: (images: Tensor, columns: Int)?)
    {
        let pipeline = try BatchedSampling(
            model: model, sampler: sampler, exampleShape: exampleShape,
            batchSize: batchSize, seed: seed)
        return try draw(pipeline, count: count, labels: labels, trajectoryCount: trajectoryCount, showProgress: showProgress)
    }

    /// Draws `count` samples with `pipeline`, as above.
    static func draw(
        _ pipeline: BatchedSampling, count: Int, labels: [Int]?, trajectoryCount: Int = 0, showProgress: Bool = true
    ) throws -> (samples: Tensor, trajectory: (images: Tensor, columns: Int)?) {
        let batchSize = pipeline.batchSize
        let batches = (count + batchSize - 1) / batchSize
        let bar = ProgressBar(
            total: batches * pipeline.stepsPerBatch, label: "sample",
            enabled: showProgress && Terminal.standardErrorIsTerminal)
        defer { bar.finish() }
        let stop = StopSignal()
        do {
            let result = try pipeline.draw(
                count: count, labels: labels, trajectoryCount: trajectoryCount,
                shouldStop: { stop.isRequested }, progress: { bar.update(step: $0) })
            return (result.samples, result.trajectory)
        } catch is BatchedSampling.Cancelled {
            throw Interrupted(description: "sampling interrupted; nothing written")
        }
    }
}
