// Fuzz target: NPY.decode — magic and version, header length, the Python
// literal header (descr, fortran_order, shape), the element-count limit,
// data size, byte order and Fortran-order transposition.
import Datasets
import Tensors

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    if let tensor = try? NPY.decode(input, source: "fuzz") {
        precondition(tensor.shape.reduce(1, *) == tensor.scalars.count)
    }
    return 0
}
