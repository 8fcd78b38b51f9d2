import Tensors

/// Classifier-free guidance (Ho & Salimans 2022) around a class-conditional
/// network trained with label dropout:
///
///     ε̂ = ε_uncond + w·(ε_cond − ε_uncond)
///
/// where ε_cond is the network's output for the asked-for labels and ε_uncond
/// its output for the "null" class. Both branches run in one batched forward
/// pass (the batch concatenated with itself, the second half labelled null).
///
/// The combination is evaluated as `(1 − w)·ε_uncond + w·ε_cond`, which is the
/// same formula but exact at the end points: w = 1 returns the conditional
/// output and w = 0 the unconditional output bit for bit.
///
/// For a learned-range variance (twice the channels) only the first half of
/// the channels (the mean part: ε, x0 or v) is guided; the variance half is
/// the conditional branch's. As a `DenoisingModel` it works with every sampler.
///
/// Guidance rescale (Lin et al. 2024, eq. 15–16; diffusers' `guidance_rescale`)
/// with φ > 0 pulls the guided output's standard deviation back towards the
/// conditional one's, per example: `ε_rescaled = ε̂ · std(ε_cond)/std(ε̂)`,
/// `ε_final = φ·ε_rescaled + (1 − φ)·ε̂` (standard deviations over all values of
/// an example, with Bessel's correction, as torch.std).
public struct ClassifierFreeGuidance: DenoisingModel {
    /// The class-conditional network that is guided.
    public private(set) var model: any DenoisingModel
    /// The guidance weight w (≥ 0; 1 = plain conditional, 0 = unconditional).
    public let scale: Float
    /// The number of real classes; labels are `0..<classCount`.
    public let classCount: Int
    /// The label of the unconditional ("null") class.
    public let nullClass: Int
    /// Whether the output carries a learned variance in its second half of channels.
    public let variance: VarianceType
    /// The guidance rescale φ in [0, 1] (0 = plain guidance).
    public let rescale: Float

    /// A guided model. Throws for a negative or non-finite `scale`, a class
    /// count below 1, a null class that collides with a real class, or a
    /// `rescale` outside [0, 1].
    public init(
        model: any DenoisingModel, scale: Double, classCount: Int, nullClass: Int,
        variance: VarianceType = .fixedSmall, rescale: Double = 0
    ) throws {
        guard scale.isFinite, scale >= 0 else {
            throw DiffusionError.invalidParameter(
                name: "guidance scale", value: "\(scale)",
                accepted: "a finite number ≥ 0 (0 = unconditional, 1 = conditional, > 1 = guided)")
        }
        guard rescale >= 0, rescale <= 1 else {
            throw DiffusionError.invalidParameter(
                name: "guidance rescale", value: "\(rescale)",
                accepted: "a number in [0, 1] (0 = off; Lin et al. use 0.7)")
        }
        guard classCount >= 1 else {
            throw DiffusionError.invalidParameter(name: "class count", value: "\(classCount)", accepted: "an integer ≥ 1")
        }
        guard nullClass >= 0, !(0..<classCount).contains(nullClass) else {
            throw DiffusionError.invalidParameter(
                name: "null class", value: "\(nullClass)",
                accepted: "a label ≥ 0 outside the real classes 0..<\(classCount)")
        }
        self.model = model
        self.scale = Float(scale)
        self.classCount = classCount
        self.nullClass = nullClass
        self.variance = variance
        self.rescale = Float(rescale)
    }

    /// The guided prediction for `x` with one real class label per example.
    /// Guidance over the inner model's own sampling-run copy.
    public func forSamplingRun() -> any DenoisingModel {
        var copy = self
        copy.model = model.forSamplingRun()
        return copy
    }

    /// The guided output at training timesteps: ε_uncond + w·(ε_cond − ε_uncond) (only the mean part for a learned variance).
    ///
    /// - Throws: ``DiffusionError`` when `classLabels` is nil, has the wrong count, or names a class outside `0..<classCount`.
    public func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        try guided(x, timestepCount: timesteps.count, classLabels: classLabels) { doubled, labels in
            try model(doubled, timesteps: timesteps.count == 1 ? timesteps : timesteps + timesteps, classLabels: labels)
        }
    }

    /// The guided prediction at continuous timesteps (for the σ-space samplers).
    public func callAsFunction(_ x: Tensor, continuousTimesteps: [Double], classLabels: [Int]?) throws -> Tensor {
        try guided(x, timestepCount: continuousTimesteps.count, classLabels: classLabels) { doubled, labels in
            try model(
                doubled,
                continuousTimesteps: continuousTimesteps.count == 1
                    ? continuousTimesteps
                    : continuousTimesteps + continuousTimesteps, classLabels: labels)
        }
    }

    /// Checks the input, evaluates the model once on the doubled batch (real
    /// labels, then the null class) and combines the two halves.
    private func guided(
        _ x: Tensor, timestepCount: Int, classLabels: [Int]?,
        evaluate: (Tensor, [Int]) throws -> Tensor
    ) throws -> Tensor {
        guard x.rank >= 1, x.shape[0] > 0 else {
            throw DiffusionError.shapeMismatch(
                operation: "classifier-free guidance", expected: "a batch [B, …] with B ≥ 1",
                got: x.shape)
        }
        let batch = x.shape[0]
        guard let labels = classLabels else {
            throw DiffusionError.invalidParameter(
                name: "class labels", value: "none",
                accepted: "one label per example in 0..<\(classCount) (guidance needs a class to guide towards)")
        }
        guard labels.count == batch else {
            throw DiffusionError.invalidParameter(
                name: "class labels", value: "\(labels.count) labels",
                accepted: "one label per example (\(batch))")
        }
        if let unknown = labels.first(where: { !(0..<classCount).contains($0) }) {
            throw DiffusionError.invalidParameter(
                name: "class label", value: "\(unknown)",
                accepted: "a class in 0..<\(classCount)")
        }
        guard timestepCount == 1 || timestepCount == batch else {
            throw DiffusionError.invalidTimesteps(
                operation: "classifier-free guidance",
                reason: "\(timestepCount) timesteps for a batch of \(batch); give one per example or one for all")
        }
        let doubled = Tensor.concat([x, x], axis: 0)
        let output = try GradMode.withoutGradient {
            try evaluate(doubled, labels + Array(repeating: nullClass, count: batch))
        }
        guard output.rank >= 2, output.shape[0] == 2 * batch else {
            throw DiffusionError.shapeMismatch(
                operation: "classifier-free guidance",
                expected: "a model output [\(2 * batch), …]", got: output.shape)
        }
        let factor = variance.outputChannelFactor
        guard output.shape[1] % factor == 0 else {
            throw DiffusionError.shapeMismatch(
                operation: "classifier-free guidance",
                expected: "an even channel count for a learned variance", got: output.shape)
        }
        let perExample = output.count / (2 * batch)
        let guided = perExample / factor
        let values = output.scalars
        let half = batch * perExample
        let w = scale, keep = 1 - scale
        var result = [Float](repeating: 0, count: half)
        for b in 0..<batch {
            let base = b * perExample
            for i in 0..<guided {
                result[base + i] = keep * values[half + base + i] + w * values[base + i]
            }
            if rescale > 0 {
                let conditional = Self.standardDeviation(values[base..<base + guided])
                let combined = Self.standardDeviation(result[base..<base + guided])
                if combined > 0 {
                    let factor = Float(1 - Double(rescale) + Double(rescale) * conditional / combined)
                    for i in base..<base + guided { result[i] *= factor }
                }
            }
            for i in guided..<perExample {
                result[base + i] = values[base + i]
            }
        }
        return Tensor(shape: [batch] + Array(output.shape.dropFirst()), scalars: result)
    }

    /// The standard deviation with Bessel's correction (torch.std), in Double.
    static func standardDeviation(_ values: ArraySlice<Float>) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let squares = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
        return (squares / Double(values.count - 1)).squareRoot()
    }
}
