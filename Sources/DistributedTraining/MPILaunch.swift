import Foundation

/// What a process knows about how it was started: whether a launcher (Open
/// MPI's mpirun, MPICH's Hydra, Slurm) started it as one of several processes.
public enum MPILaunch {
    /// The number of processes a launcher announced in the environment, or nil
    /// when the process was started on its own.
    public static var announcedSize: Int? {
        let environment = ProcessInfo.processInfo.environment
        for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"] {
            if let value = environment[key], let size = Int(value) { return size }
        }
        return nil
    }

    /// How to build with MPI, for the error of a build without it started under mpirun.
    public static let buildAdvice =
        "this ddpm was built without MPI; install Open MPI (apt install openmpi-bin libopenmpi-dev) and build with "
        + "'swift build -c release --traits MPI', then start it with mpirun -np N .build/release/ddpm train …"
}
