import Foundation

/// How one convolution call is computed: the algorithm and threading of its
/// forward and of its backward pass, and which of its prologue (a map of the
/// input: 2× upsampling, GroupNorm + SiLU) and epilogue (bias, residual add)
/// are fused into the pass that copies the input in and the output out.
///
/// Only the initializer decides; every kernel's applicability, threshold and
/// tile-cost rule is in it, and `Tensor.conv2d` does what the plan says. New
/// algorithms join `Conv2DAlgorithm` and this initializer. A caller (a test,
/// a benchmark) may force an algorithm with `Override`.
///
/// The choice, per pass:
/// 1. **Winograd** for 3×3 stride-1 kernels with at least 8 input and 8
///    output channels (fewer leave its GEMMs too thin to gain), with the
///    tile that needs the fewest multiplications (`winogradTile(for:)`).
/// 2. else the **implicit GEMM** where it computes the pass (it skips the
///    patch matrix; its forward takes equal strides, its backward unit stride),
/// 3. else **pointwise** for 1×1 kernels, else **im2col**.
/// Winograd and the implicit GEMM split the batch into one block per thread,
/// so they are only chosen when the batch has at least one image per thread;
/// a smaller batch takes im2col, whose GEMMs spread over the threads instead.
public struct Conv2DPlan: Sendable, Hashable, CustomStringConvertible {
    /// The algorithm and threading of one pass.
    public struct Pass: Sendable, Hashable, CustomStringConvertible {
        /// How the pass computes.
        public let algorithm: Conv2DAlgorithm
        /// How the pass spreads over the threads.
        public let threading: Conv2DThreading

        /// "algorithm, threading".
        public var description: String { "\(algorithm), \(threading)" }
    }

    /// Algorithms a caller imposes instead of the plan's own choice.
    public struct Override: Sendable, Hashable {
        /// The forward pass's algorithm.
        public let forward: Conv2DAlgorithm
        /// The backward passes' algorithm.
        public let backward: Conv2DAlgorithm

        /// Imposes both algorithms; each must be able to compute its pass.
        public init(forward: Conv2DAlgorithm, backward: Conv2DAlgorithm) {
            self.forward = forward
            self.backward = backward
        }

        /// The same algorithm for both passes.
        public static func using(_ algorithm: Conv2DAlgorithm) -> Override {
            Override(forward: algorithm, backward: algorithm)
        }
    }

    /// What the convolution's input is mapped through first (`Conv2DPrologue.kind`).
    public enum Prologue: Sendable, Hashable, CustomStringConvertible {
        /// The input as it is.
        case none
        /// Nearest-neighbour 2× upsampling.
        case upsampleNearest2x
        /// Group normalisation (with an optional per-channel shift) and SiLU.
        case groupNormSiLU
        /// A map no kernel fuses (for example GroupNorm, SiLU, then dropout).
        case other

        /// The prologue's short name.
        public var description: String {
            switch self {
            case .none: "none"
            case .upsampleNearest2x: "upsample 2×"
            case .groupNormSiLU: "GroupNorm+SiLU"
            case .other: "other"
            }
        }
    }

    /// The convolution's sizes (of the input after the prologue).
    public let geometry: Conv2DGeometry
    /// The forward pass.
    public let forward: Pass
    /// The backward pass (the gradients of the input and of the weight).
    public let backward: Pass
    /// The input map the call asked for.
    public let prologue: Prologue
    /// Whether the prologue is applied as the forward pass stages each image,
    /// never written out whole. Only inference (the prologue's own gradient is
    /// not fused) on the Winograd path.
    public let fusesPrologue: Bool
    /// Whether a residual is added, and whether it is added as the output is
    /// written (Winograd) rather than in a pass of its own.
    public let addsResidual: Bool
    /// Whether the residual is added as the output is written (Winograd), not in a pass of its own.
    public let fusesResidual: Bool

    /// The plan for `geometry`.
    /// - Parameters:
    ///   - geometry: the sizes of the convolution (batch, channels, image, kernel, stride, padding).
    ///   - prologue: the map of the input before the convolution.
    ///   - residual: whether a residual is added to the output.
    ///   - recording: whether gradients are recorded through this call.
    ///   - threads: the threads the kernels may use.
    ///   - override: algorithms to use instead of the plan's choice; each must
    ///     compute its pass (`Conv2DAlgorithm.computesForward/Backward`).
    public init(
        _ geometry: Conv2DGeometry, prologue: Prologue = .none, residual: Bool = false,
        recording: Bool = false, threads: Int = Parallel.threadCount, override: Override? = nil
    ) {
        let threads = Swift.max(1, threads)
        let forwardAlgorithm: Conv2DAlgorithm, backwardAlgorithm: Conv2DAlgorithm
        if let override {
            precondition(
                override.forward.computesForward(geometry),
                "Conv2DPlan: \(override.forward) cannot compute the forward pass of \(geometry)")
            precondition(
                override.backward.computesBackward(geometry),
                "Conv2DPlan: \(override.backward) cannot compute the gradients of \(geometry)")
            (forwardAlgorithm, backwardAlgorithm) = (override.forward, override.backward)
        } else {
            forwardAlgorithm = Self.choice(geometry, threads: threads, backward: false)
            backwardAlgorithm = Self.choice(geometry, threads: threads, backward: true)
        }
        self.geometry = geometry
        forward = Pass(algorithm: forwardAlgorithm, threading: Self.threading(forwardAlgorithm, geometry, threads: threads))
        backward = Pass(
            algorithm: backwardAlgorithm,
            threading: Self.threading(backwardAlgorithm, geometry, threads: threads))
        self.prologue = prologue
        let winogradForward = if case .winograd = forwardAlgorithm { true } else { false }
        fusesPrologue = winogradForward && !recording && (prologue == .upsampleNearest2x || prologue == .groupNormSiLU)
        addsResidual = residual
        fusesResidual = residual && winogradForward
    }

    /// The algorithm the plan picks for one pass (see the type's comment).
    private static func choice(_ g: Conv2DGeometry, threads: Int, backward: Bool) -> Conv2DAlgorithm {
        let batchPerThread = g.batch >= threads
        let winograd = Conv2DAlgorithm.winograd(.f4x4)
        if batchPerThread && winograd.computesForward(g) && g.inChannels >= 8 && g.outChannels >= 8 {
            return .winograd(winogradTile(for: g))
        }
        let implicit =
            backward
            ? Conv2DAlgorithm.implicitGEMM.computesBackward(g)
            : Conv2DAlgorithm.implicitGEMM.computesForward(g)
        if batchPerThread && implicit { return .implicitGEMM }
        return g.isPointwise ? .pointwise : .im2col
    }

    /// The Winograd tile for `g`: F(2×2) where the output is narrower than 4,
    /// else whichever of F(4×4) and F(5×5) needs fewer multiplications, α² per
    /// tile — F(5×5) at 14×14, whose 9 tiles of 49 cost 441 against 16 tiles
    /// of 36 — and F(4×4), the more accurate, on a tie.
    public static func winogradTile(for g: Conv2DGeometry) -> WinogradTile {
        guard g.outHeight >= 4 && g.outWidth >= 4 else { return .f2x2 }
        func cost(_ tile: WinogradTile) -> Int {
            let m = tile.outputSize
            return tile.positions * ((g.outHeight + m - 1) / m) * ((g.outWidth + m - 1) / m)
        }
        return cost(.f5x5) < cost(.f4x4) ? .f5x5 : .f4x4
    }

    /// The threading of a pass: batch blocks for Winograd and the implicit
    /// GEMM; for the GEMM paths, batch blocks when the convolution has at
    /// least 2²⁰ multiply-adds (enough to pay for handing blocks out) and more
    /// than one block results, else one image at a time with split GEMMs.
    private static func threading(_ algorithm: Conv2DAlgorithm, _ g: Conv2DGeometry, threads: Int) -> Conv2DThreading {
        let blocks = Swift.max(1, Swift.min(threads, g.batch))
        switch algorithm {
        case .winograd, .implicitGEMM:
            return .batchBlocks(blocks)
        case .pointwise, .im2col:
            return g.multiplyAdds >= 1 << 20 && blocks > 1 ? .batchBlocks(blocks) : .splitGEMM
        }
    }

    /// For example `forward Winograd F(4×4, 3×3), 2 batch blocks; backward …`.
    public var description: String { summary(includingBackward: true) }

    /// The plan in words; without its backward pass where none runs (sampling).
    public func summary(includingBackward: Bool) -> String {
        var parts = ["forward \(forward)"] + (includingBackward ? ["backward \(backward)"] : [])
        if prologue != .none { parts.append("prologue \(prologue)\(fusesPrologue ? " fused" : "")") }
        if addsResidual { parts.append("residual\(fusesResidual ? " fused" : "")") }
        return parts.joined(separator: "; ")
    }
}

extension Conv2DPlan {
    /// One convolution call seen by `recorded(_:)`: its plan and its weight.
    public struct Record {
        /// The call's plan.
        public let plan: Conv2DPlan
        /// The call's weight, to tell the layers apart.
        public let weight: Tensor
    }

    /// Runs `body` and returns, with its result, the plan of every convolution
    /// called on this thread meanwhile, in order (for `ddpm bench model --plans`).
    public static func recorded<T>(_ body: () throws -> T) rethrows -> (result: T, records: [Record]) {
        let recorder = Recorder()
        Thread.current.threadDictionary[Recorder.key] = recorder
        defer { Thread.current.threadDictionary.removeObject(forKey: Recorder.key) }
        let result = try body()
        return (result, recorder.records)
    }

    /// Notes the plan of a call for `recorded(_:)`, if it is running on this thread.
    static func note(_ plan: Conv2DPlan, weight: Tensor) {
        (Thread.current.threadDictionary[Recorder.key] as? Recorder)?.records.append(Record(plan: plan, weight: weight))
    }

    private final class Recorder {
        static let key = "swift-ddpm.Conv2DPlan.recorder"
        var records: [Record] = []
    }
}
