import Foundation

/// A dist-git lookaside over HTTP: `upload.cgi` for checks and uploads, the cache layout for downloads.
///
/// Transfers are blocking (libcurl); sessions are pooled so that sequential transfers reuse connections
/// and concurrent ones each get their own.
public final class HTTPLookaside: LookasideBackend, @unchecked Sendable {
    /// The server root, e.g. `https://src.example.org` (a trailing `/repo/pkgs` is accepted and dropped).
    public let baseURL: String
    public let retryPolicy: RetryPolicy
    private let token: String?
    // Guards `idleSessions`; that is all the mutable state, hence the unchecked Sendable.
    private let lock = NSLock()
    private var idleSessions: [HTTPSession] = []

    /// A client for the server at `baseURL`; `token` is sent as a bearer token with checks and uploads.
    public init(baseURL: String, token: String?, retryPolicy: RetryPolicy = RetryPolicy()) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/repo/pkgs") { base.removeLast("/repo/pkgs".count) }
        self.baseURL = base
        self.token = token
        self.retryPolicy = retryPolicy
    }

    public var location: String { baseURL }

    /// `POST` endpoint of dist-git's upload script.
    public var uploadURL: String { baseURL + "/repo/pkgs/upload.cgi" }

    /// Where the object can be downloaded.
    public func downloadURL(for object: LookasideKey) -> String {
        baseURL + "/repo/pkgs/" + Self.encodedPath(object.relativePath)
    }

    public func contains(_ object: LookasideKey) throws -> Bool {
        try object.validate()
        let checksumField: String
        switch object.hashType {
        case .sha512: checksumField = "sha512sum"
        case .md5: checksumField = "md5sum"
        default: throw GooseError.lookaside("\(object.filename): upload.cgi checks only sha512 and md5 objects, not \(object.hashType.rawValue)")
        }
        let fields: [HTTPFormField] = [
            .text(name: "name", value: object.package),
            .text(name: checksumField, value: object.hash),
            .text(name: "filename", value: object.filename),
        ]
        return try retryPolicy.run { _ in
            try withSession { session in
                let response = try session.postForm(url: uploadURL, fields: fields, headers: authorizationHeaders)
                // pyrpkg's reading of the answer: a server that does not know the checksum type has no such object.
                if response.status == 400, response.text.contains("Required checksum is not present") { return false }
                try response.requireSuccess(url: uploadURL)
                switch response.text {
                case "Available": return true
                case "Missing": return false
                default:
                    throw HTTPTransferError(url: uploadURL, reason: "unexpected answer to a check: '\(response.text.prefix(200))'", isTransient: false)
                }
            }
        }
    }

    public func store(_ object: LookasideKey, from sourcePath: String, modificationTime: Int?, allowHardLink: Bool) throws -> LookasideTransferStatus {
        try object.validate()
        guard object.hashType == .sha512 else {
            throw GooseError.lookaside("\(object.filename): uploads are identified by SHA-512, not \(object.hashType.rawValue)")
        }
        guard FileSystem.isRegularFile(sourcePath) else { throw GooseError.io(path: sourcePath, reason: "no such file") }
        if try contains(object) { return .alreadyPresent }
        var fields: [HTTPFormField] = [
            .text(name: "name", value: object.package),
            .text(name: "sha512sum", value: object.hash),
            .file(name: "file", path: sourcePath, filename: object.filename),
        ]
        let mtime = try modificationTime ?? VerifiedCopy.modificationTime(of: sourcePath)
        fields.append(.text(name: "mtime", value: String(mtime)))
        let answer = try retryPolicy.run { _ in
            try withSession { session in
                let response = try session.postForm(url: uploadURL, fields: fields, headers: authorizationHeaders)
                try response.requireSuccess(url: uploadURL)
                return response.text
            }
        }
        if answer.hasSuffix("stored OK") { return .uploaded }
        if answer.contains("already exists") { return .alreadyPresent }
        throw GooseError.network(url: uploadURL, reason: "unexpected answer to an upload: '\(answer.prefix(200))'")
    }

    public func fetch(_ object: LookasideKey, to destination: String) throws {
        try object.validate()
        let directory = (destination as NSString).deletingLastPathComponent
        try FileSystem.createDirectory(directory.isEmpty ? "." : directory)
        let partial = try PartialDownload(path: Self.partialPath(for: destination))
        var committed = false
        defer { if !committed { partial.close(removingIfEmpty: true) } }
        var url = downloadURL(for: object)
        var result = try retryPolicy.run { _ in try withSession { try download(from: &url, object: object, into: partial, session: $0) } }
        if result.digest != object.hash && result.resumed {
            // The part kept from an earlier run may have been bad: one more try from the start.
            try partial.truncate()
            result = try retryPolicy.run { _ in try withSession { try download(from: &url, object: object, into: partial, session: $0) } }
        }
        guard result.digest == object.hash else {
            partial.remove()
            throw GooseError.hashMismatch(file: url, expected: object.hash, actual: result.digest)
        }
        try partial.commit(to: destination, modificationTime: result.modificationTime)
        committed = true
    }

    /// The result of one download attempt.
    private struct DownloadResult {
        var digest: String
        var modificationTime: Int?
        /// Whether the attempt continued bytes kept from an earlier attempt.
        var resumed: Bool
    }

    /// One attempt: continues the partial file with a Range request when it has content.
    /// `url` moves to the old md5 layout when the current one is missing.
    private func download(from url: inout String, object: LookasideKey, into partial: PartialDownload,
                          session: HTTPSession) throws -> DownloadResult {
        var offset = try partial.size()
        var digest = offset > 0 ? try partial.digestOfContent(object.hashType) : ContentDigest(object.hashType)
        var receivedBody = false
        let response = try session.download(url: url, headers: offset > 0 ? ["Range: bytes=\(offset)-"] : []) { status, chunk in
            if !receivedBody {
                receivedBody = true
                if offset > 0 && status != 206 {
                    // The server sent the whole object instead of the rest.
                    try partial.truncate()
                    digest = ContentDigest(object.hashType)
                    offset = 0
                }
            }
            digest.update(chunk)
            try partial.append(chunk)
        }
        switch response.status {
        case 200, 206:
            if !receivedBody && response.status == 200 && offset > 0 {
                try partial.truncate()
                digest = ContentDigest(object.hashType)
                offset = 0
            }
            return DownloadResult(digest: digest.finalizeHex(), modificationTime: response.modificationTime, resumed: offset > 0)
        case 416 where offset > 0:
            // The kept part is not a prefix of this object: start over.
            try partial.truncate()
            return try download(from: &url, object: object, into: partial, session: session)
        case 404 where object.hashType == .md5 && !url.hasSuffix(Self.encodedPath(object.legacyRelativePath)):
            url = baseURL + "/repo/pkgs/" + Self.encodedPath(object.legacyRelativePath)
            return try download(from: &url, object: object, into: partial, session: session)
        case 404:
            throw HTTPTransferError(url: url, reason: "HTTP 404: \(object.filename) is not in the lookaside", isTransient: false)
        default:
            try response.requireSuccess(url: url)
            throw HTTPTransferError(url: url, reason: "unexpected HTTP \(response.status)", isTransient: false)
        }
    }

    private var authorizationHeaders: [String] {
        token.map { [LookasideToken.authorizationHeader($0)] } ?? []
    }

    /// Runs `body` with an idle session (or a new one) and returns the session to the pool afterwards.
    private func withSession<Result>(_ body: (HTTPSession) throws -> Result) throws -> Result {
        lock.lock()
        let reused = idleSessions.popLast()
        lock.unlock()
        let session = try reused ?? HTTPSession()
        defer {
            lock.lock()
            idleSessions.append(session)
            lock.unlock()
        }
        return try body(session)
    }

    /// Where a download in progress is kept: beside the destination, hidden, so that the final rename is atomic
    /// and a later run can resume it.
    static func partialPath(for destination: String) -> String {
        let directory = (destination as NSString).deletingLastPathComponent
        let name = (destination as NSString).lastPathComponent
        return (directory.isEmpty ? "." : directory) + "/.\(name).goose-partial"
    }

    /// Percent-encodes each component of a relative path, keeping only RFC 3986 unreserved characters.
    static func encodedPath(_ path: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        allowed.insert("/")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }
}

/// A download in progress: a hidden file beside the destination, locked so two processes never write it at once.
final class PartialDownload {
    let path: String
    private var descriptor: Int32

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw GooseError.errno(path, "cannot open") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            Foundation.close(fd)
            if code == EWOULDBLOCK { throw GooseError.locked(path: path) }
            throw GooseError.errno(path, "cannot lock", code)
        }
        descriptor = fd
    }

    deinit { close(removingIfEmpty: false) }

    func size() throws -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw GooseError.errno(path, "cannot stat") }
        return Int(info.st_size)
    }

    /// A digest over the bytes already in the file, ready to continue with the rest.
    func digestOfContent(_ algorithm: HashAlgorithm) throws -> ContentDigest {
        let digest = ContentDigest(algorithm)
        lseek(descriptor, 0, SEEK_SET)
        try FileStreamer.forEachChunk(ofDescriptor: descriptor, path: path) { digest.update($0) }
        return digest
    }

    func append(_ chunk: UnsafeRawBufferPointer) throws {
        try FileSystem.writeAll(chunk, to: descriptor, path: path)
    }

    func truncate() throws {
        guard ftruncate(descriptor, 0) == 0 else { throw GooseError.errno(path, "cannot truncate") }
    }

    /// Flushes the file, sets its modification time and renames it to `destination`.
    func commit(to destination: String, modificationTime: Int?) throws {
        guard fsync(descriptor) == 0 else { throw GooseError.errno(path, "fsync failed") }
        if let modificationTime {
            var times = [timespec(tv_sec: modificationTime, tv_nsec: 0), timespec(tv_sec: modificationTime, tv_nsec: 0)]
            futimens(descriptor, &times)
        }
        guard rename(path, destination) == 0 else { throw GooseError.errno(destination, "rename from \(path) failed") }
        FileSystem.syncDirectory(of: destination)
        close(removingIfEmpty: false)
    }

    /// Deletes the file (its content is useless).
    func remove() {
        unlink(path)
        close(removingIfEmpty: false)
    }

    /// Releases the file; an empty one is removed, a non-empty one stays for a later resume.
    func close(removingIfEmpty: Bool) {
        guard descriptor >= 0 else { return }
        if removingIfEmpty, (try? size()) == 0 { unlink(path) }
        Foundation.close(descriptor)
        descriptor = -1
    }
}
