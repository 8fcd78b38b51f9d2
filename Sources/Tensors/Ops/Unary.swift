import Foundation

/// Elementwise functions, each with its derivative.
extension Tensor {
    /// Applies `f` to every element; the backward multiplies the incoming
    /// gradient by `derivative(x, y)` where `y = f(x)`.
    @inline(__always)
    func map(op: String, _ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let base = dst.baseAddress!
                Parallel.forEachChunk(src.count, minimumChunk: 32_768) { range in
                    for i in range { base[i] = f(src[i]) }
                }
            }
        }
        let input = self
        let result = Tensor.result(shape: shape, scalars: out, inputs: [self]) { g in
            var gradient = [Float](repeating: 0, count: input.count)
            g.scalars.withUnsafeBufferPointer { pg in
                input.scalars.withUnsafeBufferPointer { px in
                    out.withUnsafeBufferPointer { py in
                        gradient.withUnsafeMutableBufferPointer { pd in
                            for i in 0..<pd.count { pd[i] = pg[i] * derivative(px[i], py[i]) }
                        }
                    }
                }
            }
            return [Tensor(shape: input.shape, scalars: gradient)]
        }
        return result
    }

    public func exp() -> Tensor { map(op: "exp", { Foundation.exp($0) }, derivative: { _, y in y }) }
    public func log() -> Tensor { map(op: "log", { Foundation.log($0) }, derivative: { x, _ in 1 / x }) }
    public func sqrt() -> Tensor { map(op: "sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    public func rsqrt() -> Tensor {
        map(op: "rsqrt", { 1 / $0.squareRoot() }, derivative: { x, y in -0.5 * y / x })
    }
    public func square() -> Tensor { map(op: "square", { $0 * $0 }, derivative: { x, _ in 2 * x }) }
    public func abs() -> Tensor {
        map(op: "abs", { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }
    public func tanh() -> Tensor { map(op: "tanh", { Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }
    public func sigmoid() -> Tensor {
        map(op: "sigmoid", { 1 / (1 + Foundation.exp(-$0)) }, derivative: { _, y in y * (1 - y) })
    }
    public func relu() -> Tensor { map(op: "relu", { Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }

    /// SiLU (swish): `x · σ(x)`.
    public func silu() -> Tensor {
        map(op: "silu", { $0 / (1 + Foundation.exp(-$0)) }, derivative: { x, _ in
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 + x * (1 - s))
        })
    }

    /// GELU with the exact error function, as PyTorch's default `F.gelu`.
    public func gelu() -> Tensor {
        map(op: "gelu", { 0.5 * $0 * (1 + Foundation.erf($0 * 0.707_106_78)) }, derivative: { x, _ in
            0.5 * (1 + Foundation.erf(x * 0.707_106_78)) + x * 0.398_942_28 * Foundation.exp(-0.5 * x * x)
        })
    }

    /// Clamps every element to `[low, high]`; the gradient passes where unclamped.
    public func clamped(_ low: Float, _ high: Float) -> Tensor {
        map(op: "clamp", { Swift.min(Swift.max($0, low), high) },
            derivative: { x, _ in x >= low && x <= high ? 1 : 0 })
    }
}
