import ArgumentParser
import Foundation
import QualityMetrics
import NN

/// `ddpm train-features`: trains the MNIST feature network of `--features mnist`
/// on the bundled training split, reproducibly, and reports its test accuracy.
struct TrainFeatures: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-features",
        abstract: "Train the MNIST feature network (for 'ddpm fid --features mnist') on the bundled training digits.")

    @Option(help: "Write the weights (safetensors) here.")
    var out: String

    @Option(help: "Optimiser steps of 64 images.")
    var steps = 3000

    @Option(help: "Seed of the weights and the data order.")
    var seed: UInt64 = 0

    @OptionGroup var threading: ThreadingOptions

    func validate() throws {
        try Check.within(steps, 1...1_000_000, flag: "--steps")
        try Check.outputFile(out, flag: "--out")
    }

    func run() throws {
        threading.apply()
        let bar = ProgressBar(total: steps, label: "train-features")
        let (network, accuracy) = try MNISTFeatureNet.train(steps: steps, seed: seed) { step, loss in
            bar.update(step: step, loss: Double(loss))
        }
        bar.finish()
        try network.saveSafetensors(
            to: URL(fileURLWithPath: out),
            metadata: [
                "recipe": "ddpm train-features --steps \(steps) --seed \(seed)",
                "test_accuracy": String(format: "%.4f", accuracy),
            ])
        print(
            String(
                format: "wrote %@ (%d parameters); accuracy on the bundled MNIST test split: %.1f%%",
                out, network.parameterCount, 100 * accuracy))
    }
}
