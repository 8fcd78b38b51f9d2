import ArgumentParser
import Tensors

/// The `--threads` option of the commands that compute (train, sample, eval, demo).
struct ThreadingOptions: ParsableArguments {
    @Option(help: "Threads the kernels may use (default: every core). Runs are bit-identical at the same thread count.")
    var threads: Int?

    func validate() throws {
        if let threads { try Check.within(threads, 1...1024, flag: "--threads") }
    }

    /// Sets the kernels' thread count when `--threads` was given.
    func apply() {
        if let threads { Parallel.threadCount = threads }
    }
}
