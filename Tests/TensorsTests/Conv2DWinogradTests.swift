import CKernels
@testable import Tensors
import XCTest

/// The Winograd convolutions F(2×2, 3×3), F(4×4, 3×3) and F(5×5, 3×3) against the im2col
/// path, forward and all three gradients, at one and two threads: odd and even
/// sizes (partial tiles), each padding from 0 to 2, channel counts off the
/// SIMD width, and groups of several images, on every instruction set.
final class Conv2DWinogradTests: XCTestCase {
    struct Case {
        let input: [Int]
        let outChannels: Int
        let padding: Conv2DPadding
    }

    static let cases: [Case] = [
        Case(input: [2, 8, 6, 6], outChannels: 8, padding: Conv2DPadding(all: 1)),
        Case(input: [3, 9, 7, 5], outChannels: 17, padding: Conv2DPadding(all: 1)),
        Case(input: [2, 16, 5, 8], outChannels: 12, padding: .zero),
        Case(input: [2, 12, 4, 5], outChannels: 10, padding: Conv2DPadding(all: 2)),
        Case(input: [2, 10, 6, 7], outChannels: 9, padding: Conv2DPadding(top: 2, bottom: 0, left: 1, right: 2)),
        Case(input: [5, 33, 3, 3], outChannels: 40, padding: Conv2DPadding(all: 1)),
        Case(input: [70, 8, 2, 3], outChannels: 8, padding: Conv2DPadding(all: 1)),
        Case(input: [21, 8, 13, 14], outChannels: 16, padding: Conv2DPadding(all: 1)),
        Case(input: [2, 20, 5, 37], outChannels: 18, padding: Conv2DPadding(top: 1, bottom: 2, left: 0, right: 1)),
    ]

    /// Output and gradients of one conv2d with bias, by Winograd with `tile`,
    /// or by im2col (the reference) when `tile` is nil.
    private func run(_ c: Case, index: Int, winograd tile: WinogradTile?, needInput: Bool) -> [[Float]] {
        ConvolutionPathComparison.outputAndGradients(
            input: c.input, weight: [c.outChannels, c.input[1], 3, 3], padding: c.padding, index: index,
            needInput: needInput, algorithms: .using(tile.map { .winograd($0) } ?? .im2col))
    }

    /// Every case, with each tile size, on every instruction set this CPU offers.
    func testMatchesIm2ColPath() {
        defer { GEMM.force(nil) }
        for set in [GEMM.InstructionSet.generic, .avx2, .avx512] where GEMM.force(set) {
            for tile in WinogradTile.allCases {
                ConvolutionPathComparison.forEachSetting(cases: Self.cases.count) { index, needInput, context in
                    let c = Self.cases[index]
                    ConvolutionPathComparison.assertMatch(
                        run(c, index: index, winograd: tile, needInput: needInput),
                        run(c, index: index, winograd: nil, needInput: needInput), "\(set) \(tile) \(context)")
                }
            }
        }
    }

    /// The tile transforms alone: `Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A` is the 3×3
    /// correlation of one α×α tile, and the kernel map's adjoint is its transpose.
    func testOneTileIsTheCorrelation() {
        for tile in WinogradTile.allCases {
            let alpha = tile.inputSize, size = tile.outputSize
            let d: [Float] = (0..<tile.positions).map { Float($0 * $0 % 7) - 3 }
            let k: [Float] = [1, -2, 3, 0.5, 4, -1, 2, 0, -3]
            let u = tile.transformedKernel(k, outChannels: 1, inChannels: 1, transposed: false)
            var v = [Float](repeating: 0, count: tile.positions)
            var y = [Float](repeating: 0, count: size * size)
            d.withUnsafeBufferPointer {
                tile.transformInput(
                    $0.baseAddress!, paddedWidth: alpha, channels: 1, tilesY: 1, tilesX: 1,
                    into: &v, xiStride: 1)
            }
            let m = (0..<tile.positions).map { u[$0 * WinogradTile.planeStride(1)] * v[$0] }
            m.withUnsafeBufferPointer {
                tile.transformOutput($0.baseAddress!, xiStride: 1, channels: 1, tilesY: 1, tilesX: 1, into: &y)
            }
            for oy in 0..<size {
                for ox in 0..<size {
                    var direct: Float = 0
                    for i in 0..<3 { for j in 0..<3 { direct += k[i * 3 + j] * d[(oy + i) * alpha + ox + j] } }
                    XCTAssertEqual(y[oy * size + ox], direct, accuracy: 1e-4, "\(tile) output (\(oy), \(ox))")
                }
            }
        }
    }

    /// Each adjoint transform is the transpose of its map: `⟨T x, y⟩ = ⟨x, Tᵀ y⟩`
    /// for random x and y, for the input, output and kernel transforms; and the
    /// transposed kernel transform writes the same values as planes `[ξ][o][c]`.
    func testAdjointsAreTransposes() {
        var random = RandomGenerator(seed: 7)
        func vector(_ count: Int) -> [Float] { (0..<count).map { _ in random.nextUniform() * 2 - 1 } }
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        for tile in WinogradTile.allCases {
            let alpha = tile.inputSize, size = tile.outputSize, positions = tile.positions
            let d = vector(positions), dv = vector(positions)
            var v = [Float](repeating: 0, count: positions), back = [Float](repeating: 0, count: positions)
            d.withUnsafeBufferPointer {
                tile.transformInput(
                    $0.baseAddress!, paddedWidth: alpha, channels: 1, tilesY: 1, tilesX: 1,
                    into: &v, xiStride: 1)
            }
            dv.withUnsafeBufferPointer {
                tile.transformInputAdjoint(
                    $0.baseAddress!, xiStride: 1, channels: 1, tilesY: 1, tilesX: 1,
                    addingInto: &back, paddedWidth: alpha)
            }
            XCTAssertEqual(dot(v, dv), dot(d, back), accuracy: 1e-3, "\(tile) input transform")

            let m = vector(positions), dy = vector(size * size)
            var y = [Float](repeating: 0, count: size * size), dm = [Float](repeating: 0, count: positions)
            m.withUnsafeBufferPointer {
                tile.transformOutput($0.baseAddress!, xiStride: 1, channels: 1, tilesY: 1, tilesX: 1, into: &y)
            }
            dy.withUnsafeBufferPointer {
                tile.transformOutputAdjoint(
                    $0.baseAddress!, channels: 1, tilesY: 1, tilesX: 1, into: &dm,
                    xiStride: 1)
            }
            XCTAssertEqual(dot(y, dy), dot(m, dm), accuracy: 1e-3, "\(tile) output transform")

            // 19 × 21 kernels: full vectors of 16 and a remainder, both ways round.
            let (cout, cin) = (19, 21)
            let g = vector(cout * cin * 9), du = vector(positions * WinogradTile.planeStride(cin * cout))
            let u = tile.transformedKernel(g, outChannels: cout, inChannels: cin, transposed: false)
            let dg = du.withUnsafeBufferPointer { tile.kernelGradient($0.baseAddress!, outChannels: cout, inChannels: cin) }
            let plane = WinogradTile.planeStride(cin * cout)
            let planeEntries: [Int] = (0..<positions).flatMap { xi in Array(xi * plane..<xi * plane + cin * cout) }
            let transformedDot = dot(planeEntries.map { u[$0] }, planeEntries.map { du[$0] })
            XCTAssertEqual(transformedDot, dot(g, dg), accuracy: 1e-2, "\(tile) kernel transform")
            let ut = tile.transformedKernel(g, outChannels: cout, inChannels: cin, transposed: true)
            for xi in 0..<positions {
                for c in 0..<cin {
                    for o in 0..<cout where u[xi * plane + c * cout + o] != ut[xi * plane + o * cin + c] {
                        XCTFail("\(tile) transposed kernel differs at ξ \(xi), c \(c), o \(o)")
                        return
                    }
                }
            }
        }
    }
}
