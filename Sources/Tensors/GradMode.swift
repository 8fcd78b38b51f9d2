/// Whether ops record themselves for reverse-mode autodiff.
///
/// Recording is on by default. Sampling and evaluation run inside
/// `GradMode.withoutGradient { … }`: nothing is recorded and no intermediate
/// is kept alive.
public enum GradMode {
    @TaskLocal static var isRecording = true

    /// Whether ops currently record their backward.
    public static var isEnabled: Bool { isRecording }

    /// Runs `body` with gradient recording switched off.
    public static func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
        try $isRecording.withValue(false) { try body() }
    }

    /// Runs `body` with gradient recording switched on.
    public static func withGradient<R>(_ body: () throws -> R) rethrows -> R {
        try $isRecording.withValue(true) { try body() }
    }
}
