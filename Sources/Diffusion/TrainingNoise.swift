import Foundation
import Tensors

/// The random part of one training step (DDPM Algorithm 1, lines 3–4, with the
/// options of `TrainingLossOptions`): each example's timestep t, its noise ε
/// (the target's), the noise x_t is formed with (ε + γ·ξ under input
/// perturbation), importance weights 1/(T·p_t), and Chen et al.'s one coin per
/// batch for a self-conditioned model.
///
/// Two ways to draw it:
/// - `init(batchShape:…generator:)`: the whole batch from one generator, in
///   batch order (t of every example, then ε, δ, ξ, then the coin);
/// - `init(exampleShape:streams:…)`: example i's t, ε, δ and ξ from its own
///   stream `streams[i]` alone, the coin from the step's stream. A batch split
///   over processes (MPI ranks) or micro-batches (`accumulationSteps`) then draws
///   exactly what it draws whole, each part knowing only its examples' indices.
public struct TrainingNoise {
    /// One timestep per example.
    public var timesteps: [Int]
    /// ε, the noise of the target.
    public var noise: Tensor
    /// The noise x_t is formed with (ε, or ε + γ·ξ).
    public var inputNoise: Tensor
    /// Importance sampling's per-example loss weights, or nil.
    public var exampleWeights: [Float]?
    /// For a self-conditioned model: whether the trained evaluation sees a first estimate (probability ½).
    public var selfConditionWithEstimate: Bool

    /// The whole batch from `generator`, in batch order.
    public init(
        batchShape: [Int], timestepCount: Int, options: TrainingLossOptions, importance: ImportanceSampledTimesteps?,
        selfConditioned: Bool, generator: inout RandomGenerator
    ) {
        let batch = batchShape[0]
        let drawn = importance?.draw(batch: batch, generator: &generator)
        timesteps = drawn?.timesteps ?? UniformTimesteps.draw(batch: batch, timesteps: timestepCount, generator: &generator)
        exampleWeights = drawn?.weights
        noise = Tensor.randn(batchShape, generator: &generator)
        if options.offsetNoise != 0 {
            let perChannel = Array(batchShape.prefix(2)) + [Int](repeating: 1, count: batchShape.count - 2)
            noise = noise + Tensor.randn(perChannel, generator: &generator) * Float(options.offsetNoise)
        }
        inputNoise = noise
        if options.inputPerturbation != 0 {
            inputNoise = noise + Tensor.randn(batchShape, generator: &generator) * Float(options.inputPerturbation)
        }
        selfConditionWithEstimate = selfConditioned && generator.nextUniform() < 0.5
    }

    /// Each example from its own stream (which is advanced past its draws, so
    /// the caller may draw more from it), the coin from `stepStream`.
    public init(
        exampleShape: [Int], streams: inout [RandomGenerator], timestepCount: Int, options: TrainingLossOptions,
        importance: ImportanceSampledTimesteps?, selfConditioned: Bool, stepStream: RandomGenerator
    ) {
        let size = exampleShape.reduce(1, *)
        let channels = exampleShape.count >= 2 ? exampleShape[0] : 1
        var timesteps: [Int] = [], weights: [Float] = []
        var noise: [Float] = [], inputNoise: [Float] = []
        noise.reserveCapacity(streams.count * size)
        for i in streams.indices {
            if let importance {
                let drawn = importance.draw(batch: 1, generator: &streams[i])
                timesteps.append(drawn.timesteps[0])
                weights.append(drawn.weights[0])
            } else {
                timesteps.append(streams[i].nextInt(below: timestepCount))
            }
            var epsilon = streams[i].normals(size)
            if options.offsetNoise != 0 {
                let offsets = streams[i].normals(channels)
                let perChannel = size / channels
                for c in 0..<channels {
                    let shift = offsets[c] * Float(options.offsetNoise)
                    for j in (c * perChannel)..<((c + 1) * perChannel) { epsilon[j] = epsilon[j] + shift }
                }
            }
            noise += epsilon
            if options.inputPerturbation != 0 {
                let xi = streams[i].normals(size)
                for j in 0..<size { epsilon[j] = epsilon[j] + xi[j] * Float(options.inputPerturbation) }
                inputNoise += epsilon
            }
        }
        let shape = [streams.count] + exampleShape
        self.timesteps = timesteps
        exampleWeights = importance == nil ? nil : weights
        self.noise = Tensor(shape: shape, scalars: noise)
        self.inputNoise = options.inputPerturbation != 0 ? Tensor(shape: shape, scalars: inputNoise) : self.noise
        var coin = stepStream
        selfConditionWithEstimate = selfConditioned && coin.nextUniform() < 0.5
    }
}
