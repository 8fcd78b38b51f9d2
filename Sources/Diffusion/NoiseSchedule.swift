import Foundation

/// A validated noise schedule: T values of β and every array derived from
/// them (DDPM §4, tutorial eq. 52–53), computed in Double and
/// also stored rounded to Float.
///
/// Index `i = 0..<T` is the paper's `t = i + 1`, as in diffusers: the network
/// is fed `i`. `double` holds the exact values (for coefficients and
/// likelihoods), `float` the same values as Float (for tensors).
public struct NoiseSchedule: Sendable {
    /// The number of diffusion steps T.
    public let count: Int
    /// The derived arrays in Double.
    public let double: ScheduleArrays<Double>
    /// The derived arrays rounded to Float.
    public let float: ScheduleArrays<Float>

    /// The schedule of a named rule with `timesteps` steps.
    ///
    /// - Throws: ``DiffusionError`` for fewer than one step or a rule whose β fall outside (0, 1).
    public init(_ rule: BetaSchedule, timesteps: Int) throws {
        try self.init(betas: try rule.betas(timesteps: timesteps))
    }

    /// The schedule of an explicit β array; every β must lie in (0, 1), except
    /// that the last may be exactly 1 (ᾱ_T = 0: zero terminal SNR).
    ///
    /// - Throws: ``DiffusionError/betaOutOfRange(index:value:)`` for a β outside that range.
    public init(betas: [Double]) throws {
        guard !betas.isEmpty else {
            throw DiffusionError.invalidParameter(
                name: "number of timesteps T", value: "0", accepted: "an integer ≥ 1 (a non-empty beta array)")
        }
        for (i, beta) in betas.enumerated() where !(beta > 0 && beta < 1) && !(beta == 1 && i == betas.count - 1 && i > 0) {
            throw DiffusionError.betaOutOfRange(index: i, value: beta)
        }
        count = betas.count
        double = try Self.derive(betas: betas)
        float = ScheduleArrays(rounding: double)
    }

    /// The schedule whose ᾱ array is given (ᾱ must lie in (0, 1) and strictly
    /// decrease; the last may be 0); `β_i = 1 − ᾱ_i/ᾱ_{i−1}` with ᾱ before the first step equal to 1.
    ///
    /// - Throws: ``DiffusionError`` for an empty array, a value outside (0, 1), or ᾱ that does not strictly decrease.
    public init(alphaBar: [Double]) throws {
        guard !alphaBar.isEmpty else {
            throw DiffusionError.invalidParameter(
                name: "number of timesteps T", value: "0", accepted: "an integer ≥ 1 (a non-empty alpha_bar array)")
        }
        var betas: [Double] = []
        var previous = 1.0
        for (i, value) in alphaBar.enumerated() {
            guard value > 0 || (value == 0 && i == alphaBar.count - 1 && i > 0), value < 1 else {
                throw DiffusionError.invalidParameter(
                    name: "alpha_bar[\(i)]", value: "\(value)",
                    accepted: "a value in (0, 1) (the last may be 0)")
            }
            guard value < previous else {
                throw DiffusionError.nonMonotoneAlphaBar(index: i, previous: previous, value: value)
            }
            betas.append(1 - value / previous)
            previous = value
        }
        try self.init(betas: betas)
    }

    /// Derives every array from β in Double. 1 − ᾱ is formed as −expm1(Σ log1p(−β))
    /// so that it keeps full relative precision at small t.
    private static func derive(betas: [Double]) throws -> ScheduleArrays<Double> {
        let n = betas.count
        var logAlphaBar = 0.0
        var alphaBar = [Double](repeating: 0, count: n)
        var oneMinusAlphaBar = [Double](repeating: 0, count: n)
        for i in 0..<n {
            logAlphaBar += Foundation.log1p(-betas[i])
            alphaBar[i] = Foundation.exp(logAlphaBar)
            oneMinusAlphaBar[i] = -Foundation.expm1(logAlphaBar)
            if i > 0, !(alphaBar[i] < alphaBar[i - 1]) {
                throw DiffusionError.nonMonotoneAlphaBar(index: i, previous: alphaBar[i - 1], value: alphaBar[i])
            }
        }
        let alphaBarPrevious = [1.0] + alphaBar.dropLast()
        let oneMinusPrevious = [0.0] + oneMinusAlphaBar.dropLast()
        let posteriorVariance = (0..<n).map { oneMinusPrevious[$0] / oneMinusAlphaBar[$0] * betas[$0] }
        let logPosterior = posteriorVariance.map { Foundation.log($0) }
        var clipped = logPosterior
        clipped[0] = n > 1 ? logPosterior[1] : Foundation.log(betas[0])
        return ScheduleArrays(
            betas: betas,
            logBetas: betas.map { Foundation.log($0) },
            alphas: betas.map { 1 - $0 },
            alphaBar: alphaBar,
            oneMinusAlphaBar: oneMinusAlphaBar,
            alphaBarPrevious: alphaBarPrevious,
            sqrtAlphaBar: alphaBar.map { $0.squareRoot() },
            sqrtOneMinusAlphaBar: oneMinusAlphaBar.map { $0.squareRoot() },
            reciprocalSqrtAlpha: betas.map { 1 / (1 - $0).squareRoot() },
            posteriorVariance: posteriorVariance,
            posteriorLogVarianceClipped: clipped,
            posteriorMeanCoefficientX0: (0..<n).map { alphaBarPrevious[$0].squareRoot() * betas[$0] / oneMinusAlphaBar[$0] },
            posteriorMeanCoefficientXt: (0..<n).map { (1 - betas[$0]).squareRoot() * oneMinusPrevious[$0] / oneMinusAlphaBar[$0] },
            signalToNoise: (0..<n).map { alphaBar[$0] / oneMinusAlphaBar[$0] })
    }

    /// Whether ᾱ_T = 0: x_T holds no signal at all (SNR_T = 0).
    public var hasZeroTerminalSNR: Bool { double.alphaBar[count - 1] == 0 }

    /// The schedule rescaled to zero terminal SNR (Lin et al. 2024, Algorithm 1;
    /// diffusers' `rescale_zero_terminal_snr`): √ᾱ is shifted and scaled so that
    /// √ᾱ_1 is kept and √ᾱ_T becomes 0, `√ᾱ'_t = (√ᾱ_t − √ᾱ_T)·√ᾱ_1/(√ᾱ_1 − √ᾱ_T)`;
    /// the last β becomes exactly 1.
    ///
    /// - Throws: ``DiffusionError/invalidParameter(name:value:accepted:)`` for a schedule of one step.
    public func rescaledToZeroTerminalSNR() throws -> NoiseSchedule {
        guard count >= 2 else {
            throw DiffusionError.invalidParameter(
                name: "number of timesteps T", value: "\(count)",
                accepted: "at least 2 to rescale to zero terminal SNR")
        }
        let root = double.sqrtAlphaBar
        let first = root[0], last = root[count - 1]
        let scaled = root.map { ($0 - last) * first / (first - last) }
        let alphaBar = scaled.map { $0 * $0 }
        var betas = [1 - alphaBar[0]]
        for i in 1..<count { betas.append(1 - alphaBar[i] / alphaBar[i - 1]) }
        betas[count - 1] = 1
        return try NoiseSchedule(betas: betas)
    }

    /// The schedule restricted to an increasing subsequence τ of its timesteps
    /// (Nichol & Dhariwal's respacing): `β'_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}}`.
    /// Step `i` of the result corresponds to timestep `τ_i` of this schedule.
    ///
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` for an empty or not strictly increasing subsequence, or one outside `0..<T`.
    public func respaced(to subsequence: [Int]) throws -> NoiseSchedule {
        guard !subsequence.isEmpty else {
            throw DiffusionError.invalidTimesteps(
                operation: "respaced(to:)", reason: "the subsequence is empty; give at least one timestep in 0..<\(count)")
        }
        var previous = -1
        for t in subsequence {
            guard t > previous, t < count else {
                throw DiffusionError.invalidTimesteps(
                    operation: "respaced(to:)", reason: "timesteps must strictly increase within 0..<\(count), got \(subsequence)")
            }
            previous = t
        }
        return try NoiseSchedule(alphaBar: subsequence.map { double.alphaBar[$0] })
    }
}
