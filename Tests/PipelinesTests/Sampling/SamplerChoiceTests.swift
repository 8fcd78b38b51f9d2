import Diffusion
import XCTest

@testable import Pipelines

final class SamplerChoiceTests: XCTestCase {
    let diffusion = try! GaussianDiffusion(schedule: NoiseSchedule(.linear(), timesteps: 100), prediction: .epsilon, variance: .fixedSmall)

    func testEveryNameMakesItsSamplerWithItsDefaultSteps() throws {
        let expected: [String: Int] = [
            "ddpm": 100, "ddim": 50, "euler": 30, "euler-a": 30, "heun": 15, "dpm++": 20, "unipc3": 20,
        ]
        for name in SamplerChoice.names {
            let sampler = try SamplerChoice(name: name).makeSampler(diffusion: diffusion)
            XCTAssertEqual(sampler.timesteps.count, expected[name] ?? 20, name)
        }
        XCTAssertTrue(try SamplerChoice(name: "ddim", steps: 10).makeSampler(diffusion: diffusion) is DDIMSampler)
        XCTAssertTrue(try SamplerChoice(name: "dpm++3m-sde").makeSampler(diffusion: diffusion) is DPMSolverPlusPlus)
        XCTAssertEqual(try SamplerChoice(name: "ddpm", steps: 10).makeSampler(diffusion: diffusion).timesteps.count, 10)
    }

    func testDeterminism() throws {
        XCTAssertTrue(try SamplerChoice(name: "ddim").isDeterministic)
        XCTAssertFalse(try SamplerChoice(name: "ddim", eta: 0.5).isDeterministic)
        XCTAssertFalse(try SamplerChoice(name: "euler-a").isDeterministic)
        XCTAssertTrue(try SamplerChoice(name: "heun").isDeterministic)
    }

    func testBadChoicesSayWhatIsAccepted() {
        func problem(_ make: () throws -> Any) -> String {
            do {
                _ = try make()
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(problem { try SamplerChoice(name: "plms") }.contains("one of ddpm, ddim"))
        XCTAssertTrue(problem { try SamplerChoice(name: "dpm++", eta: 1) }.contains("ddim sampler only"))
        XCTAssertTrue(problem { try SamplerChoice(name: "ddim", eta: .nan) }.contains("finite"))
        XCTAssertTrue(problem { try SamplerChoice(name: "ddim", sigmas: .karras) }.contains("euler, euler-a, heun"))
        XCTAssertTrue(problem { try SamplerChoice(steps: 0) }.contains("≥ 1"))
        XCTAssertTrue(problem { try SamplerChoice(steps: 101).makeSampler(diffusion: self.diffusion) }.contains("give 1…100"))
    }
}
