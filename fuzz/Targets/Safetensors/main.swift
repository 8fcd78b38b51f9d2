// Fuzz target: SafetensorsFile(data:) — header length, JSON header, dtypes,
// shapes, offsets, coverage of the data area — then reading every tensor as
// Float32 (F32/F64/F16/BF16 conversion). Integer dtypes must throw, not trap.
import Foundation
import NN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    guard let file = try? SafetensorsFile(data: bytes) else { return 0 }
    for name in file.names {
        guard let entry = file.entries[name] else { preconditionFailure("names and entries disagree") }
        if let tensor = try? file.tensor(named: name) {
            precondition(tensor.shape == entry.shape && tensor.scalars.count == entry.elementCount)
        }
    }
    return 0
}
