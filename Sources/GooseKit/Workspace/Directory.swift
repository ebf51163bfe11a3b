import Foundation

/// An open directory, for work on many entries of one directory: names are resolved against its descriptor
/// (`fstatat`, `linkat`, `unlinkat`), not walked from the root path each time, and listing reads the entries' names
/// and types without a stat per entry (what FileManager's contentsOfDirectory and removeItem cost per file).
public final class Directory {
    /// One entry as readdir reports it.
    public struct Entry: Sendable {
        public var name: String
        /// From the entry's type, or from a stat when the file system leaves it unknown (DT_UNKNOWN).
        public var isDirectory: Bool
        public var isRegularFile: Bool
        /// The inode number readdir reports (d_ino); on most file systems st_ino, but not on every overlay.
        public var inode: UInt64
    }

    public let path: String
    let descriptor: Int32

    /// Opens `path`, which must be a directory (a symbolic link to one is followed only when asked, for a path a
    /// user named).
    public init(_ path: String, followingSymbolicLink: Bool = false) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followingSymbolicLink ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else { throw GooseError.errno(path, "cannot open directory") }
        self.path = path
        self.descriptor = descriptor
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The subdirectory `name`, opened.
    public func subdirectory(_ name: String) throws -> Directory {
        let child = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard child >= 0 else { throw GooseError.errno(path + "/" + name, "cannot open directory") }
        return Directory(path: path + "/" + name, descriptor: child)
    }

    /// Creates the subdirectory `name` when it is missing and opens it.
    public func makeSubdirectory(_ name: String) throws -> Directory {
        if mkdirat(descriptor, name, 0o755) != 0 && errno != EEXIST { throw GooseError.errno(path + "/" + name, "cannot create directory") }
        return try subdirectory(name)
    }

    /// The entries except `.` and `..`, in readdir order.
    public func entries() throws -> [Entry] {
        // fdopendir takes over the descriptor it is given, and its position: a fresh one per listing.
        let listing = openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listing >= 0, let stream = fdopendir(listing) else {
            throw GooseError.errno(path, "cannot list directory")
        }
        defer { closedir(stream) }
        var result: [Entry] = []
        while let entry = readdir(stream) {
            let type = entry.pointee.d_type, inode = UInt64(entry.pointee.d_ino)
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name == "." || name == ".." { continue }
            if type == UInt8(DT_UNKNOWN), let status = status(of: name) {
                let format = status.st_mode & S_IFMT
                result.append(Entry(name: name, isDirectory: format == S_IFDIR, isRegularFile: format == S_IFREG, inode: inode))
            } else {
                result.append(Entry(name: name, isDirectory: type == UInt8(DT_DIR), isRegularFile: type == UInt8(DT_REG), inode: inode))
            }
        }
        return result
    }

    /// lstat of the entry `name`; nil when it does not exist.
    public func status(of name: String) -> stat? {
        var status = stat()
        return fstatat(descriptor, name, &status, AT_SYMLINK_NOFOLLOW) == 0 ? status : nil
    }

    /// A hard link named `name` to the file at `source` (an absolute path, or relative to the current directory).
    /// Returns errno on failure (EEXIST, EXDEV, EPERM, EMLINK, ...), so that callers choose their fallback.
    public func link(_ source: String, as name: String) -> Int32? {
        linkat(AT_FDCWD, source, descriptor, name, 0) == 0 ? nil : errno
    }

    /// Removes the entry `name`; a directory with everything below it.
    public func remove(_ name: String) throws {
        if unlinkat(descriptor, name, 0) == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM else { throw GooseError.errno(path + "/" + name, "cannot remove") }
        try subdirectory(name).removeContents()
        guard unlinkat(descriptor, name, AT_REMOVEDIR) == 0 || errno == ENOENT else { throw GooseError.errno(path + "/" + name, "cannot remove") }
    }

    /// Removes everything in the directory, leaving it empty.
    public func removeContents() throws {
        for entry in try entries() {
            if entry.isDirectory {
                try subdirectory(entry.name).removeContents()
                guard unlinkat(descriptor, entry.name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
                    throw GooseError.errno(path + "/" + entry.name, "cannot remove")
                }
            } else {
                guard unlinkat(descriptor, entry.name, 0) == 0 || errno == ENOENT else { throw GooseError.errno(path + "/" + entry.name, "cannot remove") }
            }
        }
    }

    /// fsync of the directory itself (its entries, not the files they name).
    public func sync() {
        fsync(descriptor)
    }
}

extension FileSystem {
    /// Removes `path` and, for a directory, everything below it, with one unlinkat per entry (no stat per file); a
    /// missing path is not an error. A symbolic link is removed, not followed.
    public static func removeTree(_ path: String) throws {
        if unlink(path) == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM else { throw GooseError.errno(path, "cannot remove") }
        try Directory(path).removeContents()
        guard rmdir(path) == 0 || errno == ENOENT else { throw GooseError.errno(path, "cannot remove") }
    }
}
