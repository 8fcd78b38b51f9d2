import CKernels
import Dispatch
@testable import Tensors
import XCTest

/// The loops of `Parallel` on the pool of `ck_parallel_for`: every index runs
/// exactly once, loops nest (the inner one inline), several threads may start
/// loops at once, and the workers' writes are visible when a loop returns.
final class ParallelTests: XCTestCase {
    private var savedThreads = 1

    override func setUp() {
        super.setUp()
        savedThreads = Parallel.threadCount
    }

    override func tearDown() {
        Parallel.threadCount = savedThreads
        super.tearDown()
    }

    /// Counts how often each index of `0..<count` ran, one counter per index.
    private func runs(of count: Int, _ loop: (UnsafeMutablePointer<Int>) -> Void) -> [Int] {
        var counts = [Int](repeating: 0, count: count)
        counts.withUnsafeMutableBufferPointer { loop($0.baseAddress!) }
        return counts
    }

    func testEveryIndexRunsOnceAtAnyThreadCount() {
        for threads in [1, 2, 3, 8] {
            Parallel.threadCount = threads
            for count in [0, 1, 2, 3, 7, 1000] {
                let counts = runs(of: count) { c in Parallel.forEach(count) { c[$0] += 1 } }
                XCTAssertEqual(counts, [Int](repeating: 1, count: count), "\(threads) threads, \(count) indices")
            }
        }
    }

    func testChunksCoverTheRangeInOrder() {
        Parallel.threadCount = 3
        var chunks = [Range<Int>?](repeating: nil, count: 3)
        chunks.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            Parallel.forEachChunk(10) { range in
                slots[(range.lowerBound * 3 + 9) / 10] = range
            }
        }
        XCTAssertEqual(chunks, [0..<3, 3..<6, 6..<10])
    }

    func testNestedLoopsRunInline() {
        Parallel.threadCount = 2
        let counts = runs(of: 64) { c in
            Parallel.forEach(8) { outer in
                Parallel.forEach(8) { inner in c[outer * 8 + inner] += 1 }
            }
        }
        XCTAssertEqual(counts, [Int](repeating: 1, count: 64))
    }

    func testLoopsFromSeveralThreadsAtOnce() {
        Parallel.threadCount = 2
        var totals = [Int](repeating: 0, count: 4)
        totals.withUnsafeMutableBufferPointer { totals in
            let totals = totals
            DispatchQueue.concurrentPerform(iterations: 4) { caller in
                var sum = 0
                for _ in 0..<200 {
                    let counts = runs(of: 100) { c in Parallel.forEach(100) { c[$0] += $0 } }
                    sum += counts.reduce(0, +)
                }
                totals[caller] = sum
            }
        }
        XCTAssertEqual(totals, [Int](repeating: 200 * 4950, count: 4))
    }

    /// After a pause long enough for the workers to fall asleep, a loop still
    /// wakes them and completes.
    func testLoopAfterWorkersSleep() {
        Parallel.threadCount = 2
        XCTAssertEqual(runs(of: 10) { c in Parallel.forEach(10) { c[$0] += 1 } }, [Int](repeating: 1, count: 10))
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(runs(of: 10) { c in Parallel.forEach(10) { c[$0] += 1 } }, [Int](repeating: 1, count: 10))
    }
}
