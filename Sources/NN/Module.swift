import Tensors

/// A building block of a network that owns parameters and child modules,
/// named the way PyTorch names them.
///
/// A module lists its own parameters (`weight`, `bias`, …) and its children
/// (`conv1`, `resnets`, …) in a stable order; the extension methods walk the
/// tree and join the names with dots, so a parameter's path is exactly its key
/// in a PyTorch / diffusers state dict (`down_blocks.0.resnets.1.conv1.weight`).
///
/// Parameters are leaf tensors with `requiresGrad = true`. Loading replaces
/// their values in place, so optimisers that hold them stay valid.
public protocol Module: AnyObject {
    /// The parameters this module owns directly, in a stable order.
    var parameters: [(name: String, tensor: Tensor)] { get }
    /// The direct sub-modules, in a stable order.
    var children: [(name: String, module: any Module)] { get }
}

extension Module {
    /// No parameters of its own.
    public var parameters: [(name: String, tensor: Tensor)] { [] }
    /// No children.
    public var children: [(name: String, module: any Module)] { [] }
}

/// A module whose behaviour differs between training and evaluation
/// (dropout). `Module.setTraining(_:)` switches every such module in a tree.
public protocol TrainingModeSwitchable: Module {
    /// Whether the module behaves as in training (`true`) or evaluation.
    var isTraining: Bool { get set }
}

/// A module that maps one tensor to one tensor, so it can sit in a `Sequential`.
public protocol UnaryLayer: Module {
    /// Applies the layer.
    func callAsFunction(_ input: Tensor) -> Tensor
}

extension Module {
    /// Every parameter of this module and its descendants with its dotted
    /// path, depth first: own parameters, then each child's in order.
    public func namedParameters() -> [(path: String, tensor: Tensor)] {
        var result: [(path: String, tensor: Tensor)] = []
        collectParameters(prefix: "", into: &result)
        return result
    }

    private func collectParameters(prefix: String, into result: inout [(path: String, tensor: Tensor)]) {
        for (name, tensor) in parameters {
            result.append((prefix + name, tensor))
        }
        for (name, child) in children {
            child.collectParameters(prefix: prefix + name + ".", into: &result)
        }
    }

    /// Every module of the tree with its dotted path (`""` for this one), depth first.
    public func namedModules() -> [(path: String, module: any Module)] {
        var result: [(path: String, module: any Module)] = [("", self)]
        for (name, child) in children {
            for (path, module) in child.namedModules() {
                result.append((path.isEmpty ? name : name + "." + path, module))
            }
        }
        return result
    }

    /// The total number of scalars in all parameters.
    public var parameterCount: Int {
        namedParameters().reduce(0) { $0 + $1.tensor.count }
    }

    /// The parameters keyed by path (the tensors themselves, not copies).
    public func stateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (path, tensor) in namedParameters() { result[path] = tensor }
        return result
    }

    /// Copies values from `stateDict` into the parameters, in place.
    ///
    /// Every key and shape is verified before anything is written, so a
    /// failed load leaves the module unchanged. With `strict`, missing and
    /// unexpected keys are errors; without it they are ignored (as PyTorch's
    /// `strict=False`), but a shape mismatch is always an error.
    ///
    /// - Throws: `StateDictError` naming every missing, unexpected and
    ///   mis-shaped tensor.
    public func load(stateDict: [String: Tensor], strict: Bool = true) throws {
        let named = namedParameters()
        var known = Set<String>()
        var missing: [String] = []
        var mismatched: [StateDictError.ShapeMismatch] = []
        var assignments: [(Tensor, Tensor)] = []
        for (path, parameter) in named {
            known.insert(path)
            guard let source = stateDict[path] else {
                missing.append(path)
                continue
            }
            if source.shape != parameter.shape {
                mismatched.append(.init(path: path, expected: parameter.shape, found: source.shape))
            } else {
                assignments.append((parameter, source))
            }
        }
        let unexpected = stateDict.keys.filter { !known.contains($0) }.sorted()
        if !mismatched.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw StateDictError(
                missing: strict ? missing : [],
                unexpected: strict ? unexpected : [],
                mismatched: mismatched)
        }
        for (parameter, source) in assignments where parameter !== source {
            parameter.assign(source.scalars)
        }
    }

    /// Switches every `TrainingModeSwitchable` module of the tree to training
    /// (`true`) or evaluation (`false`) behaviour.
    public func setTraining(_ training: Bool) {
        for (_, module) in namedModules() {
            if let switchable = module as? any TrainingModeSwitchable {
                switchable.isTraining = training
            }
        }
    }

    /// Clears the gradient of every parameter.
    public func zeroGrad() {
        for (_, tensor) in namedParameters() { tensor.zeroGrad() }
    }
}

/// Why a state dict could not be loaded into a module: every missing,
/// unexpected and mis-shaped tensor, not just the first.
public struct StateDictError: Error, Equatable, CustomStringConvertible {
    /// A tensor whose shape differs from the parameter it would fill.
    public struct ShapeMismatch: Equatable, Sendable {
        /// The parameter's path.
        public var path: String
        /// The shape the module has.
        public var expected: [Int]
        /// The shape the state dict has.
        public var found: [Int]
    }

    /// Parameters of the module that the state dict lacks.
    public var missing: [String]
    /// Keys of the state dict that name no parameter.
    public var unexpected: [String]
    /// Keys whose tensor has the wrong shape.
    public var mismatched: [ShapeMismatch]

    /// The missing, unexpected and mis-shaped entries, each kind with its count and paths.
    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty {
            parts.append("\(missing.count) missing: \(missing.joined(separator: ", "))")
        }
        if !unexpected.isEmpty {
            parts.append("\(unexpected.count) unexpected: \(unexpected.joined(separator: ", "))")
        }
        if !mismatched.isEmpty {
            let list = mismatched.map { "\($0.path) (expected \($0.expected), found \($0.found))" }
            parts.append("\(mismatched.count) mis-shaped: \(list.joined(separator: ", "))")
        }
        return "state dict does not match the module: " + parts.joined(separator: "; ")
    }
}
