import Foundation
import NN
import Tensors
import XCTest

/// A two-level module shaped like a diffusers block: own parameters, a named
/// child and a list of children.
private final class Block: Module {
    let scale: Tensor
    let proj: Linear
    let resnets: ModuleList<Linear>

    init(generator: inout RandomGenerator) {
        scale = Initialization.constantParameter([2], 1)
        proj = Linear(3, 2, generator: &generator)
        resnets = ModuleList([Linear(2, 2, generator: &generator), Linear(2, 4, bias: false, generator: &generator)])
    }

    var parameters: [(name: String, tensor: Tensor)] { [("scale", scale)] }
    var children: [(name: String, module: any Module)] { [("proj", proj), ("resnets", resnets)] }
}

private final class Network: Module {
    let downBlocks: ModuleList<any Module>
    let head: Sequential
    let mode = ModeProbe()

    init(seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        downBlocks = ModuleList<any Module>([Block(generator: &rng), Linear(4, 4, generator: &rng)])
        head = Sequential([Linear(4, 3, generator: &rng), SiLU(), Linear(3, 1, generator: &rng)])
    }

    var children: [(name: String, module: any Module)] {
        [("down_blocks", downBlocks), ("head", head), ("mode", mode)]
    }
}

/// A parameterless module that records the training flag.
private final class ModeProbe: TrainingModeSwitchable {
    var isTraining = true
}

final class ModuleTests: XCTestCase {
    func testParameterPathsFollowPyTorchNaming() {
        let network = Network(seed: 1)
        XCTAssertEqual(
            network.namedParameters().map(\.path),
            [
                "down_blocks.0.scale",
                "down_blocks.0.proj.weight", "down_blocks.0.proj.bias",
                "down_blocks.0.resnets.0.weight", "down_blocks.0.resnets.0.bias",
                "down_blocks.0.resnets.1.weight",
                "down_blocks.1.weight", "down_blocks.1.bias",
                "head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias",
            ])
        XCTAssertEqual(network.parameterCount, 2 + (6 + 2) + (4 + 2) + 8 + (16 + 4) + (12 + 3) + (3 + 1))
        XCTAssertTrue(network.namedParameters().allSatisfy { $0.tensor.requiresGrad })
        XCTAssertEqual(
            network.namedModules().map(\.path).prefix(5),
            ["", "down_blocks", "down_blocks.0", "down_blocks.0.proj", "down_blocks.0.resnets"])
    }

    func testLoadCopiesValuesIntoTheSameTensorObjects() throws {
        let target = Network(seed: 1), source = Network(seed: 2)
        let before = target.namedParameters().map(\.tensor)
        try target.load(stateDict: source.stateDict())
        for ((path, tensor), original) in zip(target.namedParameters(), before) {
            XCTAssertTrue(tensor === original, "\(path) was replaced instead of assigned")
            XCTAssertEqual(tensor.scalars, source.stateDict()[path]!.scalars, path)
        }
        XCTAssertNotEqual(Network(seed: 1).stateDict()["head.0.weight"]!.scalars, target.stateDict()["head.0.weight"]!.scalars)
    }

    func testLoadNamesEveryMissingUnexpectedAndMisShapedTensorAndChangesNothing() {
        let target = Network(seed: 1)
        var dict = Network(seed: 2).stateDict()
        dict["down_blocks.1.bias"] = nil
        dict["head.2.bias"] = nil
        dict["head.9.weight"] = Tensor([1])
        dict["down_blocks.0.proj.weight"] = Tensor.zeros([3, 2])
        dict["head.0.bias"] = Tensor.zeros([4])
        let before = target.namedParameters().map { $0.tensor.scalars }
        XCTAssertThrowsError(try target.load(stateDict: dict)) { error in
            guard let error = error as? StateDictError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.missing, ["down_blocks.1.bias", "head.2.bias"])
            XCTAssertEqual(error.unexpected, ["head.9.weight"])
            XCTAssertEqual(error.mismatched.map(\.path), ["down_blocks.0.proj.weight", "head.0.bias"])
            XCTAssertEqual(error.mismatched.first?.expected, [2, 3])
            XCTAssertEqual(error.mismatched.first?.found, [3, 2])
            let text = error.description
            for fragment in [
                "down_blocks.1.bias", "head.2.bias", "head.9.weight", "down_blocks.0.proj.weight (expected [2, 3], found [3, 2])",
            ] {
                XCTAssertTrue(text.contains(fragment), "'\(text)' lacks '\(fragment)'")
            }
        }
        XCTAssertEqual(target.namedParameters().map { $0.tensor.scalars }, before)
    }

    func testNonStrictLoadSkipsMissingAndUnexpectedButNotMisShaped() throws {
        let target = Network(seed: 1), source = Network(seed: 2)
        var dict = source.stateDict()
        dict["head.2.bias"] = nil
        dict["extra"] = Tensor([1])
        try target.load(stateDict: dict, strict: false)
        XCTAssertEqual(target.stateDict()["head.2.weight"]!.scalars, source.stateDict()["head.2.weight"]!.scalars)
        XCTAssertEqual(target.stateDict()["head.2.bias"]!.scalars, Network(seed: 1).stateDict()["head.2.bias"]!.scalars)
        dict["head.0.bias"] = Tensor.zeros([5])
        XCTAssertThrowsError(try target.load(stateDict: dict, strict: false)) { error in
            XCTAssertEqual((error as? StateDictError)?.mismatched.map(\.path), ["head.0.bias"])
            XCTAssertEqual((error as? StateDictError)?.missing, [])
        }
    }

    func testStateDictSurvivesASafetensorsRoundTrip() throws {
        let source = Network(seed: 5), target = Network(seed: 6)
        let data = try SafetensorsWriter.encode(source.stateDict())
        try target.load(stateDict: try SafetensorsFile(data: data).tensors())
        for ((path, a), (_, b)) in zip(source.namedParameters(), target.namedParameters()) {
            XCTAssertEqual(a.scalars, b.scalars, path)
        }
    }

    func testSaveAndLoadSafetensorsFileWithRenaming() throws {
        let directory = try makeTemporaryFolder("NNTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("diffusion_pytorch_model.safetensors")
        let source = Network(seed: 5), target = Network(seed: 6)
        try source.saveSafetensors(to: url, metadata: ["format": "pt"])
        XCTAssertEqual(try SafetensorsFile(contentsOf: url).metadata, ["format": "pt"])
        try target.loadSafetensors(from: url)
        XCTAssertEqual(target.stateDict()["head.2.bias"]!.scalars, source.stateDict()["head.2.bias"]!.scalars)

        // A file with a legacy name loads once the name is mapped, and fails naming it otherwise.
        var legacy = source.stateDict()
        legacy["head.2.legacy_bias"] = legacy.removeValue(forKey: "head.2.bias")
        try SafetensorsWriter.write(legacy, to: url)
        XCTAssertThrowsError(try target.loadSafetensors(from: url)) { error in
            XCTAssertEqual((error as? StateDictError)?.missing, ["head.2.bias"])
            XCTAssertEqual((error as? StateDictError)?.unexpected, ["head.2.legacy_bias"])
        }
        try target.loadSafetensors(from: url) { $0.replacingOccurrences(of: "legacy_bias", with: "bias") }
    }

    func testSetTrainingReachesNestedModulesAndZeroGradClearsEveryGradient() {
        let network = Network(seed: 1)
        network.setTraining(false)
        XCTAssertFalse(network.mode.isTraining)
        network.setTraining(true)
        XCTAssertTrue(network.mode.isTraining)

        let loss = network.head(Tensor.ones([2, 4])).sum()
        loss.backward()
        XCTAssertNotNil(network.head.layers[0].parameters[0].tensor.grad)
        network.zeroGrad()
        XCTAssertTrue(network.namedParameters().allSatisfy { $0.tensor.grad == nil })
    }
}
