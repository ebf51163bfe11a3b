import Foundation

/// A place lookaside objects live: the workspace's own store or a dist-git lookaside over HTTP.
///
/// Implementations are safe to use from several tasks at once.
public protocol LookasideBackend: Sendable {
    /// Where the objects live, for messages.
    var location: String { get }

    /// Whether the lookaside has the object.
    func contains(_ object: LookasideKey) throws -> Bool

    /// Makes sure the object is in the lookaside, sending `sourcePath` only when it is missing.
    /// Returns `.stored` or `.uploaded` when it was added, `.alreadyPresent` when it was there.
    /// `allowHardLink` lets the local store link `sourcePath` instead of copying it (for files nobody will
    /// change in place, such as staged ones).
    func store(_ object: LookasideKey, from sourcePath: String, modificationTime: Int?, allowHardLink: Bool) throws -> LookasideTransferStatus

    /// Writes the object to `destination` (temporary file in the same directory, then rename) after
    /// verifying its hash, with the lookaside's modification time; a mismatch leaves no file behind.
    func fetch(_ object: LookasideKey, to destination: String) throws
}

/// The workspace's own store (`lookaside/` in the workspace) as a backend.
public struct LocalLookaside: LookasideBackend {
    public let store: LookasideStore

    public init(store: LookasideStore) { self.store = store }

    public var location: String { store.root }

    public func contains(_ object: LookasideKey) throws -> Bool {
        try object.validate()
        return existingPath(of: object) != nil
    }

    public func store(_ object: LookasideKey, from sourcePath: String, modificationTime: Int?, allowHardLink: Bool) throws -> LookasideTransferStatus {
        try object.validate()
        if existingPath(of: object) != nil { return .alreadyPresent }
        let destination = try store.path(package: object.package, filename: object.filename, hashType: object.hashType, hash: object.hash)
        if allowHardLink, try VerifiedCopy.hardLink(from: sourcePath, to: destination, modificationTime: modificationTime) {
            return .stored
        }
        try VerifiedCopy.copy(from: sourcePath, to: destination, hashType: object.hashType, expected: object.hash,
                              modificationTime: modificationTime ?? VerifiedCopy.modificationTime(of: sourcePath))
        return .stored
    }

    public func fetch(_ object: LookasideKey, to destination: String) throws {
        try object.validate()
        guard let source = existingPath(of: object) else {
            throw GooseError.lookaside("\(object.filename) (\(object.hashType.rawValue) \(object.hash)) is not in \(store.root)/\(object.package)")
        }
        try VerifiedCopy.copy(from: source, to: destination, hashType: object.hashType, expected: object.hash,
                              modificationTime: VerifiedCopy.modificationTime(of: source))
    }

    /// The object's file in the store, trying the old md5 layout for md5 objects.
    private func existingPath(of object: LookasideKey) -> String? {
        let current = "\(store.root)/\(object.relativePath)"
        if FileSystem.isRegularFile(current) { return current }
        let legacy = "\(store.root)/\(object.legacyRelativePath)"
        if object.hashType == .md5, FileSystem.isRegularFile(legacy) { return legacy }
        return nil
    }
}

/// Copying a file through an atomic write while checking its hash.
enum VerifiedCopy {
    /// Copies `source` to `destination` (temporary file beside it, then rename); on a hash mismatch
    /// the temporary file is removed and `destination` is untouched.
    static func copy(from source: String, to destination: String, hashType: HashAlgorithm, expected: String, modificationTime: Int?) throws {
        let writer = try AtomicFileWriter(destination: destination)
        let digest = ContentDigest(hashType)
        do {
            try FileStreamer.forEachChunk(ofFile: source) { chunk in
                digest.update(chunk)
                try writer.write(chunk)
            }
        } catch {
            writer.abandon()
            throw error
        }
        let actual = digest.finalizeHex()
        guard actual == expected else {
            writer.abandon()
            throw GooseError.hashMismatch(file: source, expected: expected, actual: actual)
        }
        if let modificationTime { writer.setModificationTime(modificationTime) }
        try writer.commit()
    }

    /// Links `source` into place under a temporary name, then renames it; false when the two are on
    /// different file systems (or links are refused), so the caller copies instead.
    static func hardLink(from source: String, to destination: String, modificationTime: Int?) throws -> Bool {
        let directory = (destination as NSString).deletingLastPathComponent
        try FileSystem.createDirectory(directory)
        let temporary = directory + "/.\((destination as NSString).lastPathComponent).link-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard link(source, temporary) == 0 else { return false }
        do {
            if let modificationTime { try setModificationTime(modificationTime, of: temporary) }
            try FileSystem.moveIntoPlace(temporary, destination)
        } catch {
            unlink(temporary)
            throw error
        }
        return true
    }

    /// The file's modification time in whole seconds.
    static func modificationTime(of path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw GooseError.errno(path, "cannot stat") }
        return Int(info.st_mtim.tv_sec)
    }

    static func setModificationTime(_ seconds: Int, of path: String) throws {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw GooseError.errno(path, "cannot set modification time") }
    }
}
