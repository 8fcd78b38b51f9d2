import ArgumentParser

/// The `ddpm` command: train, sample, evaluate and benchmark diffusion models.
@main
struct DDPM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ddpm",
        abstract: "Denoising diffusion probabilistic models in Swift.",
        subcommands: [Bench.self]
    )
}
