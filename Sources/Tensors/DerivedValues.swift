/// Values an op derives from a tensor's scalars alone — the Winograd
/// transform of a convolution kernel — kept on the tensor
/// (`Tensor.derivedValues`) so that later calls with the same, unchanged
/// weight skip the work.
///
/// Any write to the tensor's scalars (an optimiser step, `assign`, loading
/// weights) drops them, so they can never be stale. They are kept only when
/// computed with gradient recording off: inference and sampling reuse them,
/// while a training step, whose weights change every step, keeps nothing and
/// so holds no extra memory.
extension Tensor {
    /// The values `make()` derives from this tensor's scalars (one derivation
    /// of several, told apart by `variant`): the kept ones when present, else
    /// computed now and kept if gradient recording is off. Nil when recording
    /// is on and nothing is kept; the caller then derives into scratch memory.
    func keptDerivation(variant: Int, _ make: () -> [Float]) -> [Float]? {
        if let kept = derivedValues[variant] { return kept }
        guard !GradMode.isEnabled else { return nil }
        let values = make()
        derivedValues[variant] = values
        return values
    }
}
