import CKernels
import Foundation

/// Group normalisation (Wu & He, 2018), as PyTorch's `F.group_norm`: the
/// channels of an `[N, C, *]` tensor are split into `groups` consecutive
/// groups, and each (sample, group) is normalised by its own mean and biased
/// variance, `x̂ = (x − μ) / √(σ² + ε)`, then scaled and shifted per channel,
/// `y = γ_c · x̂ + β_c`.
///
/// Fused: one pass (sums in Double) for the statistics, one for the output
/// (the per-channel loops are C kernels, `CKNormalization.h`); the
/// backward is the closed form
/// `dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂))` with `dx̂ = γ_c · dy`,
/// from per-channel sums of `dy` and `dy · x` and the saved mean and rstd.
/// Each (sample, group) is computed whole on one thread, so the results do not
/// depend on the thread count.
///
/// `groupNormSiLU` also applies SiLU, `z · σ(z)`, to the normalised `z` in the
/// same pass (the U-Net's norm → SiLU), keeping no copy of `z`: its backward
/// recomputes `z` from the input and the saved statistics, turns `dy` into
/// `dz = dy · σ(z) · (1 + z · (1 − σ(z)))` one group at a time, and continues
/// as the group-norm backward. It gives the same bits as `groupNorm` then `silu`.
extension Tensor {
    /// Normalises this `[N, C, *]` tensor over `groups` groups of channels;
    /// `weight` (γ) and `bias` (β) are `[C]` or nil (γ = 1, β = 0).
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        groupNorm(groups: groups, weight: weight, bias: bias, eps: eps, silu: false)
    }

    /// `groupNorm(groups:weight:bias:eps:)` followed by SiLU, fused in one op.
    public func groupNormSiLU(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        groupNorm(groups: groups, weight: weight, bias: bias, eps: eps, silu: true)
    }

    /// `(self + shift).groupNormSiLU(…)` for a per-(sample, channel) `shift`
    /// of shape `[N, C]` (the U-Net's time-embedding add before its second
    /// norm), without materialising the sum: the same values as the add and
    /// then the op, with `shift`'s gradient summed over the spatial positions.
    public func groupNormSiLU(adding shift: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        precondition(
            rank >= 2 && shift.shape == [shape[0], shape[1]],
            "groupNormSiLU: shift shape \(shift.shape) does not match input \(shape); expected [N, C] = \(Array(shape.prefix(2)))")
        return groupNorm(groups: groups, weight: weight, bias: bias, eps: eps, silu: true, shift: shift)
    }

    private func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float, silu: Bool, shift: Tensor? = nil) -> Tensor {
        let layout = GroupNormLayout(validating: shape, groups: groups, weight: weight, bias: bias, eps: eps)
        let gamma = weight?.scalars, beta = bias?.scalars, shifts = shift?.scalars
        var output = [Float].unfilled(count)
        let (mean, rstd) = output.withUnsafeMutableBufferPointer { y in
            let y = y.baseAddress
            // Each unit normalised right after its statistics, while its elements are in cache.
            return layout.statistics(of: scalars, shifts: shifts, eps: eps) { unit, x, m, r in
                layout.normalize(
                    unit: unit, x, into: y! + unit * layout.groupSize, mean: m, rstd: r, gamma: gamma,
                    beta: beta, shifts: shifts, silu: silu)
            }
        }
        let input = self
        let inputs = [input] + [weight, bias, shift].compactMap { $0 }
        return .result(shape: shape, scalars: output, inputs: inputs) { g in
            let needShift = shift?.requiresGrad ?? false
            let grads = layout.backward(
                outputGradient: g.scalars, input: input.scalars, gamma: gamma, beta: silu ? beta : nil,
                shift: shifts, mean: mean, rstd: rstd,
                needInput: input.requiresGrad, needShift: needShift, silu: silu)
            var result: [Tensor?] = [input.requiresGrad ? grads.input.map { Tensor(shape: input.shape, scalars: $0) } : nil]
            if let weight { result.append(weight.requiresGrad ? Tensor(shape: weight.shape, scalars: grads.gamma) : nil) }
            if let bias { result.append(bias.requiresGrad ? Tensor(shape: bias.shape, scalars: grads.beta) : nil) }
            if let shift { result.append(needShift ? Tensor(shape: shift.shape, scalars: grads.shift) : nil) }
            return result
        }
    }
}

/// How an `[N, C, *]` tensor splits into (sample, group) units of contiguous elements.
struct GroupNormLayout {
    let batch: Int
    let channels: Int
    let groups: Int
    let spatial: Int

    var channelsPerGroup: Int { channels / groups }
    /// Elements normalised together.
    var groupSize: Int { channelsPerGroup * spatial }
    /// The number of (sample, group) pairs.
    var units: Int { batch * groups }

    init(batch: Int, channels: Int, groups: Int, spatial: Int) {
        self.batch = batch
        self.channels = channels
        self.groups = groups
        self.spatial = spatial
    }

    /// The layout of an input of `shape`, after checking that it, γ, β and ε
    /// make a group normalisation.
    init(validating shape: [Int], groups: Int, weight: Tensor?, bias: Tensor?, eps: Float) {
        precondition(shape.count >= 2, "groupNorm: input must be [N, C, *] (rank ≥ 2), got shape \(shape)")
        let channels = shape[1]
        precondition(
            groups > 0 && channels % groups == 0,
            "groupNorm: \(channels) channels of input \(shape) do not split into \(groups) groups")
        if let weight {
            precondition(
                weight.shape == [channels], "groupNorm: weight shape \(weight.shape) does not match input \(shape); expected [\(channels)]")
        }
        if let bias {
            precondition(
                bias.shape == [channels], "groupNorm: bias shape \(bias.shape) does not match input \(shape); expected [\(channels)]")
        }
        precondition(eps >= 0, "groupNorm: eps must be non-negative, got \(eps)")
        self.init(batch: shape[0], channels: channels, groups: groups, spatial: shape[2...].reduce(1, *))
    }

    /// The mean μ and 1/√(σ² + ε) of one unit, whose `groupSize` elements
    /// start at `x`, each channel shifted by `shifts[sample·C + channel]`
    /// when given: one pass, the sums in Double in a fixed order.
    func statistics(of unit: Int, _ x: UnsafePointer<Float>, shifts: [Float]?, eps: Float) -> (mean: Double, rstd: Double) {
        let firstChannel = (unit % groups) * channelsPerGroup
        let sample = unit / groups
        var total = 0.0, totalSquares = 0.0
        for offset in 0..<channelsPerGroup {
            var s = 0.0, q = 0.0
            ck_shifted_moments(x + offset * spatial, spatial, shifts?[sample * channels + firstChannel + offset] ?? 0, &s, &q)
            total += s
            totalSquares += q
        }
        let m = total / Double(groupSize)
        let variance = Swift.max(totalSquares / Double(groupSize) - m * m, 0)
        return (m, 1 / (variance + Double(eps)).squareRoot())
    }

    /// The mean and 1/√(σ² + ε) of every unit of `x` (the whole tensor),
    /// units spread over threads; `then(unit, elements, mean, rstd)`, when
    /// given, runs on the unit's thread right after its statistics.
    func statistics(
        of x: [Float], shifts: [Float]?, eps: Float,
        then: ((Int, UnsafePointer<Float>, Double, Double) -> Void)? = nil
    ) -> (mean: [Double], rstd: [Double]) {
        var mean = [Double](repeating: 0, count: units)
        var rstd = [Double](repeating: 0, count: units)
        guard groupSize > 0 else { return (mean, rstd) }
        x.withUnsafeBufferPointer { x in
            mean.withUnsafeMutableBufferPointer { means in
                rstd.withUnsafeMutableBufferPointer { rstds in
                    let (x, means, rstds) = (x.baseAddress, means, rstds)
                    forEachUnitChunk { units in
                        for unit in units {
                            let elements = x! + unit * groupSize
                            let (m, r) = statistics(of: unit, elements, shifts: shifts, eps: eps)
                            means[unit] = m
                            rstds[unit] = r
                            then?(unit, elements, m, r)
                        }
                    }
                }
            }
        }
        return (mean, rstd)
    }

    /// Writes the normalised unit `y = γ_c·x̂ + β_c` (then SiLU with `silu`)
    /// of the unit's elements at `x` to `y` (which may be `x`).
    func normalize(
        unit: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, mean: Double, rstd: Double,
        gamma: [Float]?, beta: [Float]?, shifts: [Float]?, silu: Bool
    ) {
        let firstChannel = (unit % groups) * channelsPerGroup
        let sample = unit / groups
        let meanFloat = Float(mean)
        for offset in 0..<channelsPerGroup {
            let channel = firstChannel + offset
            let (a, b) = GroupNormLayout.affine(mean: mean, rstd: rstd, gamma: gamma?[channel], beta: beta?[channel])
            let start = offset * spatial
            let c = shifts?[sample * channels + channel] ?? 0
            ck_normalize(x + start, y + start, spatial, c, meanFloat, a, b)
            if silu && spatial > 0 { ck_silu(y + start, y + start, spatial) }
        }
    }

    /// Runs `body` over chunks of units, in parallel when there are enough elements.
    func forEachUnitChunk(_ body: (Range<Int>) -> Void) {
        Parallel.forEachChunk(units, minimumChunk: Swift.max(1, 65_536 / Swift.max(groupSize, 1)), body)
    }

    /// The normalisation of one channel as `y = (x − μ_f)·a + b` with
    /// `μ_f = Float(μ)`: subtracting first keeps precision when the mean is
    /// large next to the spread; `b` absorbs the rounding `μ − μ_f`.
    @inline(__always)
    static func affine(mean: Double, rstd: Double, gamma: Float?, beta: Float?) -> (a: Float, b: Float) {
        let residual = mean - Double(Float(mean))
        let scale = rstd * Double(gamma ?? 1)
        return (Float(scale), Float(Double(beta ?? 0) - residual * scale))
    }

    /// The gradients of the input (when `needInput`), of γ and of β. With
    /// `silu`, `outputGradient` is the gradient of SiLU(z) and is first turned
    /// into that of z, one group at a time (`beta` is then the shift β).
    /// With `shift` (`[N, C]`), the input is `x + shift[n, c]` and the
    /// shift's gradient is the sum of the input gradient over each channel.
    func backward(
        outputGradient: [Float], input: [Float], gamma: [Float]?, beta: [Float]?, shift: [Float]?,
        mean: [Double], rstd: [Double], needInput: Bool, needShift: Bool,
        silu: Bool
    ) -> (input: [Float]?, gamma: [Float], beta: [Float], shift: [Float]) {
        // Σ_s dy and Σ_s dy·(x − μ_f) for every (sample, channel).
        var sumDy = [Double](repeating: 0, count: batch * channels)
        var sumDyX = [Double](repeating: 0, count: batch * channels)
        let computeInput = needInput || needShift
        var inputGradient = [Float].unfilled(computeInput ? input.count : 0)
        var shiftGradient = [Float](repeating: 0, count: needShift ? batch * channels : 0)
        if groupSize > 0 {
            outputGradient.withUnsafeBufferPointer { outputGradientBuffer in
                input.withUnsafeBufferPointer { inputBuffer in
                    sumDy.withUnsafeMutableBufferPointer { sdy in
                        let sdy = sdy
                        sumDyX.withUnsafeMutableBufferPointer { sdyx in
                            let sdyx = sdyx
                            inputGradient.withUnsafeMutableBufferPointer { inputGradientBuffer in
                                let inputGradientBuffer = inputGradientBuffer
                                shiftGradient.withUnsafeMutableBufferPointer { shiftGradientBuffer in
                                    let shiftGradientBuffer = shiftGradientBuffer
                                    forEachUnitChunk { units in
                                        // With SiLU: the gradient of z for the current group (z recomputed, then dz in place).
                                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: silu ? groupSize : 1)
                                        defer { scratch.deallocate() }
                                        for unit in units {
                                            let sample = unit / groups
                                            let firstChannel = (unit % groups) * channelsPerGroup
                                            let base = unit * groupSize
                                            let x = inputBuffer.baseAddress! + base
                                            // Sums over x' = x − μ_f (μ_f = Float(μ)); then x̂ = (x' − δ)·rstd with δ = μ − μ_f.
                                            let meanFloat = Float(mean[unit])
                                            var dy = outputGradientBuffer.baseAddress! + base
                                            if silu {
                                                for offset in 0..<channelsPerGroup {
                                                    let channel = firstChannel + offset
                                                    let (a, b) = GroupNormLayout.affine(
                                                        mean: mean[unit], rstd: rstd[unit],
                                                        gamma: gamma?[channel], beta: beta?[channel])
                                                    let start = offset * spatial
                                                    let c = shift?[sample * channels + channel] ?? 0
                                                    ck_normalize(x + start, scratch + start, spatial, c, meanFloat, a, b)
                                                }
                                                ck_silu_backward(scratch, dy, scratch, groupSize)
                                                dy = UnsafePointer(scratch)
                                            }
                                            var a = 0.0, b = 0.0
                                            for offset in 0..<channelsPerGroup {
                                                let channel = firstChannel + offset
                                                let start = offset * spatial
                                                var s = 0.0, sx = 0.0
                                                ck_normalize_gradient_sums(
                                                    dy + start, x + start, spatial,
                                                    shift?[sample * channels + channel] ?? 0,
                                                    meanFloat, &s, &sx)
                                                sdy[sample * channels + channel] = s
                                                sdyx[sample * channels + channel] = sx
                                                let w = Double(gamma?[channel] ?? 1)
                                                a += w * s
                                                b += w * sx
                                            }
                                            guard computeInput else { continue }
                                            // dx = dy·(rstd·γ) + x'·c2 + c3 (the closed form, expanded).
                                            let dx = inputGradientBuffer.baseAddress! + base
                                            let delta = mean[unit] - Double(meanFloat), r = rstd[unit], size = Double(groupSize)
                                            let c2 = -r * r * r * (b - delta * a) / size
                                            let c3 = -r * a / size - delta * c2
                                            let c2f = Float(c2), c3f = Float(c3)
                                            for offset in 0..<channelsPerGroup {
                                                let channel = firstChannel + offset
                                                let scale = Float(r * Double(gamma?[channel] ?? 1))
                                                let start = offset * spatial
                                                let c = shift?[sample * channels + channel] ?? 0
                                                ck_normalize_backward(
                                                    dy + start, x + start, dx + start, spatial, c, meanFloat,
                                                    scale, c2f, c3f)
                                                if needShift {
                                                    shiftGradientBuffer[sample * channels + channel] =
                                                        Float(ck_sum(dx + start, spatial))
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var gammaGradient = [Float](repeating: 0, count: channels)
        var betaGradient = [Float](repeating: 0, count: channels)
        for channel in 0..<channels {
            var dGamma = 0.0, dBeta = 0.0
            for sample in 0..<batch {
                let unit = sample * groups + channel / channelsPerGroup
                let s = sumDy[sample * channels + channel], sx = sumDyX[sample * channels + channel]
                let delta = mean[unit] - Double(Float(mean[unit]))
                dGamma += rstd[unit] * (sx - delta * s)
                dBeta += s
            }
            gammaGradient[channel] = Float(dGamma)
            betaGradient[channel] = Float(dBeta)
        }
        return (needInput ? inputGradient : nil, gammaGradient, betaGradient, shiftGradient)
    }
}
