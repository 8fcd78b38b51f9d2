import Dispatch
import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns Ctrl-C (SIGINT), SIGTERM and SIGUSR1 into a flag that a long loop polls
/// between steps, so it can save its state and stop cleanly. A second Ctrl-C ends
/// the process at once. Under mpirun, which ends the job on Ctrl-C, `kill -USR1`
/// to mpirun (which passes SIGUSR1 on to every rank) stops every rank at the same
/// step with a checkpoint.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var sources: [DispatchSourceSignal] = []
    private let quiet: Bool
    private static let signals = [SIGINT, SIGTERM, SIGUSR1]

    /// Starts catching the signals; `quiet` (ranks other than 0) prints nothing.
    init(quiet: Bool = false) {
        self.quiet = quiet
        for number in Self.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.received(number) }
            source.resume()
            sources.append(source)
        }
    }

    private func received(_ number: Int32) {
        lock.lock()
        let again = requested
        requested = true
        lock.unlock()
        if again && number == SIGINT {
            Terminal.writeError("\nstopping now without saving\n")
            Foundation.exit(130)
        }
        if !again && !quiet {
            let name = number == SIGINT ? "Ctrl-C" : number == SIGTERM ? "SIGTERM" : "SIGUSR1"
            Terminal.writeError(
                "\n\(name): finishing this step and saving a checkpoint" + (number == SIGINT ? " (press again to quit at once)\n" : "\n"))
        }
    }

    deinit {
        for source in sources { source.cancel() }
        for number in Self.signals { signal(number, SIG_DFL) }
    }

    /// Whether a stop was asked for.
    var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }
}
