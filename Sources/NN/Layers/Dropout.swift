import Tensors

/// Inverted dropout (PyTorch's `nn.Dropout`): in training each element is
/// zeroed with probability `probability` and the survivors are scaled by
/// `1/(1 − p)`; in evaluation it is the identity. No parameters.
///
/// The layer owns a `RandomGenerator` split from the one it was built with,
/// so its masks are reproducible and its state (`generator`) can be saved
/// and restored with a checkpoint. `callAsFunction(_:generator:)` draws from
/// a caller's generator instead.
public final class Dropout: UnaryLayer, TrainingModeSwitchable {
    /// The probability p that an element is zeroed in training.
    public let probability: Float
    /// Whether the layer drops (training) or is the identity (evaluation).
    public var isTraining = true
    /// The stream the masks are drawn from.
    public var generator: RandomGenerator

    /// A layer dropping with probability `probability` in [0, 1), its own stream split from `generator`.
    public init(probability: Float, generator: inout RandomGenerator) {
        precondition(
            probability >= 0 && probability <= 1,
            "Dropout: probability must be in [0, 1], got \(probability)")
        self.probability = probability
        let seed = UInt64(generator.nextUInt32()) << 32 | UInt64(generator.nextUInt32())
        self.generator = RandomGenerator(seed: seed)
    }

    /// Whether the layer passes its input through unchanged (evaluation, or
    /// p = 0), drawing nothing.
    public var isIdentity: Bool { !isTraining || probability == 0 }

    /// Dropout with a mask from the layer's own generator.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, generator: &generator)
    }

    /// Dropout drawing its mask from `generator`.
    public func callAsFunction(_ input: Tensor, generator: inout RandomGenerator) -> Tensor {
        input.dropout(probability: probability, training: isTraining, generator: &generator)
    }
}

extension Conv2DPrologue {
    /// This prologue, then `dropout`: the prologue itself where the dropout is
    /// the identity (evaluation, p = 0), so that it may stay fused.
    public func then(_ dropout: Dropout) -> Conv2DPrologue {
        dropout.isIdentity ? self : .followed(self, by: { dropout($0) })
    }
}
