/// Elementwise arithmetic with NumPy broadcasting: `+ - * /` between tensors
/// and with scalars, each with its backward.
extension Tensor {
    /// The elementwise sum, broadcast as NumPy does; the gradient is summed back to each shape.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (shape, values) = broadcastMap(a, b, op: "add", ElementSum())
        let sa = a.shape, sb = b.shape
        return .result(shape: shape, scalars: values, inputs: [a, b]) { g in
            [g.sum(toShape: sa), g.sum(toShape: sb)]
        }
    }

    /// The elementwise difference, broadcast as NumPy does.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (shape, values) = broadcastMap(a, b, op: "sub", ElementDifference())
        let sa = a.shape, sb = b.shape
        return .result(shape: shape, scalars: values, inputs: [a, b]) { g in
            [g.sum(toShape: sa), (-g).sum(toShape: sb)]
        }
    }

    /// The elementwise product, broadcast as NumPy does.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (shape, values) = broadcastMap(a, b, op: "mul", ElementProduct())
        return .result(shape: shape, scalars: values, inputs: [a, b]) { g in
            [
                a.requiresGrad ? (g * b).sum(toShape: a.shape) : nil,
                b.requiresGrad ? (g * a).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// The elementwise quotient, broadcast as NumPy does.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (shape, values) = broadcastMap(a, b, op: "div", ElementQuotient())
        return .result(shape: shape, scalars: values, inputs: [a, b]) { g in
            [
                a.requiresGrad ? (g / b).sum(toShape: a.shape) : nil,
                b.requiresGrad ? (-(g * a) / (b * b)).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// Every element negated.
    public static prefix func - (a: Tensor) -> Tensor {
        .result(shape: a.shape, scalars: mapElements(a.scalars, ElementNegation()), inputs: [a]) { g in [-g] }
    }

    /// Adds `s` to every element.
    public static func + (a: Tensor, s: Float) -> Tensor {
        .result(shape: a.shape, scalars: mapElements(a.scalars, ElementShift(shift: s)), inputs: [a]) { g in [g] }
    }

    /// Adds `s` to every element.
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }

    /// Subtracts `s` from every element.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

    /// `s` minus every element.
    public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }

    /// Multiplies every element by `s`.
    public static func * (a: Tensor, s: Float) -> Tensor {
        .result(shape: a.shape, scalars: mapElements(a.scalars, ElementScale(factor: s)), inputs: [a]) { g in [g * s] }
    }

    /// Multiplies every element by `s`.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }

    /// Divides every element by `s`.
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    /// `s` divided by every element.
    public static func / (s: Float, a: Tensor) -> Tensor {
        a.map(op: "reciprocal", { s / $0 }, derivative: { x, _ in -s / (x * x) })
    }

    /// `f` applied to every element, spread over the threads for large arrays.
    static func mapElements<F: UnaryElementFunction>(_ values: [Float], _ f: F) -> [Float] {
        var out = [Float].unfilled(values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let dst = dst
                Parallel.forEachElementChunk(src.count) { range in
                    for i in range { dst[i] = f(src[i]) }
                }
            }
        }
        return out
    }

    /// `self` raised to a constant power.
    public func pow(_ exponent: Float) -> Tensor {
        map(
            op: "pow", { Foundation.pow($0, exponent) },
            derivative: { x, _ in exponent * Foundation.pow(x, exponent - 1) })
    }
}

import Foundation
