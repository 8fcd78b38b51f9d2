import Datasets
import Diffusion
import Foundation
import NN
import Tensors
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Data-parallel training under Open MPI's `mpirun`, with the `ddpm` built with
/// the package trait MPI. `.ci/run` builds it and names it in
/// `DDPM_MPI_EXECUTABLE`; without that variable these tests are skipped (the
/// default build has no MPI).
final class MPITrainingTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        guard ProcessInfo.processInfo.environment["DDPM_MPI_EXECUTABLE"] != nil else {
            throw XCTSkip("DDPM_MPI_EXECUTABLE is not set (build with --traits MPI; .ci/run does)")
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    private var mpiDDPM: String { ProcessInfo.processInfo.environment["DDPM_MPI_EXECUTABLE"] ?? "" }

    /// The arguments of a short run on the bundled 8×8 digits into `out`.
    private func training(_ out: String, steps: Int = 20, _ extra: [String] = []) -> [String] {
        [
            "train", "--data", "digits", "--steps", "\(steps)", "--batch-size", "32", "--checkpoint-every", "10",
            "--threads", "1", "--out", folder.appendingPathComponent(out).path,
        ] + extra
    }

    /// Runs a command to its end with its output (stdout and stderr) in a file; returns status and output.
    @discardableResult
    private func run(_ command: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = try start(command, environment: environment, log: "run-\(UUID().uuidString).log")
        process.process.waitUntilExit()
        return (process.process.terminationStatus, try String(contentsOf: process.log, encoding: .utf8))
    }

    private func start(
        _ command: [String], environment: [String: String] = [:], log name: String
    ) throws -> (
        process: Process, log: URL
    ) {
        let log = folder.appendingPathComponent(name)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, log)
    }

    private func mpirun(_ processes: Int, _ arguments: [String], options: [String] = []) -> [String] {
        ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "\(processes)"] + options + [mpiDDPM] + arguments
    }

    private func state(_ out: String) throws -> [String: Tensor] {
        try SafetensorsFile(contentsOf: folder.appendingPathComponent("\(out)/training/state.safetensors")).tensors()
    }

    private func logWithoutSeconds(_ out: String) throws -> [String] {
        try String(contentsOf: folder.appendingPathComponent("\(out)/training/log.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { $0.replacingOccurrences(of: #""seconds":[0-9.]+,?"#, with: "", options: .regularExpression) }
    }

    private func assertSameTensors(
        _ a: [String: Tensor], _ b: [String: Tensor], _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(Set(a.keys), Set(b.keys), message, file: file, line: line)
        let differing = a.keys.sorted().filter { a[$0]?.scalars != b[$0]?.scalars }
        XCTAssertEqual(differing, [], message, file: file, line: line)
    }

    /// ‖a − b‖ / ‖b‖ over the tensors whose names start with `prefix`.
    private func relativeDistance(_ a: [String: Tensor], _ b: [String: Tensor], prefix: String) -> Double {
        var difference = 0.0, norm = 0.0
        for (name, tensor) in b where name.hasPrefix(prefix) {
            guard let other = a[name] else { return .infinity }
            for (x, y) in zip(other.scalars, tensor.scalars) {
                difference += Double(x - y) * Double(x - y)
                norm += Double(y) * Double(y)
            }
        }
        return (difference / norm).squareRoot()
    }

    func testTwoProcessesTrainTheBitsOfOneAccumulatingTwo() throws {
        let ranks = try run(mpirun(2, training("ranks")))
        XCTAssertEqual(ranks.status, 0, ranks.output)
        XCTAssertTrue(ranks.output.contains("2 processes × 1 threads"), ranks.output)
        let single = try run([mpiDDPM] + training("single", ["--accumulate", "2"]))
        XCTAssertEqual(single.status, 0, single.output)
        let (a, b) = (try state("ranks"), try state("single"))
        assertSameTensors(a, b, "weights, EMA and AdamW moments of 2 ranks vs --accumulate 2")
        XCTAssertEqual(try logWithoutSeconds("ranks"), try logWithoutSeconds("single"))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("ranks/training/state.safetensors.tmp").path))
    }

    func testFourProcessesAgreeToRoundingOrExactlyInRankOrder() throws {
        XCTAssertEqual(try run(mpirun(4, training("allreduce"))).status, 0)
        XCTAssertEqual(try run(mpirun(4, training("ordered", ["--exact-reduction"]))).status, 0)
        XCTAssertEqual(try run([mpiDDPM] + training("single", ["--accumulate", "4"])).status, 0)
        let single = try state("single")
        assertSameTensors(try state("ordered"), single, "--exact-reduction over 4 ranks vs --accumulate 4")
        let allreduce = try state("allreduce")
        for prefix in ["model/", "ema/"] {
            XCTAssertLessThan(relativeDistance(allreduce, single, prefix: prefix), 1e-6, prefix)
        }
    }

    /// SIGKILL to one rank ends the run within seconds, naming the rank; the last
    /// checkpoint resumes under mpirun to the bits of the run never interrupted,
    /// and a finished run continues with another number of processes.
    func testKilledRankEndsTheRunAndResumeReproducesIt() throws {
        let out = folder.appendingPathComponent("killed").path
        let job = try start(mpirun(2, training("killed", steps: 60)), log: "killed.log")
        let logURL = folder.appendingPathComponent("killed/training/log.jsonl")
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            let lines = (try? String(contentsOf: logURL, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 25 || !job.process.isRunning { break }
            usleep(50_000)
        }
        XCTAssertTrue(job.process.isRunning, "the run ended before it could be killed")
        let ranks = try Self.processes(withArgument: out).filter { !$0.command.hasPrefix("mpirun") }
        XCTAssertEqual(ranks.count, 2, "\(ranks)")
        guard let victim = ranks.last else { return }
        kill(victim.pid, SIGKILL)
        let killedAt = Date()
        while job.process.isRunning, Date().timeIntervalSince(killedAt) < 30 { usleep(50_000) }
        XCTAssertFalse(job.process.isRunning, "mpirun still runs 30 s after a rank was killed")
        XCTAssertLessThan(Date().timeIntervalSince(killedAt), 15)
        XCTAssertNotEqual(job.process.terminationStatus, 0)
        let output = try String(contentsOf: job.log, encoding: .utf8)
        XCTAssertTrue(output.contains("rank") && output.contains("signal 9"), output)

        let resumed = try run(mpirun(2, ["train", "--out", out, "--resume", "--threads", "1"]))
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming"), resumed.output)
        XCTAssertEqual(try run([mpiDDPM] + training("single", steps: 60, ["--accumulate", "2"])).status, 0)
        assertSameTensors(try state("killed"), try state("single"), "killed at step ≥ 25, resumed from step 20")
        XCTAssertEqual(try logWithoutSeconds("killed"), try logWithoutSeconds("single"))

        let four = try run(mpirun(4, ["train", "--out", out, "--resume", "--steps", "62", "--threads", "1"]))
        XCTAssertEqual(four.status, 0, four.output)
        XCTAssertEqual(try logWithoutSeconds("killed").count, 62)
    }

    /// SIGUSR1 to mpirun (which passes it to every rank) stops all ranks at the same
    /// step; rank 0 writes the checkpoint before any rank ends.
    func testSIGUSR1StopsEveryRankWithACheckpoint() throws {
        let job = try start(mpirun(2, training("stopped", steps: 100_000, ["--checkpoint-every", "100000"])), log: "stopped.log")
        let logURL = folder.appendingPathComponent("stopped/training/log.jsonl")
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, job.process.isRunning,
            ((try? String(contentsOf: logURL, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 15
        {
            usleep(50_000)
        }
        kill(job.process.processIdentifier, SIGUSR1)
        job.process.waitUntilExit()
        let output = try String(contentsOf: job.log, encoding: .utf8)
        XCTAssertNotEqual(job.process.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("checkpoint saved in"), output)
        let lines = try logWithoutSeconds("stopped").count
        let checkpoint = try TrainingCheckpoint.read(from: folder.appendingPathComponent("stopped/training/state.safetensors"))
        XCTAssertEqual(checkpoint.step, lines, "the checkpoint holds the last logged step")
    }

    func testBadSetUpsEndWithOneLineAndWriteNothing() throws {
        let uneven = try run(mpirun(4, training("uneven", ["--batch-size", "30"])))
        XCTAssertNotEqual(uneven.status, 0)
        XCTAssertTrue(uneven.output.contains("--batch-size 30 does not split over 4 processes"), uneven.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("uneven").path))

        // A network with dropout: its masks are drawn per process.
        let config = UNetConfig(
            sampleSize: 8, inChannels: 1, outChannels: 1, blockOutChannels: [8, 8], layersPerBlock: 1,
            downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], addAttention: false,
            attentionHeadDim: nil, normNumGroups: 4, dropout: 0.1)
        let configURL = folder.appendingPathComponent("dropout.json")
        try config.jsonData().write(to: configURL)
        let dropout = try run(mpirun(2, training("dropout", ["--model-config", configURL.path])))
        XCTAssertNotEqual(dropout.status, 0)
        XCTAssertTrue(dropout.output.contains("dropout 0.1") && dropout.output.contains("--accumulate"), dropout.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("dropout/training").path))

        // The same command in two folders whose "images" differ: rank 1 trains on other data.
        for rank in 0..<2 {
            let images = folder.appendingPathComponent("rank\(rank)/images")
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
            for n in 0..<4 {
                let value = Float(rank * 4 + n) / 8 - 0.5
                try PNG.write(
                    try PixelImage(tensor: Tensor(shape: [1, 8, 8], scalars: [Float](repeating: value, count: 64))),
                    toFile: images.appendingPathComponent("i\(n).png").path)
            }
        }
        let command =
            "cd \(folder.path)/rank$OMPI_COMM_WORLD_RANK && exec \(mpiDDPM) train --data images --preset digits-tiny "
            + "--steps 2 --batch-size 4 --threads 1 --out \(folder.path)/mixed"
        let mixed = try run(["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", "sh", "-c", command])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.output.contains("rank 1 has another run than rank 0"), mixed.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("mixed").path))

        let plain = try DDPMExecutable.url().path
        let withoutMPI = try run(["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", plain] + training("plain"))
        XCTAssertNotEqual(withoutMPI.status, 0)
        XCTAssertTrue(withoutMPI.output.contains("built without MPI") && withoutMPI.output.contains("--traits MPI"), withoutMPI.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("plain").path))
    }

    /// Two ranks in two network namespaces joined by a veth pair: the gradients
    /// cross a network interface over Open MPI's TCP transport (no shared memory),
    /// and the run is the same as on one machine.
    func testTwoHostsOverAVethPair() throws {
        guard getuid() == 0,
            FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip")
        else { throw XCTSkip("needs root and iproute2 for network namespaces") }
        let suffix = String(getpid() % 100_000)
        let (a, b) = ("ddpm-a\(suffix)", "ddpm-b\(suffix)")
        let (vethA, vethB) = ("vda\(suffix)", "vdb\(suffix)")
        let setup = [
            ["ip", "netns", "add", a], ["ip", "netns", "add", b],
            ["ip", "link", "add", vethA, "type", "veth", "peer", "name", vethB],
            ["ip", "link", "set", vethA, "netns", a], ["ip", "link", "set", vethB, "netns", b],
            ["ip", "-n", a, "addr", "add", "10.77.0.1/24", "dev", vethA], ["ip", "-n", b, "addr", "add", "10.77.0.2/24", "dev", vethB],
            ["ip", "-n", a, "link", "set", vethA, "up"], ["ip", "-n", b, "link", "set", vethB, "up"],
            ["ip", "-n", a, "link", "set", "lo", "up"], ["ip", "-n", b, "link", "set", "lo", "up"],
        ]
        defer {
            _ = try? run(["ip", "netns", "del", a])
            _ = try? run(["ip", "netns", "del", b])
        }
        for command in setup {
            let result = try run(command)
            guard result.status == 0 else { throw XCTSkip("cannot make network namespaces here: \(command): \(result.output)") }
        }
        // mpirun reaches the second host through this agent instead of ssh.
        let agent = folder.appendingPathComponent("netns-agent.sh")
        try """
        #!/bin/sh
        host="$1"; shift
        case "$host" in
          10.77.0.1) ns=\(a) ;;
          10.77.0.2) ns=\(b) ;;
          *) echo "netns-agent: unknown host $host" >&2; exit 1 ;;
        esac
        exec ip netns exec "$ns" sh -c "$*"

        """.write(to: agent, atomically: true, encoding: .utf8)
        chmod(agent.path, 0o755)
        let command =
            ["ip", "netns", "exec", a, "mpirun", "--allow-run-as-root", "-np", "2", "--host", "10.77.0.1,10.77.0.2"]
            + ["--mca", "plm_rsh_agent", agent.path, "--mca", "btl", "tcp,self"]
            + ["--mca", "btl_tcp_if_include", "10.77.0.0/24", "--mca", "oob_tcp_if_include", "10.77.0.0/24", mpiDDPM]
            + training("hosts")
        let hosts = try run(command)
        XCTAssertEqual(hosts.status, 0, hosts.output)
        let statistics = try run(["ip", "-n", b, "-s", "link", "show", vethB]).output
        let received =
            statistics.split(separator: "\n").drop { !$0.contains("RX:") }.dropFirst().first
            .flatMap { $0.split(separator: " ").first.flatMap { Int($0) } } ?? 0
        // 20 steps × 701,345 gradients × 4 bytes, each way: about 56 MB.
        XCTAssertGreaterThan(received, 20_000_000, statistics)
        XCTAssertEqual(try run([mpiDDPM] + training("single", ["--accumulate", "2"])).status, 0)
        assertSameTensors(try state("hosts"), try state("single"), "two hosts vs --accumulate 2")
    }

    /// The processes whose command line holds `argument` (pid and command), from /proc.
    static func processes(withArgument argument: String) throws -> [(pid: pid_t, command: String)] {
        var found: [(pid_t, String)] = []
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let parts = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard parts.contains(argument), let first = parts.first else { continue }
            found.append((pid, URL(fileURLWithPath: first).lastPathComponent + " " + parts.dropFirst().joined(separator: " ")))
        }
        return found.sorted { $0.0 < $1.0 }
    }
}
