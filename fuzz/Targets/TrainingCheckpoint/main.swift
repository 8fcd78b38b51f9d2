// Fuzz target: TrainingCheckpoint.decode — the training state `ddpm train`
// writes (state.safetensors): the safetensors container, format/version
// metadata, step and counters, the JSON training configuration, generator and
// data position, model/ema/optimizer tensors and the optimiser state. A state
// that decodes is encoded again.
//
// Run with FUZZ_MAKE_SEED=path to write a small valid state (the committed seed).
import Diffusion
import Foundation
import NN
import Tensors

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> Int32 {
    guard let seedPath = ProcessInfo.processInfo.environment["FUZZ_MAKE_SEED"] else { return 0 }
    do {
        let weights = ["w": Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), "b": Tensor(shape: [2], scalars: [0.5, -0.5])]
        let optimizer = OptimizerState(
            stepCount: 3,
            parameters: [
                "w": .init(step: 3, buffers: ["exp_avg": [0, 1, 2, 3, 4, 5], "exp_avg_sq": [1, 1, 1, 1, 1, 1]]),
                "b": .init(step: 3, buffers: ["exp_avg": [0, 1], "exp_avg_sq": [2, 2]]),
            ])
        let state = TrainingCheckpoint(
            step: 3, configuration: TrainingConfiguration(steps: 10), modelWeights: weights,
            ema: .init(updateCount: 3, shadow: ["w": [1, 2, 3, 4, 5, 6], "b": [0, 0]]), optimizer: optimizer,
            generator: RandomGenerator(seed: 7), dataPosition: [1, 2], extra: ["note": "seed"])
        let data = try state.encoded()
        _ = try TrainingCheckpoint.decode(data)
        try data.write(to: URL(fileURLWithPath: seedPath))
        print("wrote \(data.count) bytes to \(seedPath)")
    } catch {
        print("cannot make the seed: \(error)")
    }
    exit(0)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrainingCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    if let state = try? TrainingCheckpoint.decode(bytes, source: "fuzz") {
        _ = try? state.encoded()
    }
    return 0
}
