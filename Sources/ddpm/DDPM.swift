import ArgumentParser
import Foundation
import Tensors

/// The `ddpm` command: train, sample, evaluate and benchmark diffusion models.
///
/// Every failure ends as one line on stderr (`error: …`) and a non-zero exit
/// code: usage errors (unknown flags, bad values) exit with 64, failures while
/// running with 1, an interrupted run with 130.
@main
struct DDPM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ddpm",
        abstract: "Denoising diffusion probabilistic models in Swift.",
        subcommands: [
            Demo.self, Train.self, Sample.self, ImageToImageCommand.self, InpaintCommand.self, InterpolateCommand.self,
            Eval.self, FID.self, TrainFeatures.self, Schedule.self, Bench.self,
        ]
    )

    static func main() {
        AllocatorTuning.keepFreedMemoryForReuse()
        main(Array(CommandLine.arguments.dropFirst()))
    }

    /// Parses and runs `arguments`, turning every error into one line on stderr.
    static func main(_ arguments: [String]) {
        var command: ParsableCommand
        do {
            command = try parseAsRoot(Train.normalizingResume(arguments))
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let hint = helpHint(for: arguments)
            Terminal.printError(message(for: error) + hint)
            Foundation.exit(code.rawValue)
        }
        do {
            try command.run()
        } catch {
            if let interrupted = error as? Interrupted {
                Terminal.printError(interrupted.description)
                Foundation.exit(130)
            }
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            Terminal.printError(CommandError.describe(error))
            Foundation.exit(code == .validationFailure ? code.rawValue : 1)
        }
    }

    /// " (see 'ddpm train --help')" for the subcommand named in `arguments`.
    private static func helpHint(for arguments: [String]) -> String {
        var names: [String] = []
        var type: ParsableCommand.Type = DDPM.self
        for argument in arguments {
            guard let next = type.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            names.append(argument)
            type = next
        }
        return " (see 'ddpm \((names + ["--help"]).joined(separator: " "))')"
    }
}
