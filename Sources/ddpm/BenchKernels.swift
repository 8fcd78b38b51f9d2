import ArgumentParser
import Foundation
import Tensors

/// `ddpm bench kernels`: SGEMM GFLOP/s on square and U-Net shapes, forward and
/// backward times of the U-Net's three 3×3 convolutions at batch 64, and the
/// bandwidth of an elementwise add, printed as one JSON line.
///
/// Each figure is the median of several timed runs after a warm-up run.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels", abstract: "Benchmark the SGEMM and elementwise kernels.")

    @Option(help: "Threads the kernels may use.")
    var threads: Int = Parallel.threadCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// One product to time: C (m×n) = op(A) (m×k) · op(B) (k×n).
    struct Shape {
        let m: Int, n: Int, k: Int, transA: Bool, transB: Bool
    }

    /// 512², 1024², and for each U-Net convolution as a GEMM (pixels M, output
    /// channels N, patch size K) the forward product, the input gradient
    /// (M×K = G·Wᵀ) and the weight gradient (N×K = Gᵀ·X, reducing over M).
    static let shapes: [Shape] = {
        var shapes = [
            Shape(m: 512, n: 512, k: 512, transA: false, transB: false),
            Shape(m: 1024, n: 1024, k: 1024, transA: false, transB: false),
        ]
        for (m, n, k) in [(50176, 32, 288), (12544, 64, 576), (3136, 128, 1152)] {
            shapes.append(Shape(m: m, n: n, k: k, transA: false, transB: false))
            shapes.append(Shape(m: m, n: k, k: n, transA: false, transB: true))
            shapes.append(Shape(m: n, n: k, k: m, transA: true, transB: false))
        }
        return shapes
    }()

    func run() throws {
        Parallel.threadCount = threads
        let sgemm = Self.shapes.map { shape in
            #"{"m":\#(shape.m),"n":\#(shape.n),"k":\#(shape.k),"trans_a":\#(shape.transA),"#
                + #""trans_b":\#(shape.transB),"gflops":\#(format(gflops(shape)))}"#
        }
        print(
            #"{"isa":"\#(GEMM.instructionSet)","threads":\#(threads),"#
                + #""sgemm":[\#(sgemm.joined(separator: ","))],"#
                + #""conv":[\#(Self.convolutions.map(convolutionTimes).joined(separator: ","))],"#
                + #""elementwise_gbps":\#(format(elementwiseGBps()))}"#)
    }

    /// One convolution layer to time: 3×3, padding 1, stride 1, with bias.
    struct Convolution {
        let name: String, batch: Int, inChannels: Int, outChannels: Int, size: Int
    }

    /// The U-Net's 3×3 convolutions at each level (widths 32/64/128 on 28², 14², 7²), batch 64.
    static let convolutions = [
        Convolution(name: "conv3x3_32x32_28", batch: 64, inChannels: 32, outChannels: 32, size: 28),
        Convolution(name: "conv3x3_64x64_14", batch: 64, inChannels: 64, outChannels: 64, size: 14),
        Convolution(name: "conv3x3_128x128_7", batch: 64, inChannels: 128, outChannels: 128, size: 7),
    ]

    /// `{name, forward_ms, backward_ms}` of one layer: the median of a recorded
    /// forward, and of the backward that yields input, weight and bias gradients.
    func convolutionTimes(_ layer: Convolution) -> String {
        var generator = RandomGenerator(seed: 3)
        let input = Tensor(
            shape: [layer.batch, layer.inChannels, layer.size, layer.size],
            scalars: generator.normals(layer.batch * layer.inChannels * layer.size * layer.size),
            requiresGrad: true)
        let weight = Tensor(
            shape: [layer.outChannels, layer.inChannels, 3, 3],
            scalars: generator.normals(layer.outChannels * layer.inChannels * 9).map { $0 * 0.05 },
            requiresGrad: true)
        let bias = Tensor(shape: [layer.outChannels], scalars: generator.normals(layer.outChannels), requiresGrad: true)
        let outputShape = [layer.batch, layer.outChannels, layer.size, layer.size]
        let seed = Tensor(shape: outputShape, scalars: generator.normals(outputShape.reduce(1, *)))
        let runs = 11
        let forward = medianSeconds(runs: runs) {
            _ = input.conv2d(weight, bias: bias, padding: 1)
        }
        var backwardTimes: [Double] = []
        for run in 0...runs {
            let output = input.conv2d(weight, bias: bias, padding: 1)
            for tensor in [input, weight, bias] { tensor.zeroGrad() }
            let start = DispatchTime.now().uptimeNanoseconds
            output.backward(seed)
            if run > 0 { backwardTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        let backward = backwardTimes.sorted()[runs / 2]
        return #"{"name":"\#(layer.name)","forward_ms":\#(String(format: "%.2f", forward * 1e3)),"#
            + #""backward_ms":\#(String(format: "%.2f", backward * 1e3))}"#
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// GFLOP/s of one product with random operands.
    private func gflops(_ shape: Shape) -> Double {
        var generator = RandomGenerator(seed: 1)
        let a = generator.normals(shape.m * shape.k), b = generator.normals(shape.k * shape.n)
        var c = [Float](repeating: 0, count: shape.m * shape.n)
        let seconds = c.withUnsafeMutableBufferPointer { pc in
            // About half a second of runs at ~100 GFLOP/s, at least five.
            let runs = Swift.max(5, Swift.min(31, Int(0.5 / (2 * Double(shape.m * shape.n * shape.k) / 100e9))))
            return medianSeconds(runs: runs) {
                GEMM.sgemm(
                    transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                    a: a, lda: shape.transA ? shape.m : shape.k,
                    b: b, ldb: shape.transB ? shape.k : shape.n,
                    c: pc.baseAddress!, ldc: shape.n)
            }
        }
        return 2 * Double(shape.m * shape.n * shape.k) / seconds / 1e9
    }

    /// GB/s of `a + b` on 16M floats, counting two reads and one write per element.
    private func elementwiseGBps() -> Double {
        let count = 16 << 20
        var generator = RandomGenerator(seed: 2)
        let a = Tensor(shape: [count], scalars: generator.normals(count))
        let b = Tensor(shape: [count], scalars: generator.normals(count))
        let seconds = GradMode.withoutGradient {
            medianSeconds(runs: 11) { _ = a + b }
        }
        return 3 * 4 * Double(count) / seconds / 1e9
    }

    /// The median wall time of `runs` runs of `body` after one warm-up run.
    func medianSeconds(runs: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[runs / 2]
    }
}
