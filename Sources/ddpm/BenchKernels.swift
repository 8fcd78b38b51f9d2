import ArgumentParser
import Foundation
import Tensors

/// `ddpm bench kernels`: SGEMM GFLOP/s on square and U-Net shapes.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kernels", abstract: "Benchmark the SGEMM kernels.")

    @Option(help: "Threads the kernels may use.")
    var threads: Int = Parallel.threadCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        Parallel.threadCount = threads
        var rows: [String] = []
        for (m, n, k) in [(512, 512, 512), (1024, 1024, 1024)] {
            rows.append(#"{"m":\#(m),"n":\#(n),"k":\#(k),"trans_a":false,"trans_b":false,"gflops":\#(String(format: "%.1f", measure(m, n, k)))}"#)
        }
        print(#"{"isa":"\#(GEMM.instructionSet)","threads":\#(threads),"sgemm":[\#(rows.joined(separator: ","))]}"#)
    }

    private func measure(_ m: Int, _ n: Int, _ k: Int) -> Double {
        let a = [Float](repeating: 1, count: m * k), b = [Float](repeating: 1, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            c.withUnsafeMutableBufferPointer { pc in
                GEMM.sgemm(transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: pc.baseAddress!, ldc: n)
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(m * n * k) / best / 1e9
    }
}
