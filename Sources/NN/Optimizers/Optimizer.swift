import Tensors

/// Updates a fixed list of parameters in place from their gradients.
///
/// Optimisers follow PyTorch's `torch.optim` semantics: a parameter whose
/// `grad` is nil is skipped, and per-parameter state (moments, momentum
/// buffers, step counters) is created at its first update.
public protocol Optimizer: AnyObject {
    /// The parameters being optimised, with their module paths.
    var parameters: [(path: String, tensor: Tensor)] { get }
    /// The learning rate of the next `step()`; set it from a schedule.
    var learningRate: Float { get set }
    /// How many times `step()` has run.
    var stepCount: Int { get }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// A copy of the whole state, enough to resume bit for bit.
    func state() -> OptimizerState
    /// Replaces the state with `state`, after verifying that it fits.
    func load(state: OptimizerState) throws
}

extension Optimizer {
    /// Clears the gradient of every optimised parameter.
    public func zeroGrad() {
        for (_, tensor) in parameters { tensor.zeroGrad() }
    }
}

/// The serialisable state of an optimiser, keyed by parameter path like the
/// `state` of a PyTorch optimiser's `state_dict()`.
public struct OptimizerState: Codable, Equatable, Sendable {
    /// The state of one parameter.
    public struct ParameterState: Codable, Equatable, Sendable {
        /// How many updates this parameter has had (Adam's bias correction uses it).
        public var step: Int
        /// Named buffers with one value per parameter element
        /// (`exp_avg`, `exp_avg_sq`, `momentum_buffer`).
        public var buffers: [String: [Float]]

        /// A parameter's state from its parts.
        public init(step: Int, buffers: [String: [Float]]) {
            self.step = step
            self.buffers = buffers
        }
    }

    /// How many times `step()` ran.
    public var stepCount: Int
    /// Per-parameter state; a parameter that was never updated has none.
    public var parameters: [String: ParameterState]

    /// A state from its parts.
    public init(stepCount: Int, parameters: [String: ParameterState]) {
        self.stepCount = stepCount
        self.parameters = parameters
    }
}

extension OptimizerState {
    /// The state as tensors plus string metadata, ready for a safetensors
    /// file: buffers are flat tensors keyed `<path>.<buffer>`, counters are
    /// metadata keyed `<path>.step` and `step_count`.
    public func archived() -> (tensors: [String: Tensor], metadata: [String: String]) {
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = ["step_count": String(stepCount)]
        for (path, state) in parameters {
            metadata[path + ".step"] = String(state.step)
            for (name, values) in state.buffers {
                tensors[path + "." + name] = Tensor(shape: [values.count], scalars: values)
            }
        }
        return (tensors, metadata)
    }

    /// Rebuilds a state from `archived()` output.
    ///
    /// - Throws: `OptimizerStateError` when a counter is missing or not an
    ///   integer, or a tensor belongs to no parameter with a step counter.
    public init(archivedTensors tensors: [String: Tensor], metadata: [String: String]) throws {
        guard let countText = metadata["step_count"], let count = Int(countText), count >= 0 else {
            throw OptimizerStateError(problems: ["metadata 'step_count' is missing or not a non-negative integer"])
        }
        var parameters: [String: ParameterState] = [:]
        var problems: [String] = []
        for (key, value) in metadata where key.hasSuffix(".step") {
            let path = String(key.dropLast(".step".count))
            guard let step = Int(value), step >= 0 else {
                problems.append("metadata '\(key)' = '\(value)' is not a non-negative integer")
                continue
            }
            parameters[path] = ParameterState(step: step, buffers: [:])
        }
        for (key, tensor) in tensors {
            guard let dot = key.lastIndex(of: ".") else {
                problems.append("tensor '\(key)' is not named <path>.<buffer>")
                continue
            }
            let path = String(key[..<dot]), name = String(key[key.index(after: dot)...])
            guard parameters[path] != nil else {
                problems.append("tensor '\(key)' has no step counter '\(path).step'")
                continue
            }
            parameters[path]!.buffers[name] = tensor.scalars
        }
        if !problems.isEmpty { throw OptimizerStateError(problems: problems.sorted()) }
        self.init(stepCount: count, parameters: parameters)
    }
}

/// Why an optimiser or EMA state does not fit: every problem found.
public struct OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// Each mismatch, in words.
    public var problems: [String]

    /// An error listing `problems`.
    public init(problems: [String]) {
        self.problems = problems
    }

    /// The problems, one per line.
    public var description: String {
        "optimiser state does not fit: " + problems.joined(separator: "; ")
    }
}

/// An optimiser hyperparameter outside its accepted range.
public struct OptimizerConfigurationError: Error, Equatable, CustomStringConvertible {
    /// What is wrong with the configuration.
    public var description: String

    /// An error with its message.
    public init(_ description: String) {
        self.description = description
    }
}

/// Checks a state against the parameters and the buffers an optimiser keeps
/// per parameter; collects every problem.
func validate(
    _ state: OptimizerState, parameters: [(path: String, tensor: Tensor)],
    bufferNames: Set<String>
) throws {
    var problems: [String] = []
    if state.stepCount < 0 { problems.append("step count \(state.stepCount) is negative") }
    let counts = Dictionary(parameters.map { ($0.path, $0.tensor.count) }, uniquingKeysWith: { a, _ in a })
    for (path, parameterState) in state.parameters.sorted(by: { $0.key < $1.key }) {
        guard let count = counts[path] else {
            problems.append("state for unknown parameter '\(path)'")
            continue
        }
        if parameterState.step < 0 { problems.append("'\(path)': step \(parameterState.step) is negative") }
        let names = Set(parameterState.buffers.keys)
        for missing in bufferNames.subtracting(names).sorted() {
            problems.append("'\(path)': missing buffer '\(missing)'")
        }
        for extra in names.subtracting(bufferNames).sorted() {
            problems.append("'\(path)': unexpected buffer '\(extra)'")
        }
        for (name, values) in parameterState.buffers.sorted(by: { $0.key < $1.key })
        where bufferNames.contains(name) && values.count != count {
            problems.append("'\(path)': buffer '\(name)' has \(values.count) values, parameter has \(count)")
        }
    }
    if !problems.isEmpty { throw OptimizerStateError(problems: problems) }
}

/// Refuses a parameter list naming a path or a tensor twice (it would be
/// updated twice per step).
func checkDistinct(_ parameters: [(path: String, tensor: Tensor)], optimizer: String) throws {
    var paths = Set<String>(), tensors = Set<ObjectIdentifier>()
    for (path, tensor) in parameters {
        guard paths.insert(path).inserted else {
            throw OptimizerConfigurationError("\(optimizer): parameter path '\(path)' appears twice")
        }
        guard tensors.insert(ObjectIdentifier(tensor)).inserted else {
            throw OptimizerConfigurationError("\(optimizer): the tensor at '\(path)' is listed twice")
        }
    }
}

/// Stops with a message when a gradient does not match its parameter.
func checkGradient(_ grad: Tensor, of parameter: Tensor, path: String) {
    precondition(
        grad.shape == parameter.shape,
        "optimiser: gradient of '\(path)' has shape \(grad.shape), parameter has \(parameter.shape)")
}
