import Foundation

/// What the upstream answered for its manifest.
public enum ManifestFetchResult: Sendable {
    /// The manifest did not change since the last complete sync (HTTP 304).
    case notModified
    /// The manifest's bytes, with the validators to send next time.
    case fetched(Data, ConditionalState)
    /// The upstream has no manifest (a plain yum repo).
    case missing
}

/// The validators of the last manifest a complete sync used (ETag and Last-Modified).
public struct ConditionalState: Codable, Sendable, Equatable {
    public var upstream: String
    public var entityTag: String?
    public var lastModified: Int?
    /// When the manifest was fetched (seconds since the epoch, local clock).
    public var fetchedAt: Int?

    public init(upstream: String, entityTag: String? = nil, lastModified: Int? = nil, fetchedAt: Int? = nil) {
        self.upstream = upstream
        self.entityTag = entityTag
        self.lastModified = lastModified
        self.fetchedAt = fetchedAt
    }

    /// The request headers that ask the server to answer 304 when nothing changed.
    public var requestHeaders: [String] {
        var headers: [String] = []
        if let entityTag { headers.append("If-None-Match: \(entityTag)") }
        // Last-Modified has one-second resolution: a manifest rewritten in the second it was fetched would
        // look unchanged, so it is only a safe validator when it is older than the fetch (RFC 9110 8.8.2.2).
        if let lastModified, let fetchedAt, lastModified < fetchedAt - 1 {
            headers.append("If-Modified-Since: \(Self.httpDate(lastModified))")
        }
        return headers
    }

    /// An IMF-fixdate (RFC 9110), the only date form HTTP servers must accept.
    public static func httpDate(_ seconds: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// Transfer options shared by the transports.
public struct MirrorTransferOptions: Sendable {
    public var jobs: Int
    /// Total receive limit in bytes per second, 0 for none.
    public var bandwidthLimit: Int
    public var retry: RetryPolicy

    public init(jobs: Int = 4, bandwidthLimit: Int = 0, retry: RetryPolicy = RetryPolicy()) {
        self.jobs = max(1, jobs)
        self.bandwidthLimit = max(0, bandwidthLimit)
        self.retry = retry
    }
}

/// Moves upstream files into a staging directory, verified against the manifest.
public protocol MirrorTransport: Sendable {
    /// Fetches the upstream manifest, conditionally when `previous` validators are known.
    func fetchManifest(previous: ConditionalState?) throws -> ManifestFetchResult
    /// Fetches a small file (repomd.xml, primary) whole, for the yum-repo fallback.
    func fetchSmall(path: String) throws -> Data?
    /// Stages `entries`; each result is the verified staged file's path or the error that stopped it. Files of a
    /// group (repo root, from `groupOf`) that already failed are skipped: the group is failed either way.
    func stage(_ entries: [MirrorFileEntry], work: MirrorWorkArea, progress: MirrorSyncProgress,
               groupOf: @escaping @Sendable (String) -> Int) async -> [String: Result<String, GooseError>]
}

/// Failed groups shared by transfer threads, and whether the upstream stopped answering at all.
final class FailureGate: @unchecked Sendable {
    private let lock = NSLock()
    private var groups: Set<Int> = []
    private var unreachable: GooseError?

    func isFailed(_ group: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return groups.contains(group) || unreachable != nil
    }

    var unreachableError: GooseError? {
        lock.lock()
        defer { lock.unlock() }
        return unreachable
    }

    func fail(group: Int, error: GooseError) {
        lock.lock()
        defer { lock.unlock() }
        groups.insert(group)
        // After the retries, a refused connection means the upstream is down: no other file can succeed.
        if case let .network(_, reason) = error, reason.contains("Couldn't connect") || reason.contains("Failed to connect") {
            unreachable = error
        }
    }
}

/// goose's working directory inside a synced tree: partial downloads, staged files, sync state.
public struct MirrorWorkArea: Sendable {
    public let directory: String

    public init(tree: String) throws {
        directory = tree + "/" + MirrorManifest.workDirectoryName
        try FileSystem.createDirectory(directory + "/partial")
    }

    /// Where a download of content with this hash grows; named by hash so a later run resumes it.
    /// Two paths with the same content each get their own partial file (the path's hash tells them apart).
    public func partialPath(for entry: MirrorFileEntry) -> String {
        directory + "/partial/" + entry.sha256 + "-" + ContentDigest.hexDigest(of: Data(entry.path.utf8), algorithm: .md5).prefix(12)
    }
    public var statePath: String { directory + "/state.json" }
    public var upstreamManifestPath: String { directory + "/upstream.manifest" }
    public var lockPath: String { directory + "/lock" }
}

/// Verifies a staged file against its manifest entry and gives it the upstream mtime; removes it on mismatch.
func verifyStaged(_ path: String, entry: MirrorFileEntry, source: String) throws {
    var info = stat()
    guard stat(path, &info) == 0 else { throw GooseError.io(path: entry.path, reason: "not transferred") }
    let hash = try ContentDigest.hexDigest(ofFile: path, algorithm: .sha256)
    guard Int64(info.st_size) == entry.size, hash == entry.sha256 else {
        unlink(path)
        throw GooseError.hashMismatch(file: source, expected: entry.sha256, actual: hash)
    }
    setModificationTime(path, entry.mtime)
}

func setModificationTime(_ path: String, _ seconds: Int) {
    var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
    utimensat(AT_FDCWD, path, &times, 0)
}

/// Joins a base URL and a relative path, percent-encoding what a URL path cannot carry.
func joinURL(_ base: String, _ path: String) -> String {
    let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
    return (base.hasSuffix("/") ? base : base + "/") + encoded
}

/// libcurl transfers for http, https, ftp and file upstreams: `jobs` threads, each with one reused connection.
public struct CurlMirrorTransport: MirrorTransport {
    public let upstream: String
    public let options: MirrorTransferOptions

    public init(upstream: String, options: MirrorTransferOptions) {
        self.upstream = upstream
        self.options = options
    }

    func makeSession() throws -> HTTPSession {
        let session = try HTTPSession()
        session.allowedProtocols = "http,https,ftp,ftps,file"
        session.maximumReceiveRate = options.bandwidthLimit / options.jobs
        return session
    }

    public func fetchManifest(previous: ConditionalState?) throws -> ManifestFetchResult {
        let url = joinURL(upstream, MirrorManifest.fileName)
        let session = try makeSession()
        let headers = previous?.upstream == upstream ? previous!.requestHeaders : []
        return try options.retry.run { _ in
            var body = Data()
            let summary: HTTPResponseSummary
            do {
                summary = try session.download(url: url, headers: headers) { _, chunk in body.append(contentsOf: chunk) }
            } catch let error as HTTPTransferError where url.hasPrefix("file:") && error.reason.contains("ouldn't") {
                return .missing
            }
            if summary.status == 304 { return .notModified }
            if summary.status == 404 || summary.status == 410 { return .missing }
            try summary.requireSuccess(url: url)
            return .fetched(body, ConditionalState(upstream: upstream, entityTag: summary.entityTag, lastModified: summary.modificationTime,
                                                   fetchedAt: Int(Date().timeIntervalSince1970)))
        }
    }

    public func fetchSmall(path: String) throws -> Data? {
        let url = joinURL(upstream, path)
        let session = try makeSession()
        return try options.retry.run { _ in
            var body = Data()
            let summary: HTTPResponseSummary
            do {
                summary = try session.download(url: url) { _, chunk in body.append(contentsOf: chunk) }
            } catch let error as HTTPTransferError where url.hasPrefix("file:") && error.reason.contains("ouldn't") {
                return nil
            }
            if summary.status == 404 { return nil }
            try summary.requireSuccess(url: url)
            return body
        }
    }

    public func stage(_ entries: [MirrorFileEntry], work: MirrorWorkArea, progress: MirrorSyncProgress,
                      groupOf: @escaping @Sendable (String) -> Int) async -> [String: Result<String, GooseError>] {
        guard !entries.isEmpty else { return [:] }
        let queue = WorkQueue(count: entries.count)
        let gate = FailureGate()
        return await withTaskGroup(of: [String: Result<String, GooseError>].self) { group in
            for _ in 0..<min(options.jobs, entries.count) {
                group.addTask {
                    (try? await BlockingWork.run {
                        var results: [String: Result<String, GooseError>] = [:]
                        let session: HTTPSession
                        do { session = try makeSession() } catch {
                            while let index = queue.next() { results[entries[index].path] = .failure(error as? GooseError ?? .network(url: upstream, reason: "\(error)")) }
                            return results
                        }
                        while let index = queue.next() {
                            let entry = entries[index]
                            let group = groupOf(entry.path)
                            if gate.isFailed(group) {
                                let cause = gate.unreachableError.map { "upstream unreachable (\($0))" } ?? "another file of its repo root failed"
                                results[entry.path] = .failure(.network(url: joinURL(upstream, entry.path), reason: "skipped: \(cause)"))
                                progress.fileDone()
                                continue
                            }
                            do {
                                results[entry.path] = .success(try download(entry, session: session, work: work, progress: progress))
                            } catch {
                                let failure = error as? GooseError ?? .network(url: joinURL(upstream, entry.path), reason: "\(error)")
                                results[entry.path] = .failure(failure)
                                gate.fail(group: group, error: failure)
                            }
                            progress.fileDone()
                        }
                        return results
                    }) ?? [:]
                }
            }
            var all: [String: Result<String, GooseError>] = [:]
            for await part in group { all.merge(part) { first, _ in first } }
            return all
        }
    }

    /// Downloads one file into its partial path, resuming what an earlier attempt or run left, and verifies it.
    func download(_ entry: MirrorFileEntry, session: HTTPSession, work: MirrorWorkArea, progress: MirrorSyncProgress) throws -> String {
        let url = joinURL(upstream, entry.path)
        let partial = work.partialPath(for: entry)
        let isHTTP = url.lowercased().hasPrefix("http")
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw GooseError.errno(partial, "cannot create") }
        defer { close(descriptor) }
        var hasher = ContentDigest(.sha256)
        var offset: Int64 = 0
        // Only HTTP answers a Range request with a status that says whether it was honoured.
        if isHTTP {
            var info = stat()
            if fstat(descriptor, &info) == 0, info.st_size > 0, Int64(info.st_size) <= entry.size {
                try FileStreamer.forEachChunk(ofFile: partial) { hasher.update($0) }
                offset = Int64(info.st_size)
            }
        }
        func restart() {
            ftruncate(descriptor, 0)
            hasher = ContentDigest(.sha256)
            offset = 0
        }
        if offset == 0 { restart() }
        if offset < entry.size {
            // Nothing received: no partial file worth keeping for a resume.
            var received = false
            defer { if !received && offset == 0 { unlink(partial) } }
            try options.retry.run { _ in
                let resuming = offset > 0
                lseek(descriptor, off_t(offset), SEEK_SET)
                var checkedStatus = false
                let summary = try session.download(url: url, headers: resuming ? ["Range: bytes=\(offset)-"] : []) { status, chunk in
                    if !checkedStatus {
                        checkedStatus = true
                        // A 200 to a Range request is the whole file again.
                        if resuming && status != 206 { restart(); lseek(descriptor, 0, SEEK_SET) }
                    }
                    try FileSystem.writeAll(chunk, to: descriptor, path: partial)
                    hasher.update(chunk)
                    offset += Int64(chunk.count)
                    progress.add(bytes: Int64(chunk.count))
                }
                if summary.status == 416 { restart() }
                try summary.requireSuccess(url: url)
            }
            received = true
        }
        let hash = hasher.finalizeHex()
        guard offset == entry.size, hash == entry.sha256 else {
            unlink(partial)
            throw GooseError.hashMismatch(file: url, expected: entry.sha256, actual: hash)
        }
        // No fsync per file: the sync makes each phase durable with one syncfs before the next phase's files
        // can reference it (see MirrorSync.run).
        setModificationTime(partial, entry.mtime)
        return partial
    }
}

/// rsync:// upstreams: the rsync binary moves the files named in a `--files-from` list, as quick-fedora-mirror does.
public struct RsyncMirrorTransport: MirrorTransport {
    public let upstream: String
    public let options: MirrorTransferOptions

    public init(upstream: String, options: MirrorTransferOptions) {
        self.upstream = upstream.hasSuffix("/") ? upstream : upstream + "/"
        self.options = options
    }

    func rsync(_ arguments: [String]) throws -> (status: Int32, error: String) {
        var base = ["--recursive", "--times", "--timeout=60"]
        if options.bandwidthLimit > 0 { base.append("--bwlimit=\(max(1, options.bandwidthLimit / 1024))") }
        let finished = try ChildProcess("rsync", base + arguments, error: .pipe).run()
        return (finished.status, finished.lastErrorLine ?? "")
    }

    public func fetchManifest(previous: ConditionalState?) throws -> ManifestFetchResult {
        guard let data = try fetchSmall(path: MirrorManifest.fileName) else { return .missing }
        return .fetched(data, ConditionalState(upstream: upstream))
    }

    public func fetchSmall(path: String) throws -> Data? {
        let target = NSTemporaryDirectory() + "goose-rsync-\(UUID().uuidString)"
        defer { unlink(target) }
        let result = try rsync([upstream + path, target])
        // 23: some files could not be transferred — here, the one file does not exist.
        if result.status == 23 { return nil }
        guard result.status == 0 else { throw GooseError.network(url: upstream + path, reason: "rsync exited \(result.status): \(result.error)") }
        return try FileSystem.contents(of: target)
    }

    public func stage(_ entries: [MirrorFileEntry], work: MirrorWorkArea, progress: MirrorSyncProgress,
                      groupOf: @escaping @Sendable (String) -> Int) async -> [String: Result<String, GooseError>] {
        guard !entries.isEmpty else { return [:] }
        let stagingDirectory = work.directory + "/rsync"
        let listPath = work.directory + "/files-from"
        let outcome: String? = await (try? BlockingWork.run { () -> String? in
            try FileSystem.createDirectory(stagingDirectory)
            try AtomicFileWriter.write(entries.map(\.path).joined(separator: "\n") + "\n", to: listPath)
            let result = try rsync(["--files-from=" + listPath, upstream, stagingDirectory + "/"])
            return result.status == 0 || result.status == 23 || result.status == 24 ? nil : "rsync exited \(result.status): \(result.error)"
        }) ?? "rsync could not run"
        var results: [String: Result<String, GooseError>] = [:]
        for entry in entries {
            let staged = stagingDirectory + "/" + entry.path
            do {
                if let outcome, !FileSystem.isRegularFile(staged) { throw GooseError.network(url: upstream + entry.path, reason: outcome) }
                try verifyStaged(staged, entry: entry, source: upstream + entry.path)
                progress.add(bytes: entry.size)
                results[entry.path] = .success(staged)
            } catch {
                results[entry.path] = .failure(error as? GooseError ?? .network(url: upstream + entry.path, reason: "\(error)"))
            }
            progress.fileDone()
        }
        return results
    }
}
