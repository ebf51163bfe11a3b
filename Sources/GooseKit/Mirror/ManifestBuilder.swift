import Foundation

/// Size and modification time of a file on disk, what decides whether it must be read again.
public struct FileStamp: Sendable, Equatable {
    public var size: Int64
    public var mtime: Int

    public init(size: Int64, mtime: Int) {
        self.size = size
        self.mtime = mtime
    }
}

/// The files and directories of a tree as `stat` sees them, without reading content.
public struct TreeScan: Sendable {
    /// Regular files by relative path (goose's bookkeeping left out).
    public var files: [String: FileStamp] = [:]
    /// Directories by relative path with their mtimes (for fullfiletimelist).
    public var directories: [String: Int] = [:]

    /// Walks `directory`; symbolic links and special files are not mirrored content and are skipped.
    public static func scan(_ given: String) throws -> TreeScan {
        // A published tree is often a symlink switched per release (pub/el9 -> pub/el9.<stamp>); the
        // enumerator would not descend into a symlinked root, so the root is resolved first.
        var rootInfo = stat()
        let isLink = lstat(given, &rootInfo) == 0 && (rootInfo.st_mode & S_IFMT) == S_IFLNK
        let directory = isLink ? URL(fileURLWithPath: given).resolvingSymlinksInPath().path : given
        guard FileSystem.isDirectory(directory) else { throw GooseError.io(path: directory, reason: "no such directory") }
        var result = TreeScan()
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw GooseError.io(path: directory, reason: "cannot list")
        }
        while let relative = enumerator.nextObject() as? String {
            if MirrorManifest.isBookkeeping(relative) {
                if relative == MirrorManifest.workDirectoryName { enumerator.skipDescendants() }
                continue
            }
            // Temporary files of an interrupted atomic write are not content.
            if (relative as NSString).lastPathComponent.contains(".tmp-") { continue }
            var info = stat()
            guard lstat(directory + "/" + relative, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG: result.files[relative] = FileStamp(size: Int64(info.st_size), mtime: Int(info.st_mtim.tv_sec))
            case S_IFDIR: result.directories[relative] = Int(info.st_mtim.tv_sec)
            default: break
            }
        }
        return result
    }
}

/// `goose mirror manifest`: hashes a tree into `.goose-manifest` and `fullfiletimelist`.
public enum ManifestBuilder {
    /// The outcome: the manifest and how many files had to be hashed.
    public struct Result: Sendable {
        public var manifest: MirrorManifest
        public var hashedFiles: Int
        public var reusedFiles: Int
    }

    /// Builds the manifest of `directory`, reusing the previous manifest's hash of every file whose size and mtime
    /// are unchanged, hashing the others `jobs` at a time; writes both files atomically unless `write` is false.
    public static func build(directory: String, jobs: Int, write: Bool = true) async throws -> Result {
        let scanStarted = Int(Date().timeIntervalSince1970)
        let scan = try TreeScan.scan(directory)
        let manifestPath = directory + "/" + MirrorManifest.fileName
        var previous: [String: MirrorFileEntry] = [:]
        var previousScan = 0
        if FileSystem.isRegularFile(manifestPath),
           let old = try? MirrorManifest.decode(try FileSystem.contents(of: manifestPath), source: manifestPath) {
            for entry in old.files { previous[entry.path] = entry }
            previousScan = old.generated
        }
        var entries: [MirrorFileEntry] = []
        var toHash: [(String, FileStamp)] = []
        for (path, stamp) in scan.files {
            // A file whose mtime is not older than the previous scan's start may have been rewritten after it was
            // hashed, within the same second and at the same size ("racy" entries, as git calls them): hash it again.
            if let known = previous[path], known.size == stamp.size, known.mtime == stamp.mtime, known.mtime < previousScan {
                entries.append(known)
            } else {
                toHash.append((path, stamp))
            }
        }
        let reused = entries.count
        let hashed = try await hashAll(toHash, in: directory, jobs: jobs)
        entries += hashed
        let manifest = MirrorManifest(generated: scanStarted, files: entries)
        if write { try publish(manifest, encoded: manifest.encoded(), directory: directory, directoryTimes: scan.directories) }
        return Result(manifest: manifest, hashedFiles: hashed.count, reusedFiles: reused)
    }

    /// Writes `fullfiletimelist` and then the manifest (given as the exact bytes to publish), each atomically.
    public static func publish(_ manifest: MirrorManifest, encoded: Data, directory: String, directoryTimes: [String: Int]) throws {
        var sha1ByPath: [String: String] = [:]
        for root in manifest.repoRoots {
            let path = (root.isEmpty ? "" : root + "/") + "repodata/repomd.xml"
            if FileSystem.isRegularFile(directory + "/" + path) {
                sha1ByPath[path] = try ContentDigest.hexDigest(ofFile: directory + "/" + path, algorithm: .sha1)
            }
        }
        let fileList = manifest.fullFileTimeList(directoryTimes: directoryTimes, sha1ByPath: sha1ByPath)
        // The file list goes first: a client that sees the new manifest may also trust the new list.
        try AtomicFileWriter.write(fileList, to: directory + "/" + MirrorManifest.fullFileTimeListName)
        try AtomicFileWriter.write(encoded, to: directory + "/" + MirrorManifest.fileName)
    }

    /// Hashes files with at most `jobs` threads; a file that changes while being read is hashed with its new stamp.
    static func hashAll(_ files: [(String, FileStamp)], in directory: String, jobs: Int) async throws -> [MirrorFileEntry] {
        guard !files.isEmpty else { return [] }
        let queue = WorkQueue(count: files.count)
        return try await withThrowingTaskGroup(of: [MirrorFileEntry].self) { group in
            for _ in 0..<max(1, min(jobs, files.count)) {
                group.addTask {
                    try await BlockingWork.run {
                        var done: [MirrorFileEntry] = []
                        while let index = queue.next() {
                            let (path, stamp) = files[index]
                            let hash = try ContentDigest.hexDigest(ofFile: directory + "/" + path, algorithm: .sha256)
                            done.append(MirrorFileEntry(path: path, size: stamp.size, mtime: stamp.mtime, sha256: hash))
                        }
                        return done
                    }
                }
            }
            var all: [MirrorFileEntry] = []
            for try await part in group { all += part }
            return all
        }
    }
}

/// Hands out indexes 0..<count to worker threads, each once.
final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        defer { nextIndex += 1 }
        return nextIndex
    }
}
