// Fuzz target: NPZ.read (ZIPFoundation's reading of the archive: end of
// central directory, entries, deflate) and NPY.decodeDoubles of each entry, as
// FeatureStatistics(npzFile:) reads pytorch-fid's statistics files. Each input
// is written to a file first, as users' archives are read.
// Leak detection is off: ZIPFoundation's Archive(url:) leaks the path string that
// FileManager.fileSystemRepresentation(withPath:) allocates (a few bytes per
// archive opened, on Linux); its in-memory reader leaks more, so it is not used.
// libfuzzer: -detect_leaks=0
// asan: detect_leaks=0
import Datasets
import Foundation

let file = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-npz-\(getpid()).npz")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard (try? Data(bytes: data, count: size).write(to: file)) != nil else { return 0 }
    if let arrays = try? NPZ.read(contentsOfFile: file.path) {
        for (_, bytes) in arrays {
            if let array = try? NPY.decodeDoubles(bytes, source: "fuzz") {
                precondition(array.shape.reduce(1, *) == array.values.count)
            }
        }
    }
    return 0
}
