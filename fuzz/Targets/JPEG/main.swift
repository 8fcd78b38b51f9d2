// traits: JPEG
// Fuzz target: JPEG.decode (libjpeg-turbo through the CJPEG shim: markers, Huffman
// and progressive decoding, error and warning handling, the scan bound, the EXIF
// orientation parser and the Swift reorientation). Built with the package trait JPEG.
import Datasets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limit so that valid-but-large headers are refused quickly instead of slowing the run.
    if let image = try? JPEG.decode(input, limits: PNG.Limits(maximumPixels: 1 << 20)) {
        precondition(image.width > 0 && image.height > 0)
        precondition(image.samples.count == image.width * image.height * image.colorModel.channels)
        precondition(image.samples.allSatisfy { $0 <= 255 })
    }
    return 0
}
