#if MPI
    import CMPI
    import Diffusion
    import Foundation

    /// Data-parallel training over MPI processes (`mpirun -np N ddpm train …`):
    /// gradients summed with `MPI_Allreduce` in buckets, or gathered and summed
    /// in rank order for results bit-identical to one process accumulating N
    /// micro-batches. Errors come back as `MPICommunicator.Failure` (the world's
    /// error handler is set to return them) so a lost peer ends the run with a message.
    public final class MPICommunicator: TrainingCommunicator {
        /// A failed MPI call: which one and MPI's description.
        public struct Failure: Error, CustomStringConvertible {
            public let description: String
        }

        public let rank: Int
        public let size: Int
        /// Floats per `MPI_Allreduce` call (4 MiB buckets, as PyTorch DDP's default 25 MB is for larger models).
        public var bucketSize = 1 << 20
        /// Seconds spent inside MPI calls since the start (the communication share of a step).
        public private(set) var communicationSeconds = 0.0

        private static let lock = NSLock()
        nonisolated(unsafe) private static var shared: MPICommunicator?

        /// Initialises MPI (once per process) and joins the world.
        public static func start() throws -> MPICommunicator {
            lock.lock()
            defer { lock.unlock() }
            if let shared { return shared }
            var initialised: Int32 = 0
            MPI_Initialized(&initialised)
            if initialised == 0 { try check(MPI_Init(nil, nil), "MPI_Init") }
            try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
            var rank: Int32 = 0, size: Int32 = 0
            try check(MPI_Comm_rank(cmpi_comm_world(), &rank), "MPI_Comm_rank")
            try check(MPI_Comm_size(cmpi_comm_world(), &size), "MPI_Comm_size")
            let communicator = MPICommunicator(rank: Int(rank), size: Int(size))
            shared = communicator
            return communicator
        }

        private init(rank: Int, size: Int) {
            self.rank = rank
            self.size = size
        }

        public func allReduceSum(_ values: inout [Float], ordered: Bool) throws {
            guard size > 1, !values.isEmpty else { return }
            if ordered {
                let all = try allGather(values)
                let count = values.count
                for i in 0..<count { values[i] = all[i] }
                for r in 1..<size {
                    let base = r * count
                    for i in 0..<count { values[i] += all[base + i] }
                }
                return
            }
            let start = Date()
            defer { communicationSeconds += Date().timeIntervalSince(start) }
            try values.withUnsafeMutableBufferPointer { buffer in
                var offset = 0
                while offset < buffer.count {
                    let count = Swift.min(bucketSize, buffer.count - offset)
                    try Self.check(
                        MPI_Allreduce(
                            cmpi_in_place(), buffer.baseAddress! + offset, Int32(count), cmpi_float(), cmpi_sum(),
                            cmpi_comm_world()), "MPI_Allreduce")
                    offset += count
                }
            }
        }

        public func allGather(_ values: [Float]) throws -> [Float] {
            guard size > 1 else { return values }
            let start = Date()
            defer { communicationSeconds += Date().timeIntervalSince(start) }
            var result = [Float](repeating: 0, count: values.count * size)
            try values.withUnsafeBufferPointer { send in
                try result.withUnsafeMutableBufferPointer { receive in
                    try Self.check(
                        MPI_Allgather(
                            send.baseAddress, Int32(values.count), cmpi_float(), receive.baseAddress, Int32(values.count),
                            cmpi_float(), cmpi_comm_world()), "MPI_Allgather")
                }
            }
            return result
        }

        /// Ends every process of the run (after an error on this one), with `code`.
        public func abort(code: Int32) -> Never {
            MPI_Abort(cmpi_comm_world(), code)
            exit(code)
        }

        /// Leaves MPI at the end of a run.
        public func finish() {
            MPI_Finalize()
        }

        private static func check(_ code: Int32, _ call: String) throws {
            guard code != cmpi_success() else { return }
            var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
            var length: Int32 = 0
            MPI_Error_string(code, &text, &length)
            let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(description: "\(call) failed: \(message) (a process of the run has probably ended)")
        }
    }
#endif
