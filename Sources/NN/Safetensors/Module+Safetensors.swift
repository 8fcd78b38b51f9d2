import Foundation
import Tensors

extension Module {
    /// Writes every parameter, keyed by its path, as an F32 safetensors file
    /// (atomically; see `SafetensorsWriter`).
    ///
    /// - Throws: ``SafetensorsError`` when a tensor or the metadata cannot be written.
    public func saveSafetensors(to url: URL, metadata: [String: String] = [:]) throws {
        try SafetensorsWriter.write(stateDict(), metadata: metadata, to: url)
    }

    /// Loads the parameters from a safetensors file whose keys are parameter
    /// paths; `renaming` may map a key of the file to the path it fills (for
    /// legacy names), or to nil to drop it. Verifies every key and shape as
    /// `load(stateDict:strict:)`.
    public func loadSafetensors(
        from url: URL, strict: Bool = true,
        renaming: (String) -> String? = { $0 }
    ) throws {
        let file = try SafetensorsFile(contentsOf: url)
        var dict: [String: Tensor] = [:]
        for name in file.names {
            guard let path = renaming(name) else { continue }
            dict[path] = try file.tensor(named: name)
        }
        try load(stateDict: dict, strict: strict)
    }
}
