import Foundation
import Tensors

/// An exponential moving average of parameters, as diffusers' `EMAModel`:
/// after each optimiser step, every shadow value moves towards its parameter,
///
///     s ← s − (1 − d)·(s − θ)
///
/// with the decay `d` of update number `k` (counting from 1) given by
/// `decay(forUpdate:)`: 0 while `k − updateAfterStep − 1 ≤ 0` (the shadow
/// becomes a copy), otherwise the warmup value for `j = k − updateAfterStep − 1`
/// clamped to `[minDecay, decay]`.
public final class ExponentialMovingAverage {
    /// How the decay grows at the start of training.
    public enum Warmup: Codable, Equatable, Sendable {
        /// The target decay from the second update on.
        case none
        /// `(1 + j)/(10 + j)`, diffusers' default (`use_ema_warmup = False`).
        case ratio
        /// `1 − (1 + j/γ)^(−p)`, diffusers' `use_ema_warmup = True`
        /// (defaults γ = 1, p = 2/3).
        case power(inverseGamma: Double, power: Double)
    }

    /// The parameters being averaged, with their paths.
    public let parameters: [(path: String, tensor: Tensor)]
    /// The target (maximum) decay.
    public let decay: Double
    /// The smallest decay used once warmup starts.
    public let minDecay: Double
    /// Updates before this count copy the parameters instead of averaging.
    public let updateAfterStep: Int
    /// How the decay grows at the start.
    public let warmup: Warmup
    /// How many times `update()` has run.
    public private(set) var updateCount = 0
    /// The decay used by the last `update()` (nil before the first).
    public private(set) var lastDecay: Double?
    private var shadow: [[Float]]
    private var stored: [[Float]]?

    /// Starts the average at the current parameter values.
    ///
    /// - Throws: `OptimizerConfigurationError` when `decay` or `minDecay` is
    ///   outside [0, 1], `minDecay > decay`, `updateAfterStep < 0`, or the
    ///   power warmup has non-positive γ or p.
    public init(
        parameters: [(path: String, tensor: Tensor)], decay: Double = 0.9999,
        minDecay: Double = 0, updateAfterStep: Int = 0, warmup: Warmup = .ratio
    ) throws {
        guard (0...1).contains(decay), (0...1).contains(minDecay), minDecay <= decay else {
            throw OptimizerConfigurationError("EMA: need 0 ≤ minDecay ≤ decay ≤ 1, got minDecay \(minDecay), decay \(decay)")
        }
        guard updateAfterStep >= 0 else {
            throw OptimizerConfigurationError("EMA: updateAfterStep must be ≥ 0, got \(updateAfterStep)")
        }
        if case .power(let gamma, let power) = warmup, !(gamma > 0 && power > 0 && gamma.isFinite && power.isFinite) {
            throw OptimizerConfigurationError("EMA: power warmup needs γ > 0 and p > 0, got γ \(gamma), p \(power)")
        }
        self.parameters = parameters
        self.decay = decay
        self.minDecay = minDecay
        self.updateAfterStep = updateAfterStep
        self.warmup = warmup
        shadow = parameters.map { $0.tensor.scalars }
    }

    /// The decay of update number `update` (1 for the first).
    public func decay(forUpdate update: Int) -> Double {
        let j = Swift.max(0, update - updateAfterStep - 1)
        if j <= 0 { return 0 }
        let warm: Double
        switch warmup {
        case .none: warm = decay
        case .ratio: warm = Double(1 + j) / Double(10 + j)
        case .power(let gamma, let power): warm = 1 - Foundation.pow(1 + Double(j) / gamma, -power)
        }
        return Swift.max(Swift.min(warm, decay), minDecay)
    }

    /// Moves the average one step towards the current parameters (call after
    /// each optimiser step). Parameters that do not require gradients are copied.
    public func update() {
        updateCount += 1
        let d = decay(forUpdate: updateCount)
        lastDecay = d
        let rate = Float(1 - d)
        for (index, (_, parameter)) in parameters.enumerated() {
            if !parameter.requiresGrad {
                shadow[index] = parameter.scalars
                continue
            }
            parameter.scalars.withUnsafeBufferPointer { theta in
                shadow[index].withUnsafeMutableBufferPointer { s in
                    let s = s
                    Parallel.forEachElementChunk(s.count) { range in
                        for i in range { s[i] -= rate * (s[i] - theta[i]) }
                    }
                }
            }
        }
    }

    /// The averaged values keyed by parameter path, as new tensors (for
    /// saving the EMA weights as a model file).
    public func averagedStateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (index, (path, parameter)) in parameters.enumerated() {
            result[path] = Tensor(shape: parameter.shape, scalars: shadow[index])
        }
        return result
    }

    /// Writes the averaged values into the parameters.
    public func copyToParameters() {
        for (index, (_, parameter)) in parameters.enumerated() { parameter.assign(shadow[index]) }
    }

    /// Remembers the current parameter values (e.g. before `copyToParameters()`
    /// for an evaluation with EMA weights).
    public func storeParameters() {
        stored = parameters.map { $0.tensor.scalars }
    }

    /// Runs `body` with the averaged values in the parameters, then puts the
    /// current values back (an evaluation or an export with the EMA weights).
    public func withAveragedParameters<Result>(_ body: () throws -> Result) rethrows -> Result {
        storeParameters()
        copyToParameters()
        defer { restoreParameters() }
        return try body()
    }

    /// Puts back the values saved by `storeParameters()`; returns false (and
    /// changes nothing) when nothing was stored.
    @discardableResult
    public func restoreParameters() -> Bool {
        guard let stored else { return false }
        for (index, (_, parameter)) in parameters.enumerated() { parameter.assign(stored[index]) }
        self.stored = nil
        return true
    }

    /// The serialisable state: the update counter and the shadow values.
    public func state() -> State {
        var values: [String: [Float]] = [:]
        for (index, (path, _)) in parameters.enumerated() { values[path] = shadow[index] }
        return State(updateCount: updateCount, shadow: values)
    }

    /// Replaces counter and shadow values, after checking that every
    /// parameter is present with the right number of values.
    ///
    /// - Throws: ``OptimizerStateError`` when the state does not fit these parameters.
    public func load(state: State) throws {
        var problems: [String] = []
        if state.updateCount < 0 { problems.append("update count \(state.updateCount) is negative") }
        let paths = Set(parameters.map(\.path))
        for (path, parameter) in parameters {
            guard let values = state.shadow[path] else {
                problems.append("missing shadow for '\(path)'")
                continue
            }
            if values.count != parameter.count {
                problems.append("shadow for '\(path)' has \(values.count) values, parameter has \(parameter.count)")
            }
        }
        for path in state.shadow.keys.sorted() where !paths.contains(path) {
            problems.append("shadow for unknown parameter '\(path)'")
        }
        if !problems.isEmpty { throw OptimizerStateError(problems: problems) }
        updateCount = state.updateCount
        lastDecay = updateCount > 0 ? decay(forUpdate: updateCount) : nil
        shadow = parameters.map { state.shadow[$0.path]! }
    }

    /// The state of an `ExponentialMovingAverage`.
    public struct State: Codable, Equatable, Sendable {
        /// How many updates ran.
        public var updateCount: Int
        /// The averaged values keyed by parameter path.
        public var shadow: [String: [Float]]

        /// A state from its parts.
        public init(updateCount: Int, shadow: [String: [Float]]) {
            self.updateCount = updateCount
            self.shadow = shadow
        }

        /// The state as tensors plus metadata for a safetensors file: the
        /// shadow values as flat tensors keyed by path, the counter as
        /// metadata `update_count`.
        public func archived() -> (tensors: [String: Tensor], metadata: [String: String]) {
            (shadow.mapValues { Tensor(shape: [$0.count], scalars: $0) }, ["update_count": String(updateCount)])
        }

        /// Rebuilds a state from `archived()` output.
        ///
        /// - Throws: ``OptimizerStateError`` when the state does not fit these parameters.
        public init(archivedTensors tensors: [String: Tensor], metadata: [String: String]) throws {
            guard let text = metadata["update_count"], let count = Int(text), count >= 0 else {
                throw OptimizerStateError(problems: ["metadata 'update_count' is missing or not a non-negative integer"])
            }
            self.init(updateCount: count, shadow: tensors.mapValues(\.scalars))
        }
    }
}
