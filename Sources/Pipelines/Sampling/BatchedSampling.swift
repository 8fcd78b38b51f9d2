import Diffusion
import Tensors

/// Drawing many samples in batches: batch k draws its noise and the sampler's
/// noise from its own stream, `RandomGenerator(seed: seed).substream(k)`, so a
/// sample depends on the seed, its batch and its place in it — not on what was
/// drawn before — and the first sample of a seed is the same at any count.
/// Optionally records x̂0 of the first images at up to 10 evenly spread steps
/// (a trajectory strip).
public struct BatchedSampling {
    /// The network (guided or not) the sampler evaluates.
    public let model: any DenoisingModel
    /// The reverse-process sampler and its steps.
    public let sampler: any Sampler
    /// `[C, H, W]` for images, `[D]` for points.
    public let exampleShape: [Int]
    /// Samples drawn at once (the last batch may be smaller).
    public let batchSize: Int
    /// The seed of every batch's stream (`RandomGenerator(seed:).substream(batch)`).
    public let seed: UInt64

    /// Batched sampling of `model` with `sampler`.
    /// - Throws: `PipelineError` when `batchSize` is below 1.
    public init(model: any DenoisingModel, sampler: any Sampler, exampleShape: [Int], batchSize: Int, seed: UInt64) throws {
        guard batchSize >= 1 else { throw PipelineError(problem: "batch size \(batchSize) is not accepted; give an integer ≥ 1") }
        self.model = model
        self.sampler = sampler
        self.exampleShape = exampleShape
        self.batchSize = batchSize
        self.seed = seed
    }

    /// Model evaluations (sampler steps) per batch.
    public var stepsPerBatch: Int { sampler.timesteps.count }

    /// What was drawn: the samples clamped to [−1, 1], and the trajectory strip when asked for.
    public struct Result {
        /// The samples `[count, …]`, clamped to [−1, 1].
        public let samples: Tensor
        /// x̂0 snapshots `[rows·columns, …]` in row-major order (rows: samples, columns: steps).
        public let trajectory: (images: Tensor, columns: Int)?
    }

    /// Thrown when `shouldStop` asks to stop between batches.
    public struct Cancelled: Error {}

    /// Draws `count` samples (with one label per sample for a class-conditional model).
    /// `progress` gets the number of sampler steps done over all batches; `onStep` gets
    /// each batch's steps as they are taken (x_t and x̂0) and may throw to stop at once.
    public func draw(
        count: Int, labels: [Int]? = nil, trajectoryCount: Int = 0, shouldStop: () -> Bool = { false },
        progress: @escaping (Int) -> Void = { _ in }, onStep: @escaping (_ batch: Int, SamplingStep) throws -> Void = { _, _ in }
    ) throws -> Result {
        guard count >= 1 else { throw PipelineError(problem: "sample count \(count) is not accepted; give an integer ≥ 1") }
        if let labels, labels.count != count {
            throw PipelineError(problem: "\(labels.count) labels for \(count) samples; give one per sample")
        }
        let stepsPerBatch = self.stepsPerBatch
        let batches = (count + batchSize - 1) / batchSize
        var parts: [Tensor] = []
        let snapshotSteps = Set(
            (0..<Swift.min(10, stepsPerBatch)).map { k in
                stepsPerBatch == 1
                    ? 0 : Int((Double(k) * Double(stepsPerBatch - 1) / Double(Swift.max(1, Swift.min(10, stepsPerBatch) - 1))).rounded())
            })
        var snapshots: [Tensor] = []
        for batch in 0..<batches {
            if shouldStop() { throw Cancelled() }
            let size = Swift.min(batchSize, count - batch * batchSize)
            var generator = RandomGenerator(seed: seed).substream(UInt64(batch))
            let done = batch * stepsPerBatch
            let batchLabels = labels.map { Array($0[(batch * batchSize)..<(batch * batchSize + size)]) }
            let samples = try sampler.sample(
                model: model, shape: [size] + exampleShape, classLabels: batchLabels,
                generator: &generator
            ) { step in
                progress(done + step.step + 1)
                try onStep(batch, step)
                if batch == 0, trajectoryCount > 0, snapshotSteps.contains(step.step) {
                    snapshots.append(step.predictedX0.slice(axis: 0, 0..<Swift.min(trajectoryCount, size)).clamped(-1, 1))
                }
            }
            parts.append(samples.clamped(-1, 1))
        }
        let all = parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
        guard trajectoryCount > 0, !snapshots.isEmpty else { return Result(samples: all, trajectory: nil) }
        let columns = snapshots.count
        let rows = snapshots[0].shape[0]
        let strip = Tensor.stack(snapshots, axis: 1).reshaped([rows * columns] + exampleShape)
        return Result(samples: all, trajectory: (strip, columns))
    }
}
