import Foundation
import NN
import Tensors
import XCTest

final class ExponentialMovingAverageTests: XCTestCase {
    func testDecaySchedulesMatchDiffusers() throws {
        let p = Tensor(shape: [1], scalars: [0], requiresGrad: true)
        let ratio = try ExponentialMovingAverage(parameters: [("p", p)], decay: 0.5)
        XCTAssertEqual((1...4).map { ratio.decay(forUpdate: $0) }, [0, 2.0 / 11, 3.0 / 12, 4.0 / 13])
        XCTAssertEqual(ratio.decay(forUpdate: 100), 0.5)

        let delayed = try ExponentialMovingAverage(parameters: [("p", p)], decay: 0.9999, minDecay: 0.1, updateAfterStep: 2)
        XCTAssertEqual(delayed.decay(forUpdate: 3), 0)
        XCTAssertEqual(delayed.decay(forUpdate: 4), 2.0 / 11)
        XCTAssertEqual(delayed.decay(forUpdate: 5), 3.0 / 12)

        let power = try ExponentialMovingAverage(parameters: [("p", p)], warmup: .power(inverseGamma: 1, power: 2.0 / 3))
        XCTAssertEqual(power.decay(forUpdate: 10), 1 - pow(10, -2.0 / 3), accuracy: 1e-15)

        let constant = try ExponentialMovingAverage(parameters: [("p", p)], decay: 0.99, warmup: .none)
        XCTAssertEqual(constant.decay(forUpdate: 1), 0)
        XCTAssertEqual(constant.decay(forUpdate: 2), 0.99)
    }

    func testUpdatesFollowTheShadowRuleAndCopyInOut() throws {
        let p = Tensor(shape: [2], scalars: [1, -1], requiresGrad: true)
        let ema = try ExponentialMovingAverage(parameters: [("p", p)], decay: 0.9)
        var shadow: [Double] = [1, -1]
        let values: [[Float]] = [[2, 0], [3, 1], [-1, 4], [0.5, 0.25], [7, -7]]
        for (k, value) in values.enumerated() {
            p.assign(value)
            ema.update()
            let d = ema.decay(forUpdate: k + 1)
            XCTAssertEqual(ema.lastDecay, d)
            for i in 0..<2 { shadow[i] -= (1 - d) * (shadow[i] - Double(value[i])) }
        }
        XCTAssertEqual(ema.updateCount, 5)
        assertClose(ema.averagedStateDict()["p"]!.scalars, shadow, tolerance: 1e-6)

        ema.storeParameters()
        ema.copyToParameters()
        assertClose(p.scalars, shadow, tolerance: 1e-6)
        XCTAssertTrue(ema.restoreParameters())
        XCTAssertEqual(p.scalars, [7, -7])
        XCTAssertFalse(ema.restoreParameters())

        struct Failure: Error {}
        let inside = ema.withAveragedParameters { p.scalars }
        assertClose(inside, shadow, tolerance: 1e-6)
        XCTAssertThrowsError(try ema.withAveragedParameters { throw Failure() })
        XCTAssertEqual(p.scalars, [7, -7], "put back, also after a throw")
    }

    func testFirstUpdateCopiesTheParameters() throws {
        let p = Tensor(shape: [1], scalars: [1], requiresGrad: true)
        let ema = try ExponentialMovingAverage(parameters: [("p", p)])
        p.assign([5])
        ema.update()
        XCTAssertEqual(ema.averagedStateDict()["p"]!.scalars, [5])
    }

    func testFrozenParametersAreCopiedNotAveraged() throws {
        let frozen = Tensor(shape: [1], scalars: [1])
        let ema = try ExponentialMovingAverage(parameters: [("frozen", frozen)], decay: 0.9, warmup: .none)
        ema.update()
        frozen.assign([3])
        ema.update()
        XCTAssertEqual(ema.averagedStateDict()["frozen"]!.scalars, [3])
    }

    func testStateRoundTripAndValidation() throws {
        let p = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let ema = try ExponentialMovingAverage(parameters: [("p", p)], decay: 0.9)
        for value: Float in [3, 4, 5] { p.assign([value, -value]); ema.update() }
        let decoded = try JSONDecoder().decode(ExponentialMovingAverage.State.self, from: JSONEncoder().encode(ema.state()))
        let (tensors, metadata) = decoded.archived()
        XCTAssertEqual(metadata, ["update_count": "3"])
        let state = try ExponentialMovingAverage.State(archivedTensors: tensors, metadata: metadata)
        XCTAssertEqual(state, ema.state())
        XCTAssertThrowsError(try ExponentialMovingAverage.State(archivedTensors: tensors, metadata: [:]))
        let copy = try ExponentialMovingAverage(parameters: [("p", p)], decay: 0.9)
        try copy.load(state: state)
        p.assign([6, -6]); ema.update(); copy.update()
        XCTAssertEqual(copy.state(), ema.state())

        XCTAssertThrowsError(try copy.load(state: .init(updateCount: 1, shadow: ["p": [1], "q": [2]]))) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("has 1 values, parameter has 2") && text.contains("unknown parameter 'q'"), text)
        }
        XCTAssertThrowsError(try copy.load(state: .init(updateCount: 1, shadow: [:])))
        XCTAssertThrowsError(try ExponentialMovingAverage(parameters: [], decay: 1.5))
        XCTAssertThrowsError(try ExponentialMovingAverage(parameters: [], decay: 0.5, minDecay: 0.6))
    }
}
