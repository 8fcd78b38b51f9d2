// Fuzz target: ModelFolder.load — a whole diffusers model folder: config.json,
// scheduler_config.json, and diffusion_pytorch_model.safetensors checked
// name by name and shape by shape against the model the config describes.
//
// Input layout: [UInt16 LE n][n bytes config.json][UInt16 LE m][m bytes
// scheduler_config.json, omitted when m = 0][the rest: the weights file].
// The files are written to a private folder under /dev/shm (or the temp
// directory) and loaded from there, as the tool does.
//
// Run with FUZZ_MAKE_SEED=path to write a seed input in this layout for a tiny
// model (the committed seed was made this way).
import Diffusion
import Foundation
import NN
import Tensors

let folder: URL = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let url = URL(fileURLWithPath: base).appendingPathComponent("ddpm-fuzz-modelfolder-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: folder) }
    return url
}()

/// Splits off a UInt16-length-prefixed piece.
func takePiece(_ bytes: inout ArraySlice<UInt8>) -> [UInt8]? {
    guard bytes.count >= 2 else { return nil }
    let length = Int(bytes[bytes.startIndex]) | Int(bytes[bytes.startIndex + 1]) << 8
    bytes = bytes.dropFirst(2)
    guard bytes.count >= length else { return nil }
    defer { bytes = bytes.dropFirst(length) }
    return Array(bytes.prefix(length))
}

func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
    [UInt8(bytes.count & 0xFF), UInt8(bytes.count >> 8)] + bytes
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> Int32 {
    guard let seedPath = ProcessInfo.processInfo.environment["FUZZ_MAKE_SEED"] else { return 0 }
    do {
        let config = UNetConfig(
            sampleSize: 4, inChannels: 1, outChannels: 1, blockOutChannels: [2, 4], layersPerBlock: 1,
            downBlockTypes: [.plain, .attention], upBlockTypes: [.attention, .plain],
            attentionHeadDim: 2, normNumGroups: 2, numClassEmbeds: 3)
        var generator = RandomGenerator(seed: 1)
        let model = try UNet2DModel(config: config, generator: &generator)
        let scheduler = SchedulerConfig(trainTimesteps: 10, betaSchedule: "squaredcos_cap_v2")
        try ModelFolder.save(model, scheduler: scheduler, to: folder)
        func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: folder.appendingPathComponent(name))) }
        let seed =
            lengthPrefixed(try read(ModelFolder.configName)) + lengthPrefixed(try read(ModelFolder.schedulerName))
            + (try read(ModelFolder.weightsName))
        try Data(seed).write(to: URL(fileURLWithPath: seedPath))
        print("wrote \(seed.count) bytes to \(seedPath)")
    } catch {
        print("cannot make the seed: \(error)")
    }
    exit(0)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFolder(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var rest = ArraySlice(UnsafeBufferPointer(start: data, count: size))
    guard let config = takePiece(&rest), let scheduler = takePiece(&rest) else { return 0 }
    // Accepted-but-large models are legitimate and only slow the search down; the caps
    // themselves are exercised by the UNetConfig target and the unit tests.
    if let (parsed, _) = try? UNetConfig.parse(Data(config)), parsed.blockOutChannels.reduce(0, +) > 256 {
        return 0
    }
    let fm = FileManager.default
    _ = fm.createFile(atPath: folder.appendingPathComponent(ModelFolder.configName).path, contents: Data(config))
    let schedulerPath = folder.appendingPathComponent(ModelFolder.schedulerName).path
    if scheduler.isEmpty {
        try? fm.removeItem(atPath: schedulerPath)
    } else {
        _ = fm.createFile(atPath: schedulerPath, contents: Data(scheduler))
    }
    _ = fm.createFile(atPath: folder.appendingPathComponent(ModelFolder.weightsName).path, contents: Data(rest))
    if let loaded = try? ModelFolder.load(from: folder) {
        precondition(loaded.model.parameterCount > 0)
    }
    return 0
}
