import Tensors

/// A sampler described by its evaluations and one step over a run-local
/// state; `makeRun` (the `SamplerRun` with the order check) is written once
/// here for all of them. Stateless samplers take `RunState = Void`.
public protocol SteppedSampler: Sampler {
    /// What a run keeps between evaluations (multistep history, Heun's stage).
    associatedtype RunState

    /// The model evaluations of a run from step `start` (checked to be a valid step).
    func evaluations(fromStep start: Int) -> [SamplerTimestep]

    /// The state a run from step `start` begins with.
    func initialRunState(fromStep start: Int) -> RunState

    /// One evaluation's step (`SamplerRun.step`), `timestep` already checked to be the next.
    func step(
        _ state: inout RunState, modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor, noise: Tensor?
    ) throws -> SamplerStepOutput
}

extension SteppedSampler {
    /// A run of `evaluations(fromStep:)` that checks each step is given the next evaluation.
    ///
    /// - Throws: ``DiffusionError/invalidParameter(name:value:accepted:)`` for a start outside `0...timesteps.count`.
    public func makeRun(fromStep start: Int) throws -> any SamplerRun {
        try validate(start: start, classLabels: nil, batch: 0)
        return SteppedRun(
            sampler: self, position: RunPosition(evaluations(fromStep: start)), state: initialRunState(fromStep: start))
    }
}

extension SteppedSampler where RunState == Void {
    /// A stateless sampler's run state.
    public func initialRunState(fromStep start: Int) {}
}

/// The run of a `SteppedSampler`: its position, checked at every step, and its state.
struct SteppedRun<S: SteppedSampler>: SamplerRun {
    let sampler: S
    var position: RunPosition
    var state: S.RunState

    var timesteps: [SamplerTimestep] { position.timesteps }

    mutating func step(
        modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor, noise: Tensor?
    ) throws
        -> SamplerStepOutput
    {
        try position.advance(past: timestep, in: "\(S.self).step")
        return try sampler.step(&state, modelOutput: modelOutput, timestep: timestep, sample: sample, noise: noise)
    }
}
