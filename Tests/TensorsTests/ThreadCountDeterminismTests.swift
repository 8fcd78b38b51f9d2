import Tensors
import XCTest

/// The elementwise, broadcast, movement, reduction and normalisation ops
/// spread their work over `Parallel.threadCount` threads; their results and
/// gradients must be the same bits whatever the thread count, and equal to
/// direct loops on tensors large enough to be split.
final class ThreadCountDeterminismTests: XCTestCase {
    /// Values and gradients of `f` at 1, 2 and 3 threads; fails unless all equal bit for bit.
    func assertSameAtEveryThreadCount(
        _ inputs: [Tensor], _ name: String, file: StaticString = #filePath,
        line: UInt = #line, _ f: ([Tensor]) -> Tensor
    ) {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [[[Float]]] = []
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            for x in inputs { x.requiresGrad = true; x.grad = nil }
            let y = f(inputs)
            var rng = RandomGenerator(seed: 99)
            let weights = Tensor.randn(y.shape, generator: &rng)
            (y * weights).sum().backward()
            results.append([y.scalars] + inputs.map { $0.grad?.scalars ?? [] })
        }
        for threads in 1..<results.count {
            for (index, (reference, other)) in zip(results[0], results[threads]).enumerated() {
                let same =
                    reference.count == other.count
                    && zip(reference, other).allSatisfy { $0.bitPattern == $1.bitPattern }
                XCTAssertTrue(
                    same,
                    "\(name): \(index == 0 ? "output" : "gradient of input \(index - 1)") differs between 1 and \(threads + 1) threads",
                    file: file, line: line)
            }
        }
    }

    func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.randn(shape, generator: &rng)
    }

    func testBroadcastArithmetic() {
        let x = random([8, 16, 24, 24], seed: 1)
        let bias = random([1, 16, 1, 1], seed: 2)
        let time = random([8, 16, 1, 1], seed: 3)
        let row = random([24], seed: 4)
        let same = random([8, 16, 24, 24], seed: 5)
        assertSameAtEveryThreadCount([x, bias], "bias add") { $0[0] + $0[1] }
        assertSameAtEveryThreadCount([x, time], "time-embedding add") { $0[0] + $0[1] }
        assertSameAtEveryThreadCount([x, time], "broadcast sub") { $0[1] - $0[0] }
        assertSameAtEveryThreadCount([x, row], "broadcast mul") { $0[0] * $0[1] }
        assertSameAtEveryThreadCount([x, same], "same-shape div") { $0[0] / ($0[1].abs() + 1) }
        assertSameAtEveryThreadCount([x], "scalar ops") { ($0[0] + 0.5) * 3 - 1 }
        assertSameAtEveryThreadCount([x], "unary map") { $0[0].tanh() }
        assertSameAtEveryThreadCount([x], "dropout") {
            var generator = RandomGenerator(seed: 5)
            return $0[0].dropout(probability: 0.25, training: true, generator: &generator)
        }
    }

    func testBroadcastAddMatchesDirectLoops() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 2
        let (n, c, h, w) = (6, 10, 30, 30)
        let x = random([n, c, h, w], seed: 6), t = random([n, c, 1, 1], seed: 7)
        let y = x + t
        for i in 0..<x.count {
            let expected = x.scalars[i] + t.scalars[i / (h * w)]
            if y.scalars[i] != expected { return XCTFail("element \(i): \(y.scalars[i]) vs \(expected)") }
        }
        let wide = random([n * h * w, c], seed: 8), bias = random([c], seed: 9)
        let z = wide + bias
        for i in 0..<wide.count where z.scalars[i] != wide.scalars[i] + bias.scalars[i % c] {
            return XCTFail("bias add element \(i)")
        }
        let spread = t.broadcast(to: [n, c, h, w])
        for i in 0..<spread.count where spread.scalars[i] != t.scalars[i / (h * w)] {
            return XCTFail("broadcast(to:) element \(i)")
        }
    }

    func testSumToShapeMatchesDirectLoops() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 2
        let rows = 5_000, columns = 24
        let g = random([rows, columns], seed: 10)
        let columnSums = g.sum(toShape: [columns])
        for j in 0..<columns {
            var total: Float = 0
            for r in 0..<rows { total += g.scalars[r * columns + j] }
            XCTAssertEqual(columnSums.scalars[j], total, "column \(j)")
        }
        let image = random([4, 8, 40, 40], seed: 11)
        let planeSums = image.sum(toShape: [4, 8, 1, 1])
        for plane in 0..<32 {
            var total: Float = 0
            for y in 0..<40 {
                var rowTotal: Float = 0
                for x in 0..<40 { rowTotal += image.scalars[plane * 1600 + y * 40 + x] }
                total += rowTotal
            }
            XCTAssertEqual(planeSums.scalars[plane], total, "plane \(plane)")
        }
        assertSameAtEveryThreadCount([g], "column sums") { $0[0].sum(toShape: [columns]) }
        assertSameAtEveryThreadCount([image], "plane sums") { $0[0].sum(toShape: [4, 8, 1, 1]) }
        assertSameAtEveryThreadCount([image], "mean over batch") { $0[0].mean(axis: 0) }
    }

    func testMovementOps() {
        let x = random([4, 12, 20, 20], seed: 12)
        let y = random([4, 6, 20, 20], seed: 13)
        assertSameAtEveryThreadCount([x], "permute") { $0[0].permuted([0, 2, 3, 1]) }
        assertSameAtEveryThreadCount([x, y], "concat") { Tensor.concat([$0[0], $0[1]], axis: 1) }
        assertSameAtEveryThreadCount([x], "slice") { $0[0].slice(axis: 1, 3..<9) }

        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 2
        let p = x.permuted([0, 2, 3, 1])
        for (i, value) in p.scalars.enumerated() {
            let (n, rest) = i.quotientAndRemainder(dividingBy: 20 * 20 * 12)
            let (h, rest2) = rest.quotientAndRemainder(dividingBy: 20 * 12)
            let (w, c) = rest2.quotientAndRemainder(dividingBy: 12)
            if value != x[n, c, h, w] { return XCTFail("permute element \(i)") }
        }
        let joined = Tensor.concat([x, y], axis: 1)
        XCTAssertEqual(joined.shape, [4, 18, 20, 20])
        XCTAssertEqual(joined[3, 11, 19, 19], x[3, 11, 19, 19])
        XCTAssertEqual(joined[3, 12, 0, 5], y[3, 0, 0, 5])
        XCTAssertEqual(joined[2, 17, 7, 1], y[2, 5, 7, 1])
        let source = x.detached()
        source.requiresGrad = true
        let piece = source.slice(axis: 1, 3..<9)
        piece.backward(Tensor.ones(piece.shape))
        for (i, value) in source.grad!.scalars.enumerated() {
            let channel = (i / 400) % 12
            if value != ((3..<9).contains(channel) ? 1 : 0) { return XCTFail("slice gradient element \(i)") }
        }
    }

    func testGroupNormAndLoss() {
        let x = random([8, 16, 20, 20], seed: 14)
        let gamma = random([16], seed: 15), beta = random([16], seed: 16)
        let target = random([8, 16, 20, 20], seed: 17)
        assertSameAtEveryThreadCount([x, gamma, beta], "groupNorm") {
            $0[0].groupNorm(groups: 4, weight: $0[1], bias: $0[2])
        }
        assertSameAtEveryThreadCount([x, target], "mseLoss") { Tensor.mseLoss($0[0], $0[1]) }
        assertSameAtEveryThreadCount([x], "shared gradient accumulation") { $0[0] * $0[0] + $0[0] }
    }
}
