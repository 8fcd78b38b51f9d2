import CKernels

/// The Winograd algorithms for 3×3 kernels: F(2×2, 3×3), which reads 4×4
/// input tiles, F(4×4, 3×3), which reads 6×6 ones, and F(5×5, 3×3), which
/// reads 7×7 ones (transforms in `CKWinograd.h`). An m×m output tile costs
/// α² = (m + 2)² multiplications per channel pair instead of 9m²: 2.25× fewer
/// for m = 2, 4× fewer for m = 4, 4.6× fewer for m = 5.
public enum WinogradTile: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// F(2×2, 3×3): 4×4 input tiles.
    case f2x2
    /// F(4×4, 3×3): 6×6 input tiles.
    case f4x4
    /// F(5×5, 3×3): 7×7 input tiles.
    case f5x5

    /// The side m of an output tile.
    public var outputSize: Int {
        switch self {
        case .f2x2: 2
        case .f4x4: 4
        case .f5x5: 5
        }
    }
    /// The side α = m + 2 of an input tile.
    var inputSize: Int { outputSize + 2 }
    /// The α² transformed positions ξ, one GEMM each.
    var positions: Int { inputSize * inputSize }

    /// `F(4×4, 3×3)` and so on.
    public var description: String { "F(\(outputSize)×\(outputSize), 3×3)" }

    /// The distance in floats between the ξ planes of a transformed tensor
    /// whose planes hold `floats` floats: 16 more, so that planes of a
    /// power-of-two size (every U, and most V and M) do not all start on the
    /// same cache sets, where a transform writing all α² of them at once
    /// evicts its own lines.
    static func planeStride(_ floats: Int) -> Int { floats + 16 }

    /// `V = Bᵀ d B` of every tile of a padded channels-last image.
    func transformInput(
        _ padded: UnsafePointer<Float>, paddedWidth: Int, channels: Int, tilesY: Int, tilesX: Int,
        into v: UnsafeMutablePointer<Float>, xiStride: Int
    ) {
        switch self {
        case .f2x2: ck_winograd2_input(padded, paddedWidth, channels, tilesY, tilesX, v, xiStride)
        case .f4x4: ck_winograd4_input(padded, paddedWidth, channels, tilesY, tilesX, v, xiStride)
        case .f5x5: ck_winograd5_input(padded, paddedWidth, channels, tilesY, tilesX, v, xiStride)
        }
    }

    /// `Y = Aᵀ M A` of every tile, into a channels-last image of whole tiles.
    func transformOutput(
        _ m: UnsafePointer<Float>, xiStride: Int, channels: Int, tilesY: Int, tilesX: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        switch self {
        case .f2x2: ck_winograd2_output(m, xiStride, channels, tilesY, tilesX, out)
        case .f4x4: ck_winograd4_output(m, xiStride, channels, tilesY, tilesX, out)
        case .f5x5: ck_winograd5_output(m, xiStride, channels, tilesY, tilesX, out)
        }
    }

    /// `dM = A dY Aᵀ`, the adjoint of `transformOutput`.
    func transformOutputAdjoint(
        _ dy: UnsafePointer<Float>, channels: Int, tilesY: Int, tilesX: Int,
        into dm: UnsafeMutablePointer<Float>, xiStride: Int
    ) {
        switch self {
        case .f2x2: ck_winograd2_output_adjoint(dy, channels, tilesY, tilesX, dm, xiStride)
        case .f4x4: ck_winograd4_output_adjoint(dy, channels, tilesY, tilesX, dm, xiStride)
        case .f5x5: ck_winograd5_output_adjoint(dy, channels, tilesY, tilesX, dm, xiStride)
        }
    }

    /// Adds `B dV Bᵀ` of every tile into a padded image, the adjoint of `transformInput`.
    func transformInputAdjoint(
        _ dv: UnsafePointer<Float>, xiStride: Int, channels: Int, tilesY: Int, tilesX: Int,
        addingInto padded: UnsafeMutablePointer<Float>, paddedWidth: Int
    ) {
        switch self {
        case .f2x2: ck_winograd2_input_adjoint(dv, xiStride, channels, tilesY, tilesX, padded, paddedWidth)
        case .f4x4: ck_winograd4_input_adjoint(dv, xiStride, channels, tilesY, tilesX, padded, paddedWidth)
        case .f5x5: ck_winograd5_input_adjoint(dv, xiStride, channels, tilesY, tilesX, padded, paddedWidth)
        }
    }

    /// The floats of a transformed kernel of `inChannels × outChannels`, its
    /// planes `planeStride(inChannels · outChannels)` apart.
    func transformedKernelSize(outChannels: Int, inChannels: Int) -> Int {
        positions * Self.planeStride(inChannels * outChannels)
    }

    /// Writes `U[ξ][c][o] = (G g Gᵀ)[ξ]` for every kernel `g = W[o][c]` of
    /// `weight` `[o][c][3][3]`, or `Uᵀ[ξ][o][c]` when `transposed`, into `u`
    /// (`transformedKernelSize` floats); rows of U spread over threads.
    func transformKernel(
        _ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int, transposed: Bool,
        into u: UnsafeMutablePointer<Float>
    ) {
        let plane = Self.planeStride(inChannels * outChannels)
        let flag: Int32 = transposed ? 1 : 0
        Parallel.forEachChunk(transposed ? outChannels : inChannels, minimumChunk: 8) { rows in
            switch self {
            case .f2x2:
                ck_winograd2_kernel(weight, outChannels, inChannels, flag, rows.lowerBound, rows.upperBound, u, plane)
            case .f4x4:
                ck_winograd4_kernel(weight, outChannels, inChannels, flag, rows.lowerBound, rows.upperBound, u, plane)
            case .f5x5:
                ck_winograd5_kernel(weight, outChannels, inChannels, flag, rows.lowerBound, rows.upperBound, u, plane)
            }
        }
    }

    /// `transformKernel` into a new array (to be kept on the weight); the
    /// floats between planes are zero.
    func transformedKernel(_ weight: [Float], outChannels: Int, inChannels: Int, transposed: Bool) -> [Float] {
        var u = [Float](repeating: 0, count: transformedKernelSize(outChannels: outChannels, inChannels: inChannels))
        weight.withUnsafeBufferPointer { w in
            u.withUnsafeMutableBufferPointer {
                transformKernel(
                    w.baseAddress!, outChannels: outChannels, inChannels: inChannels,
                    transposed: transposed, into: $0.baseAddress!)
            }
        }
        return u
    }

    /// The kernel gradient `Gᵀ dU G` of `dU[ξ][c][o]` (laid out as by
    /// `transformKernel`), as `[o][c][3][3]`; input channels spread over threads.
    func kernelGradient(_ du: UnsafePointer<Float>, outChannels: Int, inChannels: Int) -> [Float] {
        let plane = Self.planeStride(inChannels * outChannels)
        var result = [Float].unfilled(outChannels * inChannels * 9)
        result.withUnsafeMutableBufferPointer { dw in
            let dw = dw.baseAddress!
            Parallel.forEachChunk(inChannels, minimumChunk: 8) { channels in
                switch self {
                case .f2x2:
                    ck_winograd2_kernel_adjoint(
                        du, plane, outChannels, inChannels, channels.lowerBound,
                        channels.upperBound, dw)
                case .f4x4:
                    ck_winograd4_kernel_adjoint(
                        du, plane, outChannels, inChannels, channels.lowerBound,
                        channels.upperBound, dw)
                case .f5x5:
                    ck_winograd5_kernel_adjoint(
                        du, plane, outChannels, inChannels, channels.lowerBound,
                        channels.upperBound, dw)
                }
            }
        }
        return result
    }
}
