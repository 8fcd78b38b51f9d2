import Foundation

/// A seedable, counter-based random number generator (Philox-4x32-10,
/// Salmon et al. 2011, the generator PyTorch uses on GPUs).
///
/// Its whole state is `(seed, counter)`, so it can be saved in a checkpoint
/// and restored to continue the same stream bit for bit.
public struct RandomGenerator: Codable, Equatable, Sendable {
    /// The key of the stream.
    public private(set) var seed: UInt64
    /// How many 128-bit blocks have been drawn.
    public private(set) var counter: UInt64
    private var buffer: [UInt32] = []
    private var cachedNormal: Float?

    /// A generator at the start of the stream of `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        self.counter = 0
    }

    /// A generator for an independent stream derived from this seed and `index`.
    public func substream(_ index: UInt64) -> RandomGenerator {
        RandomGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ index &+ 1)
    }

    private static func mulhilo(_ a: UInt32, _ b: UInt32) -> (hi: UInt32, lo: UInt32) {
        let product = UInt64(a) &* UInt64(b)
        return (UInt32(truncatingIfNeeded: product >> 32), UInt32(truncatingIfNeeded: product))
    }

    /// The Philox-4x32-10 block for a counter and key.
    static func block(counter: UInt64, key: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c0 = UInt32(truncatingIfNeeded: counter), c1 = UInt32(truncatingIfNeeded: counter >> 32)
        var c2: UInt32 = 0, c3: UInt32 = 0
        var k0 = UInt32(truncatingIfNeeded: key), k1 = UInt32(truncatingIfNeeded: key >> 32)
        for _ in 0..<10 {
            let (hi0, lo0) = mulhilo(0xD251_1F53, c0)
            let (hi1, lo1) = mulhilo(0xCD9E_8D57, c2)
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
            k0 = k0 &+ 0x9E37_79B9
            k1 = k1 &+ 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    /// The next 32 random bits.
    public mutating func nextUInt32() -> UInt32 {
        if buffer.isEmpty {
            let (a, b, c, d) = Self.block(counter: counter, key: seed)
            counter &+= 1
            buffer = [d, c, b, a]
        }
        return buffer.removeLast()
    }

    /// A uniform draw in [0, 1) with 24 bits of precision.
    public mutating func nextUniform() -> Float {
        Float(nextUInt32() >> 8) * (1.0 / 16_777_216.0)
    }

    /// A uniform integer in `0..<bound`.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt: bound must be positive, got \(bound)")
        let wide = (UInt64(nextUInt32()) << 32) | UInt64(nextUInt32())
        return Int(wide % UInt64(bound))
    }

    /// A standard normal draw (Box–Muller, in Double for accuracy).
    public mutating func nextNormal() -> Float {
        if let cached = cachedNormal {
            cachedNormal = nil
            return cached
        }
        let u1 = (Double(nextUInt32()) + 1) / 4_294_967_297.0
        let u2 = Double(nextUInt32()) / 4_294_967_296.0
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        cachedNormal = Float(radius * Foundation.sin(angle))
        return Float(radius * Foundation.cos(angle))
    }

    /// `count` standard normal draws.
    public mutating func normals(_ count: Int) -> [Float] {
        (0..<count).map { _ in nextNormal() }
    }

    /// A random permutation of `0..<count` (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var result = Array(0..<count)
        if count < 2 { return result }
        for i in stride(from: count - 1, to: 0, by: -1) {
            result.swapAt(i, nextInt(below: i + 1))
        }
        return result
    }
}

extension Tensor {
    /// Samples from N(mean, std²), drawn from `generator`.
    public static func randn(
        _ shape: [Int], mean: Float = 0, std: Float = 1,
        generator: inout RandomGenerator
    ) -> Tensor {
        let n = shape.elementCount
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = mean + std * generator.nextNormal() }
        return Tensor(shape: shape, scalars: values)
    }

    /// Samples from U[low, high), drawn from `generator`.
    public static func uniform(
        _ shape: [Int], low: Float = 0, high: Float = 1,
        generator: inout RandomGenerator
    ) -> Tensor {
        let n = shape.elementCount
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = low + (high - low) * generator.nextUniform() }
        return Tensor(shape: shape, scalars: values)
    }
}
