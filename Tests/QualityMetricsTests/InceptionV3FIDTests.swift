import Foundation
import TestSupport
import NN
import Tensors
import XCTest

@testable import QualityMetrics

/// The FID Inception network against pytorch-fid's own `InceptionV3` (resize
/// and input scaling on) with every weight set by a hash of its name and index
/// (`tools/make_inception_fixtures.py`), recomputed here: the pool3 features
/// of two 32×32 RGB images agree to 1e-4. Also the load's refusals.
final class InceptionV3FIDTests: XCTestCase {
    struct Fixture: Decodable {
        let shape: [Int]
        let images: [Float]
        let features: [Double]
        let tensor_count: Int
        struct HashCheck: Decodable {
            let name: String
            let first: [Double]
        }
        let hash_check: HashCheck
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/inception.json")
        return try! JSONDecoder().decode(Fixture.self, from: try! Data(contentsOf: url))
    }()

    /// Σ (j + 1)·byte_j of the name's UTF-8 bytes, mod 2³² (the fixture script's `name_seed`).
    static func nameSeed(_ name: String) -> UInt64 {
        name.utf8.enumerated().reduce(UInt64(0)) { ($0 + UInt64($1.offset + 1) * UInt64($1.element)) & 0xFFFF_FFFF }
    }

    /// Uniform values in [−1, 1) from a 32-bit hash of (name, index) (the script's `hashed_values`).
    static func hashedValues(_ name: String, count: Int) -> [Double] {
        let mask: UInt64 = 0xFFFF_FFFF
        let seed = nameSeed(name)
        return (0..<count).map { i in
            var h = (UInt64(i) &* 2_654_435_761 &+ seed &* 40503) & mask
            h ^= h >> 16
            h = (h &* 0x45D_9F3B) & mask
            h ^= h >> 16
            h = (h &* 0x45D_9F3B) & mask
            h ^= h >> 16
            return Double(h) / 4_294_967_296 * 2 - 1
        }
    }

    /// The fixture's value of a state-dict entry (the script's `value_for`).
    static func hashedTensor(_ name: String, _ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let u = hashedValues(name, count: count)
        let values: [Double]
        if name.hasSuffix("conv.weight") {
            let scale = (6.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot()
            values = u.map { $0 * scale }
        } else if name.hasSuffix("bn.weight") {
            values = u.map { 1 + 0.2 * $0 }
        } else if name.hasSuffix("bn.bias") || name.hasSuffix("bn.running_mean") {
            values = u.map { 0.1 * $0 }
        } else {
            values = u.map { 1 + 0.5 * $0 }
        }
        return Tensor(shape: shape, scalars: values.map { Float($0) })
    }

    func testTheHashMatchesTheFixtureScript() {
        let check = Self.fixture.hash_check
        XCTAssertEqual(Self.hashedValues(check.name, count: check.first.count), check.first)
    }

    func testPool3FeaturesMatchPytorchFID() throws {
        let f = Self.fixture
        var names: [String] = []
        let network = try InceptionV3FID(source: "hashed") { name, shape in
            names.append(name)
            return Self.hashedTensor(name, shape)
        }
        XCTAssertEqual(names.count, f.tensor_count, "every state-dict entry but fc is read")
        let features = try network.features(Tensor(shape: f.shape, scalars: f.images))
        XCTAssertEqual(features.shape, [f.shape[0], 2048])
        let scale = f.features.map(abs).max()!
        var worst = 0.0
        for (a, e) in zip(features.scalars, f.features) { worst = max(worst, abs(Double(a) - e) / max(1, scale)) }
        XCTAssertLessThan(worst, 1e-4, "largest difference from pytorch-fid relative to the largest feature \(scale)")
    }

    /// The load from a file: the hashed weights written as safetensors read back
    /// into the same features. With `DDPM_INCEPTION_HASHED_WEIGHTS` set to the
    /// converter's output for the fixture script's hashed `.pth` (how
    /// tools/convert_inception_weights.py was checked), that file is read instead.
    func testWeightsFromAFileGiveTheSameFeatures() throws {
        let f = Self.fixture
        let url: URL
        var cleanup: URL? = nil
        if let path = ProcessInfo.processInfo.environment["DDPM_INCEPTION_HASHED_WEIGHTS"] {
            url = URL(fileURLWithPath: path)
        } else {
            let folder = try makeTemporaryFolder("InceptionV3FIDTests")
            cleanup = folder
            var tensors: [String: Tensor] = [:]
            _ = try InceptionV3FID(source: "hashed") { name, shape in
                tensors[name] = Self.hashedTensor(name, shape)
                return tensors[name]!
            }
            url = folder.appendingPathComponent("hashed.safetensors")
            try SafetensorsWriter.write(tensors, to: url)
        }
        defer { if let cleanup { try? FileManager.default.removeItem(at: cleanup) } }
        let network = try InceptionV3FID(contentsOf: url)
        let features = try network.features(Tensor(shape: f.shape, scalars: f.images))
        let scale = f.features.map(abs).max()!
        for (a, e) in zip(features.scalars, f.features) where abs(Double(a) - e) > 1e-4 * scale {
            XCTFail("\(a) vs pytorch-fid \(e)")
            return
        }
    }

    func testGreyImagesAreRepeatedToThreeChannels() throws {
        let network = try InceptionV3FID(source: "hashed") { Self.hashedTensor($0, $1) }
        var generator = RandomGenerator(seed: 3)
        let grey = Tensor.uniform([1, 1, 16, 16], generator: &generator)
        let rgb = Tensor.concat([grey, grey, grey], axis: 1)
        XCTAssertEqual(try network.features(grey).scalars, try network.features(rgb).scalars)
        XCTAssertThrowsError(try network.features(Tensor.zeros([1, 2, 8, 8])))
    }

    func testBadWeightFilesAreRefusedWithWhatToDo() throws {
        let folder = try makeTemporaryFolder("InceptionV3FIDTests")
        defer { try? FileManager.default.removeItem(at: folder) }
        let garbage = folder.appendingPathComponent("garbage.safetensors")
        try Data("not safetensors".utf8).write(to: garbage)
        XCTAssertThrowsError(try InceptionV3FID(contentsOf: garbage)) {
            XCTAssertTrue("\($0)".contains("convert_inception_weights.py"), "\($0)")
        }
        let partial = folder.appendingPathComponent("partial.safetensors")
        try SafetensorsWriter.write(
            ["Conv2d_1a_3x3.conv.weight": Self.hashedTensor("Conv2d_1a_3x3.conv.weight", [32, 3, 3, 3])],
            to: partial)
        XCTAssertThrowsError(try InceptionV3FID(contentsOf: partial)) {
            XCTAssertTrue("\($0)".contains("no tensor Conv2d_1a_3x3.bn.weight"), "\($0)")
        }
        let misshaped = folder.appendingPathComponent("misshaped.safetensors")
        try SafetensorsWriter.write(
            ["Conv2d_1a_3x3.conv.weight": Self.hashedTensor("Conv2d_1a_3x3.conv.weight", [32, 3, 5, 5])],
            to: misshaped)
        XCTAssertThrowsError(try InceptionV3FID(contentsOf: misshaped)) {
            XCTAssertTrue("\($0)".contains("has shape [32, 3, 5, 5]"), "\($0)")
        }
    }
}
