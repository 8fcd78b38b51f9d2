import Foundation
import Tensors

/// UniPC (Zhao et al. 2023), the unified predictor–corrector multistep solver
/// in data (x̂0) prediction with the B(h) = e^h − 1 variant ("bh2"), as
/// diffusers' `UniPCMultistepScheduler` with its defaults (`predict_x0=True`,
/// `lower_order_final=True`, `final_sigmas_type="zero"`). Each step first
/// corrects the sample the last predictor made with the model output just
/// computed there (UniC), then predicts the next sample (UniP) from the last
/// `order` x̂0. One model evaluation per step, like DPM-Solver++.
public struct UniPCSampler: SteppedSampler {
    /// The process whose model is sampled.
    public let diffusion: GaussianDiffusion
    /// The timesteps visited, strictly decreasing.
    public let timesteps: [Int]
    /// 1, 2 (diffusers' default, for guided sampling) or 3 (for unconditional).
    public let order: Int

    /// A sampler on `steps` timesteps picked as diffusers does (as DPM-Solver++; linspace by default).
    public init(
        diffusion: GaussianDiffusion, steps: Int = 20, spacing: TimestepSpacing = .linspace, offset: Int = 0,
        order: Int = 2
    ) throws {
        guard (1...3).contains(order) else {
            throw DiffusionError.invalidParameter(name: "UniPC order", value: "\(order)", accepted: "1, 2 or 3")
        }
        self.diffusion = diffusion
        self.timesteps = try DPMSolverPlusPlus.timesteps(
            steps: steps, trainingSteps: diffusion.schedule.count,
            spacing: spacing, offset: offset)
        self.order = order
    }

    /// (α, σ, λ) at step `index` of the list, or at the clean end (index = count).
    func level(_ index: Int) -> (alpha: Double, sigma: Double, lambda: Double) {
        guard index < timesteps.count else { return (1, 0, .infinity) }
        let s = diffusion.schedule.double
        let t = timesteps[index]
        let alphaBar = s.alphaBar[t] == 0 ? 0x1p-24 : s.alphaBar[t]
        let alpha = alphaBar.squareRoot(), sigma = (1 - alphaBar).squareRoot()
        return (alpha, sigma, Foundation.log(alpha) - Foundation.log(sigma))
    }

    /// The coefficients ρ of UniP (`predictor`) or UniC for ratios `rks` (the last is 1 for UniC).
    func coefficients(rks: [Double], hh: Double, predictor: Bool) -> [Double] {
        let order = rks.count
        let bh = Foundation.expm1(hh)
        var phi = Foundation.expm1(hh) / hh - 1
        var factorial = 1.0
        var rows: [[Double]] = [], b: [Double] = []
        for k in 1...order {
            rows.append(rks.map { Foundation.pow($0, Double(k - 1)) })
            b.append(phi * factorial / bh)
            factorial *= Double(k + 1)
            phi = phi / hh - 1 / factorial
        }
        if predictor {
            if order == 2 { return [0.5] }
            return Self.solve(Array(rows.prefix(order - 1).map { Array($0.prefix(order - 1)) }), Array(b.prefix(order - 1)))
        }
        if order == 1 { return [0.5] }
        return Self.solve(rows, b)
    }

    /// x for the small system A x = b (Gaussian elimination with partial pivoting).
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var m = a, v = b
        let n = v.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(m[$0][column]) < abs(m[$1][column]) }!
            m.swapAt(column, pivot)
            v.swapAt(column, pivot)
            for row in (column + 1)..<n where n > column + 1 {
                let factor = m[row][column] / m[column][column]
                for k in column..<n { m[row][k] -= factor * m[column][k] }
                v[row] -= factor * v[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = v[row]
            for k in (row + 1)..<n where n > row + 1 { sum -= m[row][k] * x[k] }
            x[row] = sum / m[row][row]
        }
        return x
    }

    /// The x̂0 of a model output at step `index` (clipping or thresholding as the process says).
    public func predictedX0(modelOutput: Tensor, index: Int, sample: Tensor) throws -> Tensor {
        let indices = [Int](repeating: timesteps[index], count: sample.shape.first ?? 0)
        let prediction = try diffusion.split(output: modelOutput, for: sample).prediction
        let x0 = try diffusion.schedule.interpret(prediction, as: diffusion.prediction, xt: sample, timesteps: indices).x0
        return diffusion.denoisedClipping.apply(to: x0)
    }

    /// UniC at step `index`: corrects `sample` (the predictor's x at step `index`, made from
    /// `lastSample` at `index − 1`) with `x0` (this step's x̂0); `history` holds the earlier x̂0,
    /// most recent first, `history[0]` being step `index − 1`'s.
    func correct(sample: Tensor, lastSample: Tensor, x0: Tensor, history: [Tensor], index: Int, order: Int) -> Tensor {
        let target = level(index), source = level(index - 1)
        let h = target.lambda - source.lambda, hh = -h
        let m0 = history[0]
        var rks: [Double] = [], differences: [Tensor] = []
        for k in 1..<order {
            let rk = (level(index - 1 - k).lambda - source.lambda) / h
            rks.append(rk)
            differences.append((history[k] - m0) * Float(1 / rk))
        }
        let rhos = coefficients(rks: rks + [1], hh: hh, predictor: false)
        let bh = Foundation.expm1(hh)
        var result = lastSample * Float(target.sigma / source.sigma) - m0 * Float(target.alpha * Foundation.expm1(hh))
        var correction = (x0 - m0) * Float(rhos[rhos.count - 1])
        for (rho, difference) in zip(rhos.dropLast(), differences) { correction = correction + difference * Float(rho) }
        result = result - correction * Float(target.alpha * bh)
        return result
    }

    /// UniP from step `index` to `index + 1` with `history` (x̂0, most recent first, `history[0]` this step's).
    func predict(sample: Tensor, history: [Tensor], index: Int, order: Int) -> Tensor {
        if index + 1 == timesteps.count { return history[0] }  // to σ = 0: first order, x = x̂0
        let target = level(index + 1), source = level(index)
        let h = target.lambda - source.lambda, hh = -h
        let m0 = history[0]
        var result = sample * Float(target.sigma / source.sigma) - m0 * Float(target.alpha * Foundation.expm1(hh))
        guard order >= 2 else { return result }
        var rks: [Double] = [], differences: [Tensor] = []
        for k in 1..<order {
            let rk = (level(index - k).lambda - source.lambda) / h
            rks.append(rk)
            differences.append((history[k] - m0) * Float(1 / rk))
        }
        let rhos = coefficients(rks: rks + [1], hh: hh, predictor: true)
        var prediction = differences[0] * Float(rhos[0])
        for (rho, difference) in zip(rhos.dropFirst(), differences.dropFirst()) { prediction = prediction + difference * Float(rho) }
        result = result - prediction * Float(target.alpha * Foundation.expm1(hh))
        return result
    }

    /// The orders of the predictor at each step: warm-up from 1, and lower at the end (`lower_order_final`).
    func predictorOrder(at index: Int, start: Int) -> Int {
        Swift.min(order, timesteps.count - index, index - start + 1)
    }

    /// x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε at the timestep of `step`.
    public func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor {
        try noised(x0, with: noise, alphaBar: diffusion.schedule.double.alphaBar[timesteps[try checkedStep(step)]])
    }

    /// One discrete evaluation per step; none takes noise.
    public func evaluations(fromStep start: Int) -> [SamplerTimestep] {
        (start..<timesteps.count).map { SamplerTimestep(step: $0, modelTimestep: .discrete(timesteps[$0]), takesNoise: false) }
    }

    /// What a run keeps: the step it began at, x̂0 of the steps so far (most
    /// recent first), and the sample the last predictor started from with its order.
    public struct RunState {
        let start: Int
        var history: [Tensor] = []
        var lastSample: Tensor? = nil
        var lastOrder = 1
    }

    /// An empty history.
    public func initialRunState(fromStep start: Int) -> RunState { RunState(start: start) }

    /// Corrects the sample the last predictor made (UniC), then predicts the next (UniP).
    public func step(
        _ state: inout RunState, modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor, noise: Tensor?
    ) throws -> SamplerStepOutput {
        let i = timestep.step
        var x = sample
        let x0 = try predictedX0(modelOutput: modelOutput, index: i, sample: x)
        if let lastSample = state.lastSample {
            x = correct(sample: x, lastSample: lastSample, x0: x0, history: state.history, index: i, order: state.lastOrder)
        }
        state.history = Array(([x0] + state.history).prefix(order))
        state.lastOrder = predictorOrder(at: i, start: state.start)
        state.lastSample = x
        x = predict(sample: x, history: state.history, index: i, order: state.lastOrder)
        return SamplerStepOutput(sample: x, predictedX0: x0)
    }
}
