// Fuzz target: CIFAR.decode for both record layouts — record size, label ranges
// (CIFAR-10 0–9, CIFAR-100 coarse 0–19 and fine 0–99), truncation.
import Datasets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFAR(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    for layout in CIFAR.allCases {
        if let (pixels, labels) = try? layout.decode(input, source: "fuzz") {
            precondition(pixels.count == labels.count * 3072 && labels.allSatisfy { (0..<layout.classCount).contains($0) })
            precondition(pixels.allSatisfy { $0 >= -1 && $0 <= 1 })
        }
    }
    return 0
}
