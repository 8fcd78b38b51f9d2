import CKernels
import Foundation

/// Elementwise functions, each with its derivative.
extension Tensor {
    /// Applies `f` to every element; the backward multiplies the incoming
    /// gradient by `derivative(x, y)` where `y = f(x)`.
    @inline(__always)
    func map(op: String, _ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        var out = [Float].unfilled(count)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let dst = dst
                let base = dst.baseAddress!
                Parallel.forEachChunk(src.count, minimumChunk: 32_768) { range in
                    for i in range { base[i] = f(src[i]) }
                }
            }
        }
        let input = self
        let result = Tensor.result(shape: shape, scalars: out, inputs: [self]) { g in
            var gradient = [Float].unfilled(input.count)
            g.scalars.withUnsafeBufferPointer { pg in
                input.scalars.withUnsafeBufferPointer { px in
                    out.withUnsafeBufferPointer { py in
                        gradient.withUnsafeMutableBufferPointer { pd in
                            let pd = pd
                            Parallel.forEachElementChunk(pd.count) { range in
                                for i in range { pd[i] = pg[i] * derivative(px[i], py[i]) }
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: input.shape, scalars: gradient)]
        }
        return result
    }

    /// `eˣ` elementwise, by the vectorised kernel `ck_exp`.
    public func exp() -> Tensor {
        mapKernel(ck_exp) { x, y, g, dx, range in
            for i in range { dx[i] = g[i] * y[i] }
        }
    }
    /// The natural logarithm of every element.
    public func log() -> Tensor { map(op: "log", { Foundation.log($0) }, derivative: { x, _ in 1 / x }) }
    /// The square root of every element.
    public func sqrt() -> Tensor { map(op: "sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    /// 1/√x of every element.
    public func rsqrt() -> Tensor {
        map(op: "rsqrt", { 1 / $0.squareRoot() }, derivative: { x, y in -0.5 * y / x })
    }
    /// Every element squared.
    public func square() -> Tensor { map(op: "square", { $0 * $0 }, derivative: { x, _ in 2 * x }) }
    /// The absolute value of every element (gradient 0 at 0).
    public func abs() -> Tensor {
        map(op: "abs", { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }
    /// The hyperbolic tangent of every element.
    public func tanh() -> Tensor { map(op: "tanh", { Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }
    /// `σ(x) = 1 / (1 + e⁻ˣ)` elementwise, by the vectorised kernel `ck_sigmoid`.
    public func sigmoid() -> Tensor {
        mapKernel(ck_sigmoid) { _, y, g, dx, range in
            for i in range { dx[i] = g[i] * y[i] * (1 - y[i]) }
        }
    }
    /// max(x, 0) of every element.
    public func relu() -> Tensor { map(op: "relu", { Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }

    /// SiLU (swish): `x · σ(x)`, by the vectorised kernels `ck_silu` and
    /// `ck_silu_backward` (`σ(x) · (1 + x · (1 − σ(x)))`).
    public func silu() -> Tensor {
        mapKernel(ck_silu) { x, _, g, dx, range in
            ck_silu_backward(x + range.lowerBound, g + range.lowerBound, dx + range.lowerBound, range.count)
        }
    }

    /// Applies a C kernel `forward(x, y, n)` to every element, spread over the
    /// threads in chunks of at least 32k (transcendental work). The backward
    /// calls `backward(x, y, g, dx, range)` on chunks of the same size.
    func mapKernel(
        _ forward: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void,
        backward:
            @escaping (
                UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                UnsafeMutablePointer<Float>, Range<Int>
            ) -> Void
    ) -> Tensor {
        var out = [Float].unfilled(count)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let dst = dst
                let source = src.baseAddress, destination = dst.baseAddress
                Parallel.forEachChunk(src.count, minimumChunk: 32_768) { range in
                    forward(source! + range.lowerBound, destination! + range.lowerBound, range.count)
                }
            }
        }
        let input = self
        return Tensor.result(shape: shape, scalars: out, inputs: [self]) { g in
            var gradient = [Float].unfilled(input.count)
            g.scalars.withUnsafeBufferPointer { pg in
                input.scalars.withUnsafeBufferPointer { px in
                    out.withUnsafeBufferPointer { py in
                        gradient.withUnsafeMutableBufferPointer { pd in
                            let pd = pd
                            guard let x = px.baseAddress, let y = py.baseAddress, let gb = pg.baseAddress,
                                let d = pd.baseAddress
                            else { return }
                            Parallel.forEachChunk(pd.count, minimumChunk: 32_768) { range in
                                backward(x, y, gb, d, range)
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: input.shape, scalars: gradient)]
        }
    }

    /// GELU with the exact error function, as PyTorch's default `F.gelu`.
    public func gelu() -> Tensor {
        map(
            op: "gelu", { 0.5 * $0 * (1 + Foundation.erf($0 * 0.707_106_78)) },
            derivative: { x, _ in
                0.5 * (1 + Foundation.erf(x * 0.707_106_78)) + x * 0.398_942_28 * Foundation.exp(-0.5 * x * x)
            })
    }

    /// Clamps every element to `[low, high]`; the gradient passes where unclamped.
    public func clamped(_ low: Float, _ high: Float) -> Tensor {
        map(
            op: "clamp", { Swift.min(Swift.max($0, low), high) },
            derivative: { x, _ in x >= low && x <= high ? 1 : 0 })
    }
}
