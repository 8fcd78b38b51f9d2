// Fuzz target: SchedulerConfig.parse — diffusers scheduler_config.json:
// JSON, key types, schedule names, prediction/variance names, trained_betas,
// num_train_timesteps, and building the noise schedule it describes.
import Diffusion
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSchedulerConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    if let config = try? SchedulerConfig.parse(bytes) {
        _ = try? config.makeDiffusion()
        _ = config.jsonData()
    }
    return 0
}
