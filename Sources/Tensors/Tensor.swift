/// An n-dimensional array of `Float` in contiguous row-major storage, with
/// optional reverse-mode gradient tracking.
///
/// A tensor is a reference type: the autodiff graph links tensors to the ops
/// that made them. Its scalars are a copy-on-write array, so views such as
/// `reshaped` share storage until one side is written.
public final class Tensor {
    /// The extent of each dimension; `[]` is a scalar.
    public let shape: [Int]
    /// The elements in row-major order. Writing them drops the values derived
    /// from them.
    public internal(set) var scalars: [Float] {
        didSet { if !derivedValues.isEmpty { derivedValues = [:] } }
    }
    /// Whether gradients flow to (or through) this tensor.
    public var requiresGrad: Bool
    /// The accumulated gradient of the last `backward()`, for leaves that require it.
    public var grad: Tensor?
    /// The op that produced this tensor, while the graph is alive.
    var gradNode: GradNode?
    /// What ops derived from the scalars and keep for later calls, by
    /// derivation (`keptDerivation`).
    var derivedValues: [DerivedValueKey: [Float]] = [:]

    /// A tensor of the given shape holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        precondition(
            scalars.count == shape.elementCount,
            "Tensor: \(scalars.count) scalars do not fill shape \(shape) (\(shape.elementCount) elements)")
        self.shape = shape
        self.scalars = scalars
        self.requiresGrad = requiresGrad
    }

    /// A rank-0 tensor holding one value.
    public convenience init(_ value: Float) {
        self.init(shape: [], scalars: [value])
    }

    /// A rank-1 tensor holding `values`.
    public convenience init(_ values: [Float]) {
        self.init(shape: [values.count], scalars: values)
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }
    /// The number of elements.
    public var count: Int { scalars.count }
    /// Whether this tensor was made by the user rather than by an op.
    public var isLeaf: Bool { gradNode == nil }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, expected 1")
        return scalars[0]
    }

    /// The element at a multi-index.
    public subscript(indices: Int...) -> Float {
        scalars[shape.flatIndex(indices)]
    }

    /// Row-major strides of this tensor's shape.
    public var strides: [Int] { shape.contiguousStrides }

    /// A copy that shares the values but is cut off from the autodiff graph.
    public func detached() -> Tensor {
        Tensor(shape: shape, scalars: scalars)
    }

    /// Runs `body` on the scalars for in-place mutation (optimisers, EMA, loaders).
    /// The mutation is not recorded by autodiff.
    public func withMutableScalars<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    /// Replaces all values with `newScalars` (same count), not recorded by autodiff.
    public func assign(_ newScalars: [Float]) {
        precondition(newScalars.count == count, "assign: \(newScalars.count) values for shape \(shape)")
        scalars = newScalars
    }
}

extension Tensor {
    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, scalars: [Float](repeating: 0, count: shape.elementCount))
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, scalars: [Float](repeating: 1, count: shape.elementCount))
    }

    /// A tensor with every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(shape: shape, scalars: [Float](repeating: value, count: shape.elementCount))
    }

    /// `[start, start + step, …]` up to but excluding `end`.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0 && step.isFinite, "arange: step must be finite and non-zero, got \(step)")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n], scalars: (0..<n).map { start + Float($0) * step })
    }

    /// Zeros shaped like `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }
}

extension Tensor: CustomStringConvertible {
    /// The shape and the first values.
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
