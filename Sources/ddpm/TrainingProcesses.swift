import Diffusion
import DistributedTraining
import Foundation
import Tensors

/// The processes `ddpm train` runs over: this one alone, or the ranks mpirun
/// started (package trait MPI). Rank 0 prints and writes; the others train quietly.
enum TrainingProcesses {
    /// The communicator of this run: MPI's world when a launcher started several
    /// processes (refused, with how to build it, when this build has no MPI).
    static func communicator() throws -> any TrainingCommunicator {
        guard let size = MPILaunch.announcedSize, size > 1 else { return SingleProcess() }
        #if MPI
            return try MPICommunicator.start()
        #else
            throw CommandError("started as one of \(size) MPI processes, but \(MPILaunch.buildAdvice)")
        #endif
    }

    /// Threads per process when --threads is not given: the cores shared among
    /// the processes on this machine (mpirun -np 2 on 2 cores: 1 each).
    static func defaultThreads(for communicator: any TrainingCommunicator) {
        guard communicator.size > 1 else { return }
        let local = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? communicator.size
        Parallel.threadCount = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / Swift.max(1, local))
    }

    /// Runs `body`; over several processes an error on any rank is printed as one
    /// line naming the rank and ends every process of the run.
    static func run(_ communicator: any TrainingCommunicator, _ body: () throws -> Void) throws {
        guard communicator.size > 1 else { return try body() }
        #if MPI
            let mpi = communicator as? MPICommunicator
            do {
                try body()
                mpi?.finish()
            } catch let interrupted as Interrupted {
                mpi?.finish()
                throw interrupted
            } catch {
                Terminal.printError("rank \(communicator.rank) of \(communicator.size): \(CommandError.describe(error))")
                mpi?.abort(code: 1)
            }
        #else
            try body()
        #endif
    }

    /// Refuses a batch that does not split evenly over the processes and micro-batches.
    static func checkSplit(batchSize: Int, _ configuration: TrainingConfiguration, _ communicator: any TrainingCommunicator) throws {
        let parts = communicator.size * configuration.accumulationSteps
        guard batchSize % parts == 0 else {
            let over =
                communicator.size > 1
                ? "\(communicator.size) processes × \(configuration.accumulationSteps) micro-batches"
                : "--accumulate \(configuration.accumulationSteps)"
            throw CommandError("--batch-size \(batchSize) does not split over \(over); give a multiple of \(parts)")
        }
    }

    /// Refuses what a run over several processes would not reproduce: dropout
    /// masks are drawn per process, so ranks would not draw what one process draws.
    static func checkDistributable(_ trainer: Trainer) throws {
        let network = (trainer.model as? SelfConditionedDenoiser)?.network ?? trainer.model
        if let unet = network as? UNet2DModel, unet.config.dropout > 0 {
            throw CommandError(
                "this network has dropout \(unet.config.dropout); its masks are drawn per process, so a run over "
                    + "several MPI processes would not match one process: train it in one process (--accumulate K)")
        }
    }

    /// "; communication 12% of 40.1 s" for a run over MPI, else "".
    static func communicationShare(_ communicator: any TrainingCommunicator, seconds: Double) -> String {
        #if MPI
            if let mpi = communicator as? MPICommunicator, seconds > 0 {
                return String(format: "; rank 0 spent %.1f%% of %.1f s in MPI calls", 100 * mpi.communicationSeconds / seconds, seconds)
            }
        #endif
        return ""
    }
}
