import ArgumentParser

/// `ddpm bench`: speed measurements printed as one JSON line.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the speed of the kernels or the model.",
        subcommands: [BenchKernels.self, BenchModel.self]
    )
}
