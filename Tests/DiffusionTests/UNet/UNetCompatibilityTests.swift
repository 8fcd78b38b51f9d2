import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// The U-Net against huggingface diffusers: fixtures made by
/// tools/make_unet_fixtures.py hold a diffusers model folder, an input and
/// diffusers' output; the Swift model must reproduce it to 1e-4.
final class UNetCompatibilityTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/unet")

    /// Runs the model in `folder/model` on `folder/io.safetensors` and returns (ours, diffusers').
    private func run(_ folder: URL) throws -> (Tensor, Tensor, ModelFolder.Loaded) {
        let loaded = try ModelFolder.load(from: folder.appendingPathComponent("model"))
        let io = try SafetensorsFile(contentsOf: folder.appendingPathComponent("io.safetensors"))
        let x = try io.tensor(named: "x")
        let timesteps = try io.tensor(named: "timesteps").scalars.map { Int($0) }
        let labels = io.names.contains("class_labels") ? try io.tensor(named: "class_labels").scalars.map { Int($0) } : nil
        let ours = try GradMode.withoutGradient { try loaded.model(x, timesteps: timesteps, classLabels: labels) }
        return (ours, try io.tensor(named: "output"), loaded)
    }

    private func assertClose(
        _ a: Tensor, _ b: Tensor, tolerance: Float, _ name: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(a.shape, b.shape, name, file: file, line: line)
        guard a.shape == b.shape else { return }
        let worst = zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, tolerance, "\(name): max |Swift − diffusers| = \(worst)", file: file, line: line)
    }

    func testSmallConfigurationsMatchDiffusers() throws {
        for name in ["tiny-attn", "tiny-cifar-options", "tiny-class"] {
            let (ours, theirs, _) = try run(Self.fixtures.appendingPathComponent(name))
            assertClose(ours, theirs, tolerance: 1e-4, name)
        }
    }

    /// The benchmark model and the exact google/ddpm-cifar10-32 configuration
    /// (143 MB, not committed): made by `tools/make_unet_fixtures.py DIR --large`.
    func testLargeConfigurationsMatchDiffusers() throws {
        guard let path = ProcessInfo.processInfo.environment["DDPM_LARGE_UNET_FIXTURES"] else {
            throw XCTSkip("set DDPM_LARGE_UNET_FIXTURES to the output of tools/make_unet_fixtures.py DIR --large")
        }
        for name in ["mnist-unet-s", "ddpm-cifar10-32"] {
            let (ours, theirs, loaded) = try run(URL(fileURLWithPath: path).appendingPathComponent(name))
            assertClose(ours, theirs, tolerance: 1e-4, name)
            if name == "ddpm-cifar10-32" { XCTAssertEqual(loaded.model.parameterCount, 35_746_307) }
        }
    }

    func testSavedFolderLoadsBackWithEqualOutputs() throws {
        let folder = Self.fixtures.appendingPathComponent("tiny-cifar-options")
        let (ours, _, loaded) = try run(folder)
        // DDPM_ROUNDTRIP_DIR keeps the saved folder for tools/check_diffusers_roundtrip.py.
        let keep = ProcessInfo.processInfo.environment["DDPM_ROUNDTRIP_DIR"]
        let copy =
            keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("unet-roundtrip-\(UUID().uuidString)")
        defer { if keep == nil { try? FileManager.default.removeItem(at: copy) } }
        try ModelFolder.save(loaded.model, scheduler: loaded.scheduler, to: copy)
        let reloaded = try ModelFolder.load(from: copy)
        XCTAssertEqual(reloaded.model.config, loaded.model.config)
        XCTAssertEqual(reloaded.scheduler, loaded.scheduler)
        let io = try SafetensorsFile(contentsOf: folder.appendingPathComponent("io.safetensors"))
        let again = try GradMode.withoutGradient {
            try reloaded.model(io.tensor(named: "x"), timesteps: io.tensor(named: "timesteps").scalars.map { Int($0) })
        }
        XCTAssertEqual(again.scalars, ours.scalars)
        if keep != nil {
            try SafetensorsWriter.write(
                ["x": io.tensor(named: "x"), "timesteps": io.tensor(named: "timesteps"), "output": again],
                to: copy.appendingPathComponent("io.safetensors"))
        }
    }

    /// A class-conditional model saved with its null class reloads with the record and equal outputs for the same
    /// labels (plain and guided); `DDPM_ROUNDTRIP_DIR` keeps the folder for tools/check_diffusers_roundtrip.py.
    func testConditionalFolderRoundTripsWithEqualOutputs() throws {
        let folder = Self.fixtures.appendingPathComponent("tiny-class")
        let (ours, _, loaded) = try run(folder)
        let keep = ProcessInfo.processInfo.environment["DDPM_ROUNDTRIP_DIR"].map { $0 + "-class" }
        let copy =
            keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("unet-class-roundtrip-\(UUID().uuidString)")
        defer { if keep == nil { try? FileManager.default.removeItem(at: copy) } }
        let conditioning = ClassConditioning(classNames: (0..<10).map(String.init), classDropout: 0.1)
        try ModelFolder.save(loaded.model, scheduler: loaded.scheduler, to: copy, conditioning: conditioning)
        let reloaded = try ModelFolder.load(from: copy)
        XCTAssertEqual(reloaded.conditioning, conditioning)
        XCTAssertEqual(reloaded.model.config.numClassEmbeds, 11)
        XCTAssertEqual(reloaded.conditioning?.nullClass, 10)
        let io = try SafetensorsFile(contentsOf: folder.appendingPathComponent("io.safetensors"))
        let x = try io.tensor(named: "x")
        let timesteps = try io.tensor(named: "timesteps").scalars.map { Int($0) }
        let labels = try io.tensor(named: "class_labels").scalars.map { Int($0) }
        let again = try GradMode.withoutGradient { try reloaded.model(x, timesteps: timesteps, classLabels: labels) }
        XCTAssertEqual(again.scalars, ours.scalars)
        let realLabels = labels.map { $0 % 10 }
        let before = try ClassifierFreeGuidance(model: loaded.model, scale: 3, classCount: 10, nullClass: 10)
        let after = try ClassifierFreeGuidance(model: reloaded.model, scale: 3, classCount: 10, nullClass: 10)
        XCTAssertEqual(
            try after(x, timesteps: timesteps, classLabels: realLabels).scalars,
            try before(x, timesteps: timesteps, classLabels: realLabels).scalars)
        if keep != nil {
            try SafetensorsWriter.write(
                [
                    "x": x, "timesteps": io.tensor(named: "timesteps"),
                    "class_labels": io.tensor(named: "class_labels"), "output": again,
                ],
                to: copy.appendingPathComponent("io.safetensors"))
        }

        // Saving over it without a record removes the stale file; a record that does not fit the network is refused.
        try ModelFolder.save(loaded.model, scheduler: loaded.scheduler, to: copy)
        XCTAssertNil(try ModelFolder.load(from: copy).conditioning)
        let wrong = ClassConditioning(classNames: ["a", "b"], classDropout: 0.1)
        XCTAssertThrowsError(try ModelFolder.save(loaded.model, scheduler: loaded.scheduler, to: copy, conditioning: wrong)) {
            XCTAssertTrue("\($0)".contains("num_class_embeds = 3"), "\($0)")
        }
        try wrong.jsonData().write(to: copy.appendingPathComponent(ClassConditioning.fileName))
        XCTAssertThrowsError(try ModelFolder.load(from: copy)) { XCTAssertTrue("\($0)".contains("has 11"), "\($0)") }
    }

    func testLegacyAttentionNamesAreAccepted() {
        XCTAssertEqual(ModelFolder.canonicalName("down_blocks.1.attentions.0.query.weight"), "down_blocks.1.attentions.0.to_q.weight")
        XCTAssertEqual(ModelFolder.canonicalName("mid_block.attentions.0.proj_attn.bias"), "mid_block.attentions.0.to_out.0.bias")
        XCTAssertEqual(ModelFolder.canonicalName("up_blocks.2.attentions.1.key.weight"), "up_blocks.2.attentions.1.to_k.weight")
        XCTAssertEqual(ModelFolder.canonicalName("down_blocks.0.resnets.0.conv1.weight"), "down_blocks.0.resnets.0.conv1.weight")
    }

    func testMissingAndMisshapedTensorsAreNamed() throws {
        var generator = RandomGenerator(seed: 1)
        let model = try UNet2DModel(config: UNetConfig.preset(named: "digits-tiny"), generator: &generator)
        var state = model.stateDict()
        state.removeValue(forKey: "conv_in.bias")
        state["conv_out.weight"] = Tensor.zeros([1, 32, 1, 1])
        state["extra.weight"] = Tensor.zeros([1])
        XCTAssertThrowsError(try model.load(stateDict: state)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("conv_in.bias"), text)
            XCTAssertTrue(text.contains("conv_out.weight"), text)
            XCTAssertTrue(text.contains("extra.weight"), text)
        }
    }

    func testParameterNamesFollowDiffusers() throws {
        var generator = RandomGenerator(seed: 2)
        let model = try UNet2DModel(config: UNetConfig.preset(named: "mnist-small"), generator: &generator)
        let names = Set(model.namedParameters().map(\.path))
        for expected in [
            "conv_in.weight", "time_embedding.linear_1.weight", "down_blocks.0.resnets.1.conv1.weight",
            "down_blocks.0.downsamplers.0.conv.weight", "down_blocks.1.attentions.0.to_q.weight",
            "down_blocks.1.attentions.1.to_out.0.bias", "mid_block.attentions.0.group_norm.weight",
            "mid_block.resnets.1.time_emb_proj.weight", "up_blocks.0.resnets.2.conv_shortcut.weight",
            "up_blocks.1.upsamplers.0.conv.weight", "conv_norm_out.bias", "conv_out.weight",
        ] {
            XCTAssertTrue(names.contains(expected), "missing \(expected)")
        }
    }

    func testGradientsReachEveryParameter() throws {
        var generator = RandomGenerator(seed: 3)
        let model = try UNet2DModel(config: UNetConfig.preset(named: "digits-tiny"), generator: &generator)
        let x = Tensor.randn([2, 1, 8, 8], generator: &generator)
        let y = try model(x, timesteps: [3, 900])
        Tensor.mseLoss(y, Tensor.zeros(y.shape)).backward()
        for (path, parameter) in model.namedParameters() {
            XCTAssertNotNil(parameter.grad, "no gradient for \(path)")
        }
    }

    func testBadInputThrows() throws {
        var generator = RandomGenerator(seed: 4)
        let model = try UNet2DModel(config: UNetConfig.preset(named: "digits-tiny"), generator: &generator)
        XCTAssertThrowsError(try model(Tensor.zeros([1, 3, 8, 8]), timesteps: [0]))
        XCTAssertThrowsError(try model(Tensor.zeros([1, 1, 7, 8]), timesteps: [0]))
        XCTAssertThrowsError(try model(Tensor.zeros([2, 1, 8, 8]), timesteps: [0, 1, 2]))
        XCTAssertThrowsError(try model(Tensor.zeros([1, 1, 8, 8]), timesteps: [0], classLabels: [1]))
    }
}
