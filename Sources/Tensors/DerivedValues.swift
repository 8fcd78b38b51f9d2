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
    /// of several, told apart by `key`): the kept ones when present, else
    /// computed now and kept if gradient recording is off. Nil when recording
    /// is on and nothing is kept; the caller then derives into scratch memory.
    func keptDerivation(_ key: DerivedValueKey, _ make: () -> [Float]) -> [Float]? {
        if let kept = derivedValues[key] { return kept }
        guard !GradMode.isEnabled else { return nil }
        let values = make()
        derivedValues[key] = values
        return values
    }
}

/// Which derivation of a tensor's scalars is kept (`Tensor.keptDerivation`).
enum DerivedValueKey: Hashable {
    /// The Winograd transform `U = G g Gᵀ` of a 3×3 kernel for one tile size.
    case winogradKernel(WinogradTile)
}
