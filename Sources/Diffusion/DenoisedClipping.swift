import Foundation
import Tensors

/// What is done to the model's x̂0 before a sampler forms its next sample, as
/// diffusers' schedulers do with `clip_sample` / `clip_sample_range` and
/// `thresholding` / `dynamic_thresholding_ratio` / `sample_max_value`.
///
/// - `clip(range:)`: x̂0 ← clamp(x̂0, −r, r) (the DDPM paper's clipping to the
///   data range, r = 1 for data in [−1, 1]).
/// - `dynamicThreshold(ratio:maximum:)` (Saharia et al. 2022, Imagen §2.3):
///   per example, s = clamp(quantile_p(|x̂0|), 1, maximum) over all its values,
///   then x̂0 ← clamp(x̂0, −s, s) / s. Pixels that guidance pushed far out of
///   range are pulled back in proportion instead of being saturated.
public enum DenoisedClipping: Equatable, Sendable {
    /// x̂0 is used as predicted.
    case none
    /// x̂0 is clamped to [−range, range].
    case clip(range: Double)
    /// Imagen's dynamic thresholding at quantile `ratio` ∈ (0, 1], s ≤ `maximum`.
    case dynamicThreshold(ratio: Double, maximum: Double)

    /// Applies the clipping to a batch `[B, …]` of x̂0.
    public func apply(to x0: Tensor) -> Tensor {
        switch self {
        case .none:
            return x0
        case let .clip(range):
            return x0.clamped(Float(-range), Float(range))
        case let .dynamicThreshold(ratio, maximum):
            return Self.threshold(x0, ratio: ratio, maximum: maximum)
        }
    }

    /// diffusers' `_threshold_sample`: the `ratio` quantile of |x| per example
    /// (torch.quantile's linear interpolation), clamped to [1, maximum].
    static func threshold(_ x0: Tensor, ratio: Double, maximum: Double) -> Tensor {
        let batch = x0.shape.first ?? 0
        guard batch > 0, x0.count > 0 else { return x0 }
        let size = x0.count / batch
        var values = x0.scalars
        for b in 0..<batch {
            let range = b * size..<(b + 1) * size
            let sorted = values[range].map { Double(Swift.abs($0)) }.sorted()
            let position = ratio * Double(size - 1)
            let low = Int(position.rounded(.down)), high = Swift.min(low + 1, size - 1)
            let quantile = sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
            let s = Float(Swift.min(Swift.max(quantile, 1), maximum))
            for i in range { values[i] = Swift.min(Swift.max(values[i], -s), s) / s }
        }
        return Tensor(shape: x0.shape, scalars: values)
    }
}
