import Foundation

/// A file being received into the workspace's scratch directory, hashed as it is written and renamed into
/// place once complete; removed when released without being committed.
///
/// Each upload gets its own file, so concurrent uploads of one object never write to the same place; the last
/// rename wins with identical content.
final class StagingFile {
    let path: String
    let digest: ContentDigest
    private(set) var size = 0
    private var descriptor: Int32
    private var committed = false

    init(directory: String, algorithm: HashAlgorithm) throws {
        try FileSystem.createDirectory(directory)
        var template = Array("\(directory)/upload-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw GooseError.errno(directory, "cannot create a temporary file") }
        descriptor = fd
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        digest = ContentDigest(algorithm)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed { unlink(path) }
    }

    func write(_ data: Data) throws {
        try data.withUnsafeBytes { try FileSystem.writeAll($0, to: descriptor, path: path) }
        digest.update(data)
        size += data.count
    }

    /// Flushes the file, gives it mode 0644 and `modificationTime`, and renames it to `destination`.
    func commit(to destination: String, modificationTime: Int?) throws {
        fchmod(descriptor, 0o644)
        if let modificationTime {
            var times = [timespec(tv_sec: modificationTime, tv_nsec: 0), timespec(tv_sec: modificationTime, tv_nsec: 0)]
            futimens(descriptor, &times)
        }
        guard fsync(descriptor) == 0 else { throw GooseError.errno(path, "fsync failed") }
        close(descriptor)
        descriptor = -1
        try FileSystem.createDirectory((destination as NSString).deletingLastPathComponent)
        try FileSystem.moveIntoPlace(path, destination)
        committed = true
    }
}
