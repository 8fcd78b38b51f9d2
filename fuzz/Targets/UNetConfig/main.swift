// Fuzz target: UNetConfig.parse — diffusers config.json for UNet2DModel:
// JSON, key types, block kinds, and validate() (divisibility, sizes, caps).
import Diffusion
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUNetConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    if let (config, _) = try? UNetConfig.parse(bytes) {
        // What the model constructor derives from an accepted configuration must not trap.
        precondition(config.timeEmbedWidth > 0)
        _ = config.jsonData()
    }
    return 0
}
