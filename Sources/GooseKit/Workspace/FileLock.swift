import Foundation

/// An exclusive advisory lock (flock) on a file; released when the value is released or `unlock` is called.
public final class FileLock {
    public let path: String
    private var descriptor: Int32

    /// Takes the lock, waiting for it when `wait` is true, else failing at once with `GooseError.locked`;
    /// `shared` takes a reader's lock (many at once, none while an exclusive one is held).
    public init(path: String, wait: Bool = true, shared: Bool = false) throws {
        self.path = path
        try FileSystem.createDirectory((path as NSString).deletingLastPathComponent)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw GooseError.errno(path, "cannot open lock file") }
        while flock(fd, (shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw GooseError.locked(path: path) }
            throw GooseError.errno(path, "cannot lock", code)
        }
        descriptor = fd
    }

    public func unlock() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { unlock() }
}
