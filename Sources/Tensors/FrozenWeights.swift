/// A stretch of work during which no weight changes — a sampling loop —
/// so that what an op derives from a weight alone (the Winograd-transformed
/// convolution kernel) is computed once and reused by every later call.
///
/// `FrozenWeights.scope { … }` switches the reuse on for its body: derived
/// values are kept, keyed by the weight tensor (held, so that its identity
/// is not reused), until the scope ends. Inside it, the scalars of a weight
/// must not change; the samplers run their model calls in one.
public enum FrozenWeights {
    @TaskLocal static var derivedValues: DerivedWeightValues? = nil

    /// Runs `body` with derived weight values kept and reused.
    public static func scope<R>(_ body: () throws -> R) rethrows -> R {
        try $derivedValues.withValue(DerivedWeightValues()) { try body() }
    }
}

/// The values derived from weights inside one `FrozenWeights.scope`.
final class DerivedWeightValues: @unchecked Sendable {
    private var entries: [Key: (weight: Tensor, values: [Float])] = [:]

    private struct Key: Hashable {
        let weight: ObjectIdentifier
        let variant: Int
    }

    /// The values `make()` derives from `weight` (one of several derivations,
    /// told apart by `variant`), computed on the first call only.
    func values(of weight: Tensor, variant: Int, _ make: () -> [Float]) -> [Float] {
        let key = Key(weight: ObjectIdentifier(weight), variant: variant)
        if let entry = entries[key] { return entry.values }
        let values = make()
        entries[key] = (weight, values)
        return values
    }

    /// The number of values kept (for tests).
    var count: Int { entries.count }
}
