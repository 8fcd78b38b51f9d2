/// How the reverse process chooses σ_t² (DDPM §3.2: β_t or β̃_t; learned
/// between them, Nichol & Dhariwal 2021): fixed_small `σ² = β̃_t` (clipped at the first step), fixed_large `σ² = β_t`,
/// or learned_range, where the network emits twice the channels and the
/// second half `v ∈ [−1, 1]` sets `log σ² = ((v+1)/2) log β_t + (1 − (v+1)/2) log β̃_t`.
/// Raw values are diffusers' names.
public enum VarianceType: String, CaseIterable, Sendable {
    /// σ_t² = β̃_t, the posterior's variance (log clipped at the first step).
    case fixedSmall = "fixed_small"
    /// σ_t² = β_t.
    case fixedLarge = "fixed_large"
    /// Learned per dimension between log β̃_t and log β_t (the network emits twice the channels).
    case learnedRange = "learned_range"

    /// The type with a diffusers name ("fixed_small", "fixed_large", "learned_range").
    ///
    /// - Throws: ``DiffusionError/unknownName(kind:name:accepted:)`` for another name.
    public init(name: String) throws {
        guard let value = VarianceType(rawValue: name) else {
            throw DiffusionError.unknownName(kind: "variance type", name: name, accepted: Self.allCases.map(\.rawValue))
        }
        self = value
    }

    /// How many times the data's channel count the network emits.
    public var outputChannelFactor: Int { self == .learnedRange ? 2 : 1 }
}
