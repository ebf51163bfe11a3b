import Foundation

/// Writes a file so that readers see either the old content or the new, never a mix:
/// a temporary file beside the target, fsync, rename, fsync of the directory.
public final class AtomicFileWriter {
    public let destination: String
    public let temporaryPath: String
    private var descriptor: Int32
    private var finished = false

    public init(destination: String, mode: mode_t = 0o644) throws {
        self.destination = destination
        let directory = (destination as NSString).deletingLastPathComponent
        let base = (destination as NSString).lastPathComponent
        try FileSystem.createDirectory(directory.isEmpty ? "." : directory)
        var template = Array("\(directory.isEmpty ? "." : directory)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw GooseError.errno(destination, "cannot create temporary file") }
        fchmod(fd, mode)
        descriptor = fd
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit {
        if !finished { abandon() }
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        try FileSystem.writeAll(buffer, to: descriptor, path: temporaryPath)
    }

    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// Sets the modification time the file will carry once committed.
    public func setModificationTime(_ seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        futimens(descriptor, &times)
    }

    /// Flushes and renames the file into place. `durable: false` skips the fsyncs, for caches whose readers check
    /// what they read: the rename is still atomic, so a reader sees the old file or the whole new one.
    public func commit(durable: Bool = true) throws {
        guard !finished else { return }
        finished = true
        if durable && fsync(descriptor) != 0 {
            let code = errno
            close(descriptor); unlink(temporaryPath)
            throw GooseError.errno(temporaryPath, "fsync failed", code)
        }
        close(descriptor)
        if rename(temporaryPath, destination) != 0 {
            let code = errno
            unlink(temporaryPath)
            throw GooseError.errno(destination, "rename failed", code)
        }
        if durable { FileSystem.syncDirectory(of: destination) }
    }

    /// Removes the temporary file; the destination is untouched.
    public func abandon() {
        guard !finished else { return }
        finished = true
        close(descriptor)
        unlink(temporaryPath)
    }

    /// Writes a whole buffer atomically.
    public static func write(_ data: Data, to destination: String, mode: mode_t = 0o644) throws {
        let writer = try AtomicFileWriter(destination: destination, mode: mode)
        try writer.write(data)
        try writer.commit()
    }

    public static func write(_ text: String, to destination: String, mode: mode_t = 0o644) throws {
        try write(Data(text.utf8), to: destination, mode: mode)
    }
}

/// Small file-system helpers with goose's error messages.
public enum FileSystem {
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// `mkdir -p`: the directory and any missing parents (mode 0777 less the umask); an error names the cause
    /// (permission, read-only file system, a file in the way).
    public static func createDirectory(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw GooseError.io(path: path, reason: "cannot create directory: a file is in the way") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try createDirectory(parent) }
        if mkdir(path, 0o777) != 0 && !(errno == EEXIST && isDirectory(path)) { throw GooseError.errno(path, "cannot create directory") }
    }

    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    public static func contents(of path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GooseError.io(path: path, reason: exists(path) ? "cannot read" : "no such file")
        }
        return data
    }

    /// Writes the whole buffer to a descriptor, resuming after short writes and signals.
    public static func writeAll(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw GooseError.errno(path, "write failed")
            }
            offset += written
        }
    }

    /// Flushes the whole file system holding `path` (Linux syncfs; sync(2) when it cannot be opened): one call
    /// makes a freshly built tree durable before it is switched in.
    public static func syncFileSystem(of path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { sync(); return }
        defer { close(descriptor) }
        if linuxSyncFileSystem(descriptor) != 0 { sync() }
    }

    public static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Renames a file or directory into place and makes the rename durable.
    public static func moveIntoPlace(_ source: String, _ destination: String) throws {
        if rename(source, destination) != 0 {
            throw GooseError.errno(destination, "rename from \(source) failed")
        }
        syncDirectory(of: destination)
    }

    /// Makes a path absolute against the current directory and removes `.` and `..` components.
    public static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        // isDirectory given: otherwise URL stats the path to find out, for a result (`path`) that is the same either way.
        return URL(fileURLWithPath: joined, isDirectory: false).standardizedFileURL.path
    }

    /// The process's umask, read from /proc/self/status: umask(2) can only read it by setting it, which would race
    /// with other threads creating files. 022 when it cannot be read.
    public static var processUmask: mode_t {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
              let value = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) else { return 0o022 }
        return value
    }

    /// Creates a fresh private directory with the given prefix inside `parent`.
    public static func makeTemporaryDirectory(in parent: String, prefix: String) throws -> String {
        try createDirectory(parent)
        var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw GooseError.errno(parent, "cannot create temporary directory")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// glibc's syncfs(2), which Swift's Glibc module does not declare (it needs _GNU_SOURCE).
@_silgen_name("syncfs")
private func linuxSyncFileSystem(_ descriptor: Int32) -> Int32
