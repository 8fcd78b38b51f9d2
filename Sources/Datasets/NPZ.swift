import FileSupport
import Foundation
internal import ZIPFoundation

/// NumPy `.npz` archives: a zip file of `.npy` entries, as `np.savez` and
/// `np.savez_compressed` write them (pytorch-fid keeps its statistics so:
/// `mu.npy`, `sigma.npy`). Read and written with ZIPFoundation.
public enum NPZ {
    /// The most bytes the entries of one archive may unpack to (256 MiB; the
    /// statistics of 2048-d Inception features are 34 MB): a limit against
    /// archives that claim, or inflate to, more than any array here needs.
    public static let maximumUnpackedBytes: UInt64 = 1 << 28

    /// The `.npy` bytes of each entry of the archive at `path`, by array name
    /// (the entry's name without `.npy`).
    /// (Read from the file, not from memory: ZIPFoundation's in-memory reader
    /// leaks its buffer when the data is not an archive.)
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func read(
        contentsOfFile path: String, maximumBytes: UInt64 = maximumUnpackedBytes
    ) throws -> [String: [UInt8]] {
        let source = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw DatasetError(file: path, problem: "no such file")
        }
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw DatasetError(file: source, problem: "not a readable .npz (zip) archive (\(error))")
        }
        var arrays: [String: [UInt8]] = [:]
        var unpacked: UInt64 = 0
        for entry in archive where entry.type == .file {
            let name = entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : entry.path
            unpacked += entry.uncompressedSize
            guard unpacked <= maximumBytes else {
                throw DatasetError(file: source, problem: "the archive's entries unpack to more than \(maximumBytes) bytes")
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(entry.uncompressedSize))
            do {
                _ = try archive.extract(entry) { chunk in
                    guard UInt64(bytes.count + chunk.count) <= entry.uncompressedSize else {
                        throw DatasetError(file: source, problem: "entry \(entry.path) unpacks to more than the size it declares")
                    }
                    bytes += chunk
                }
            } catch let error as DatasetError {
                throw error
            } catch {
                throw DatasetError(file: source, problem: "entry \(entry.path) cannot be unpacked (\(error))")
            }
            arrays[name] = bytes
        }
        return arrays
    }

    /// A compressed archive (deflate, as `np.savez_compressed`) of `arrays`, each
    /// given as its name and `.npy` bytes, in that order.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func encode(_ arrays: [(name: String, npy: [UInt8])]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (name, npy) in arrays {
            let data = Data(npy)
            try archive.addEntry(
                with: name + ".npy", type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else {
            throw DatasetError(file: "NPZ writer", problem: "the in-memory archive has no data")
        }
        return data
    }

    /// Writes `arrays` to `path` as a compressed `.npz`, atomically.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func write(_ arrays: [(name: String, npy: [UInt8])], toFile path: String) throws {
        try FileAccess.writeAtomically(Array(try encode(arrays)), toPath: path)
    }
}
