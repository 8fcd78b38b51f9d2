import CKernels
import Foundation

/// How the kernels spread work over CPU cores.
public enum Parallel {
    nonisolated(unsafe) private static var configuredThreads = ProcessInfo.processInfo.activeProcessorCount

    /// The number of threads kernels may use (at least 1). Defaults to the number of active cores.
    public static var threadCount: Int {
        get { configuredThreads }
        set { configuredThreads = Swift.max(1, newValue) }
    }

    /// Runs `body(range)` over `0..<count` split into at most `threadCount`
    /// contiguous chunks, each at least `minimumChunk` long. Runs inline when
    /// one chunk suffices.
    ///
    /// `body` should capture buffers as `let` copies (`let y = y` inside
    /// `withUnsafeMutableBufferPointer { y in … }`): a captured `inout`
    /// buffer is reloaded on every access, which keeps loops from vectorising.
    public static func forEachChunk(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = Swift.min(threadCount, Swift.max(1, count / Swift.max(1, minimumChunk)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        run(chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Runs `body(i)` for `i` in `0..<count` on the calling thread and the pool
    /// of `ck_parallel_for`, whose workers spin briefly between loops instead
    /// of being woken for each (Dispatch's wake-up cost 70–100 µs per loop on
    /// this project's benchmark machine, about a tenth of a training step).
    private static func run(_ count: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var work = body
            withUnsafeMutablePointer(to: &work) { pointer in
                ck_parallel_for(
                    count, Int32(Swift.min(count, threadCount)),
                    { context, index in
                        context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
                    }, pointer)
            }
        }
    }

    /// The fewest elements of a memory-bound elementwise loop worth handing to
    /// another thread; smaller tensors stay on the calling thread.
    public static let elementwiseChunk = 32_768

    /// Runs `body(range)` over `0..<count` elements of an elementwise loop,
    /// in chunks of at least `elementwiseChunk`.
    public static func forEachElementChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        forEachChunk(count, minimumChunk: elementwiseChunk, body)
    }

    /// Runs `body(range)` over `0..<rows` rows of `rowLength` elements each,
    /// in chunks of at least `elementwiseChunk` elements.
    public static func forEachRowChunk(_ rows: Int, rowLength: Int, _ body: (Range<Int>) -> Void) {
        forEachChunk(rows, minimumChunk: Swift.max(1, elementwiseChunk / Swift.max(rowLength, 1)), body)
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the threads.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        forEachChunk(count) { range in
            for i in range { body(i) }
        }
    }
}
