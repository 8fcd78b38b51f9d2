import ArgumentParser
import Foundation
import Studio
import Tensors

/// `ddpm-studio --root DIR`: serves the studio for the model folders and training runs under DIR.
@main
struct StudioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ddpm-studio",
        abstract: "Watch diffusion happen in the browser: sample, the forward process, training runs.",
        discussion: "Serves only files under --root and writes nothing. Binds 127.0.0.1 unless --host is given.")

    @Option(help: "The folder whose model folders and training runs the studio shows.")
    var root: String = "."

    @Option(help: "The address to bind (0.0.0.0 serves other machines too).")
    var host = "127.0.0.1"

    @Option(help: "The port (0: any free port).")
    var port = 8080

    @Option(help: "Threads the kernels may use for sampling (default: every core).")
    var threads: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not accepted; give 0…65535") }
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads \(threads) is not accepted; give 1…1024")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--root \(root): no such folder")
        }
    }

    func run() async throws {
        if let threads { Parallel.threadCount = threads }
        let studio = try Studio(root: root)
        let host = self.host
        let app = studio.application(host: host, port: port) { port in
            let shown = host == "0.0.0.0" ? "127.0.0.1" : host
            print("ddpm-studio: serving \(studio.root.url.path) at http://\(shown):\(port)/ (Ctrl-C stops)")
            fflush(stdout)
        }
        try await app.runService()
    }
}
