import Datasets
import Foundation
import Tensors

/// Images and masks read from PNG files for the editing commands, in the model's shape.
enum ImageInput {
    /// The PNG at `path` as `[1, C, S, S]` in [−1, 1] for a model of example shape `[C, S, S]`:
    /// grey or colour converted to C channels; another size is resized (antialiased) and
    /// centre-cropped when `resize` is true, refused otherwise.
    static func image(at path: String, flag: String, exampleShape: [Int], resize: Bool) throws -> Tensor {
        guard exampleShape.count == 3, [1, 3].contains(exampleShape[0]), exampleShape[1] == exampleShape[2] else {
            throw CommandError("\(flag): the model makes examples of shape \(exampleShape), not square grey or colour images")
        }
        let (channels, size) = (exampleShape[0], exampleShape[1])
        let picture = try PNG.read(contentsOfFile: path)
        var planes = picture.planes(channels: channels)
        if picture.width != size || picture.height != size {
            guard resize else {
                throw CommandError(
                    "\(flag) \(path) is \(picture.width)×\(picture.height) but the model draws \(size)×\(size); "
                        + "give an image of the model's size")
            }
            planes = ImageResize.resizeAndCenterCrop(planes, channels: channels, height: picture.height, width: picture.width, size: size)
        }
        return Tensor(shape: [1, channels, size, size], scalars: planes)
    }

    /// The mask PNG at `path` as `[H, W]` of 1 (white: fill) and 0 (black: keep); any other
    /// colour is refused, as is a mask of another size than `size`.
    static func mask(at path: String, flag: String, size: Int) throws -> Tensor {
        let picture = try PNG.read(contentsOfFile: path)
        guard picture.width == size, picture.height == size else {
            throw CommandError(
                "\(flag) \(path) is \(picture.width)×\(picture.height) but the image is \(size)×\(size); "
                    + "give a mask of the image's size")
        }
        let stride = picture.colorModel.channels, colours = picture.colorModel.colorChannels
        let top = UInt16(picture.maximumValue)
        var values = [Float](repeating: 0, count: size * size)
        for p in 0..<(size * size) {
            let pixel = picture.samples[(p * stride)..<(p * stride + colours)]
            if pixel.allSatisfy({ $0 == top }) {
                values[p] = 1
            } else if !pixel.allSatisfy({ $0 == 0 }) {
                throw CommandError(
                    "\(flag) \(path) is not a binary mask: pixel (\(p % size), \(p / size)) is neither black nor white; "
                        + "paint the region to fill white and the rest black")
            }
        }
        return Tensor(shape: [size, size], scalars: values)
    }
}
