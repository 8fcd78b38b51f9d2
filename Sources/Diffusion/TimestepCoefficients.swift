import Tensors

/// Per-example schedule coefficients as tensors that broadcast against a
/// batch `[B, …]` of any rank, and the checks every batched call makes.
extension NoiseSchedule {
    /// Throws unless `timesteps` has one entry per example of `x` and each lies in `0..<T`.
    func validate(timesteps: [Int], for x: Tensor, operation: String) throws {
        guard x.rank >= 1 else {
            throw DiffusionError.shapeMismatch(operation: operation, expected: "a batch [B, …] of rank ≥ 1", got: x.shape)
        }
        guard timesteps.count == x.shape[0] else {
            throw DiffusionError.invalidTimesteps(
                operation: operation, reason: "\(timesteps.count) timesteps for a batch of \(x.shape[0]) examples; give one per example")
        }
        if let bad = timesteps.first(where: { $0 < 0 || $0 >= count }) {
            throw DiffusionError.invalidTimesteps(operation: operation, reason: "timestep \(bad) is outside 0..<\(count)")
        }
    }

    /// Throws unless `a` and `b` have the same shape.
    func validateSameShape(_ a: Tensor, _ b: Tensor, operation: String) throws {
        guard a.shape == b.shape else {
            throw DiffusionError.shapeMismatch(
                operation: operation, expected: "shape \(a.shape) (the same as the first tensor)", got: b.shape)
        }
    }

    /// `values[t_b]` for each example b, as a `[B, 1, …, 1]` tensor of rank `rank`.
    func coefficient(_ values: [Double], at timesteps: [Int], rank: Int) -> Tensor {
        Self.coefficient(timesteps.map { values[$0] }, rank: rank)
    }

    /// One value per example as a `[B, 1, …, 1]` tensor of rank `rank`.
    static func coefficient(_ perExample: [Double], rank: Int) -> Tensor {
        Tensor(
            shape: [perExample.count] + [Int](repeating: 1, count: Swift.max(rank - 1, 0)),
            scalars: perExample.map { Float($0) })
    }
}
