import Datasets
import Diffusion
import Tensors

/// Scoring a trained model on a set of images, batch by batch with fixed seeds, as
/// `ddpm eval` does: the variational bound in bits/dim (DDPM eq. 5 with the
/// discretised decoder), the noise-prediction error, and the memorisation and pixel
/// statistics of samples against data.
public struct ModelEvaluation {
    /// The model scored.
    public let model: any DenoisingModel
    /// The process it was trained with.
    public let diffusion: GaussianDiffusion
    /// Feed the images' labels to the model (a class-conditional network).
    public let conditional: Bool
    /// Images per batch.
    public let batchSize: Int

    /// An evaluation of `model` in batches of `batchSize`.
    ///
    /// - Throws: ``PipelineError`` for a batch size below 1.
    public init(model: any DenoisingModel, diffusion: GaussianDiffusion, conditional: Bool, batchSize: Int) throws {
        guard batchSize >= 1 else { throw PipelineError(problem: "batch size \(batchSize) is not accepted; give an integer ≥ 1") }
        self.model = model
        self.diffusion = diffusion
        self.conditional = conditional
        self.batchSize = batchSize
    }

    /// The bound's parts averaged over the images, in bits/dim.
    public struct Bound {
        /// L_T, bits/dim.
        public let prior: Double
        /// Σ L_{t−1}, bits/dim.
        public let klTerms: Double
        /// L_0, bits/dim.
        public let decoder: Double
        /// The bound: L_T + Σ L_{t−1} + L_0, bits/dim.
        public var total: Double { prior + klTerms + decoder }
    }

    /// The bound on `images` (in [−1, 1]): one KL term per block of `stride` timesteps
    /// (1 = every term, the exact bound), x_t drawn from `RandomGenerator(seed:)`.
    /// `progress` gets the number of images done.
    public func bitsPerDimension(
        _ images: ImageDataset, stride: Int, seed: UInt64,
        progress: (Int) -> Void = { _ in }
    ) throws -> Bound {
        var generator = RandomGenerator(seed: seed)
        var prior = 0.0, kl = 0.0, decoder = 0.0
        for range in batches(images.count) {
            let batch = try images.subset(Array(range))
            let bpd = try diffusion.bitsPerDimension(
                model: model, x0: batch.images, classLabels: conditional ? batch.labels : nil,
                stride: stride, generator: &generator)
            prior += bpd.prior.reduce(0, +)
            kl += bpd.klTerms.reduce(0, +)
            decoder += bpd.decoder.reduce(0, +)
            progress(range.upperBound)
        }
        let scale = 1 / Double(images.count)
        return Bound(prior: prior * scale, klTerms: kl * scale, decoder: decoder * scale)
    }

    /// The ε-MSE on `images` at one uniform t per image (`noisePredictionError`), its mean
    /// and its mean in each quarter of the timestep range (nil where no t fell).
    public func noisePredictionError(_ images: ImageDataset, seed: UInt64) throws -> (mean: Double, byQuarter: [Double?]) {
        var generator = RandomGenerator(seed: seed).substream(0x6570_7300)
        var buckets = TimestepLossBuckets(timesteps: diffusion.schedule.count)
        var sum = 0.0
        for range in batches(images.count) {
            let batch = try images.subset(Array(range))
            let (errors, timesteps) = try diffusion.noisePredictionError(
                model: model, x0: batch.images, classLabels: conditional ? batch.labels : nil, generator: &generator)
            sum += errors.reduce(0, +)
            buckets.record(losses: errors.map(Float.init), timesteps: timesteps)
        }
        return (sum / Double(images.count), buckets.means)
    }

    private func batches(_ count: Int) -> [Range<Int>] {
        Swift.stride(from: 0, to: count, by: batchSize).map { $0..<Swift.min($0 + batchSize, count) }
    }

    /// For each image of `queries`, the RMS distance to its nearest image in `references`
    /// (skipping exact copies when `excludeIdentical`): a memorisation check.
    public static func nearestDistances(_ queries: Tensor, to references: Tensor, excludeIdentical: Bool = false) -> [Double] {
        let size = queries.count / queries.shape[0]
        let q = queries.scalars, r = references.scalars
        return (0..<queries.shape[0]).map { i in
            var best = Double.infinity
            for j in 0..<references.shape[0] {
                var sum: Float = 0
                for k in 0..<size {
                    let d = q[i * size + k] - r[j * size + k]
                    sum += d * d
                }
                if excludeIdentical && sum == 0 { continue }
                best = Swift.min(best, Double(sum))
            }
            return (best / Double(size)).squareRoot()
        }
    }

    /// The median (NaN for none).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Mean, standard deviation and the fraction of values above 0.
    public static func pixelStatistics(_ images: Tensor) -> (mean: Double, std: Double, bright: Double) {
        let values = images.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, variance.squareRoot(), Double(values.filter { $0 > 0 }.count) / Double(values.count))
    }
}
