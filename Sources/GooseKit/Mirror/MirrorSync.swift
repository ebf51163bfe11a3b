import Foundation

/// What `goose mirror-sync` did (the `--json` summary).
public struct MirrorSyncSummary: Codable, Sendable, Equatable {
    /// A file that could not be placed, and why.
    public struct Failure: Codable, Sendable, Equatable {
        public var path: String
        public var error: String
    }

    public var upstream: String
    public var directory: String
    /// "manifest", or "repomd" when the upstream is a plain yum repo without a manifest.
    public var source: String = "manifest"
    public var dryRun: Bool
    /// The upstream manifest was unchanged (HTTP 304).
    public var notModified = false
    public var transferredFiles = 0
    /// Bytes received over the network in this run (resumed downloads count only their rest).
    public var transferredBytes: Int64 = 0
    /// Files to transfer (in a dry run: that would be transferred).
    public var plannedFiles = 0
    public var plannedBytes: Int64 = 0
    public var unchangedFiles = 0
    /// Files whose mtime differed but whose content was right: only the mtime was fixed.
    public var touchedFiles = 0
    public var deletedFiles = 0
    /// Repo roots left at their previous state because a file failed ("." for the top).
    public var failedRoots: [String] = []
    public var failures: [Failure] = []
    public var seconds: Double = 0
}

/// Options of one sync run.
public struct MirrorSyncOptions: Sendable {
    public var transfer: MirrorTransferOptions
    /// Seconds to wait between placing the new metadata and deleting stale files.
    public var deleteDelay: Double
    public var dryRun: Bool
    public var showProgress: Bool

    public init(transfer: MirrorTransferOptions = MirrorTransferOptions(), deleteDelay: Double = 0, dryRun: Bool = false, showProgress: Bool = false) {
        self.transfer = transfer
        self.deleteDelay = deleteDelay
        self.dryRun = dryRun
        self.showProgress = showProgress
    }
}

/// `goose mirror-sync`: brings a local tree to the upstream's manifest, repo by repo, metadata last.
public enum MirrorSync {
    /// The transport for an upstream URL.
    public static func transport(for upstream: String, options: MirrorTransferOptions) throws -> MirrorTransport {
        let lowered = upstream.lowercased()
        if lowered.hasPrefix("rsync://") { return RsyncMirrorTransport(upstream: upstream, options: options) }
        for scheme in ["http://", "https://", "ftp://", "ftps://", "file://"] where lowered.hasPrefix(scheme) {
            return CurlMirrorTransport(upstream: upstream, options: options)
        }
        throw GooseError.usage("\(upstream): unsupported upstream (use https://, http://, ftp://, file:// or rsync://)")
    }

    /// Syncs `directory` from `upstream`. Throws only when nothing could start (bad upstream manifest, lock held);
    /// per-file failures are in the summary, and fail only their repo root.
    public static func run(upstream: String, directory rawDirectory: String, options: MirrorSyncOptions) async throws -> MirrorSyncSummary {
        let started = Date()
        let directory = FileSystem.absolute(rawDirectory)
        try FileSystem.createDirectory(directory)
        let work = try MirrorWorkArea(tree: directory)
        let lock = try FileLock(path: work.lockPath, wait: false)
        defer { lock.unlock() }
        let transport = try transport(for: upstream, options: options.transfer)
        var summary = MirrorSyncSummary(upstream: upstream, directory: directory, dryRun: options.dryRun)

        // The manifest (or the yum repo standing in for it).
        let previousState = try? JSONDecoder().decode(ConditionalState.self, from: FileSystem.contents(of: work.statePath))
        var upstreamManifest: MirrorManifest
        var newState: ConditionalState?
        var deletable: (String) -> Bool = { _ in true }
        switch try await BlockingWork.run({ try transport.fetchManifest(previous: previousState) }) {
        case .notModified:
            if let data = try? FileSystem.contents(of: work.upstreamManifestPath),
               let cached = try? MirrorManifest.decode(data, source: work.upstreamManifestPath) {
                upstreamManifest = cached
                summary.notModified = true
            } else {
                // The cached copy is gone: ask again without validators.
                guard case let .fetched(data, state) = try transport.fetchManifest(previous: nil) else {
                    throw GooseError.network(url: upstream, reason: "manifest vanished")
                }
                upstreamManifest = try MirrorManifest.decode(data, source: joinURL(upstream, MirrorManifest.fileName))
                newState = state
            }
        case let .fetched(data, state):
            upstreamManifest = try MirrorManifest.decode(data, source: joinURL(upstream, MirrorManifest.fileName))
            newState = state
            if !options.dryRun { try AtomicFileWriter.write(data, to: work.upstreamManifestPath + ".new") }
        case .missing:
            upstreamManifest = try await YumRepositoryManifest.make(transport: transport, upstream: upstream)
            summary.source = "repomd"
            // A plain yum repo only speaks for its packages and repodata.
            deletable = { $0.hasSuffix(".rpm") || $0.hasPrefix("repodata/") }
        }

        let scan = try TreeScan.scan(directory)
        let lastSynced = (try? FileSystem.contents(of: work.upstreamManifestPath)).flatMap { try? MirrorManifest.decode($0, source: work.upstreamManifestPath) }
        let knownHashes = Dictionary(lastSynced?.files.map { ($0.path, $0.sha256) } ?? [], uniquingKeysWith: { first, _ in first })
        var plan = MirrorSyncPlan.make(upstream: upstreamManifest, local: scan.files, knownHashes: knownHashes, deletable: deletable)
        summary.unchangedFiles = plan.unchangedCount

        // Same size, other mtime: read the local file before deciding to transfer it.
        for index in plan.roots.indices {
            var stillSuspicious: [MirrorFileEntry] = []
            for entry in plan.roots[index].suspicious {
                let local = directory + "/" + entry.path
                if (try? ContentDigest.hexDigest(ofFile: local, algorithm: .sha256)) == entry.sha256 {
                    if !options.dryRun { setModificationTime(local, entry.mtime) }
                    summary.touchedFiles += 1
                } else {
                    stillSuspicious.append(entry)
                }
            }
            for entry in stillSuspicious {
                switch MirrorSyncPlan.phase(of: entry.path, root: plan.roots[index].root) {
                case .content: plan.roots[index].content.append(entry)
                case .repodata: plan.roots[index].repodata.append(entry)
                case .repomd: plan.roots[index].repomd.append(entry)
                }
            }
            plan.roots[index].suspicious = []
        }
        summary.plannedFiles = plan.transferCount
        summary.plannedBytes = plan.transferBytes
        if options.dryRun {
            summary.deletedFiles = plan.staleCount
            summary.seconds = Date().timeIntervalSince(started)
            return summary
        }

        let progress = MirrorSyncProgress(totalFiles: plan.transferCount, totalBytes: plan.transferBytes, enabled: options.showProgress)
        var failedRoots: Set<Int> = []
        func record(_ results: [String: Result<String, GooseError>], rootIndex: [String: Int]) -> [String: String] {
            var staged: [String: String] = [:]
            for (path, result) in results {
                switch result {
                case let .success(stagedPath): staged[path] = stagedPath
                case let .failure(error):
                    summary.failures.append(.init(path: path, error: error.description))
                    if let index = rootIndex[path] { failedRoots.insert(index) }
                }
            }
            return staged
        }
        func place(_ entry: MirrorFileEntry, from staged: String) throws {
            let destination = directory + "/" + entry.path
            try FileSystem.createDirectory((destination as NSString).deletingLastPathComponent)
            if rename(staged, destination) != 0 { throw GooseError.errno(destination, "rename from \(staged) failed") }
            summary.transferredFiles += 1
        }

        // Phase by phase across all roots (for parallelism), each root advancing only while it has no failure.
        for phase in [MirrorSyncPlan.Phase.content, .repodata, .repomd] {
            var batch: [MirrorFileEntry] = []
            var rootIndex: [String: Int] = [:]
            for (index, root) in plan.roots.enumerated() where !failedRoots.contains(index) {
                let entries = phase == .content ? root.content : phase == .repodata ? root.repodata : root.repomd
                for entry in entries { rootIndex[entry.path] = index }
                batch += entries
            }
            let groups = rootIndex
            let staged = record(await transport.stage(batch, work: work, progress: progress, groupOf: { groups[$0] ?? -1 }), rootIndex: rootIndex)
            // One durability barrier per phase instead of an fsync per file: the staged files' data, and below the
            // renames of this phase, reach the disk before any file of the next phase (which may reference them) is placed.
            FileSystem.syncFileSystem(of: directory)
            for (index, root) in plan.roots.enumerated() where !failedRoots.contains(index) {
                let entries = phase == .content ? root.content : phase == .repodata ? root.repodata : root.repomd
                // repomd.xml and its signature are renamed only once both are staged and verified.
                for entry in entries {
                    do { try place(entry, from: staged[entry.path]!) } catch {
                        summary.failures.append(.init(path: entry.path, error: (error as? GooseError)?.description ?? "\(error)"))
                        failedRoots.insert(index)
                        break
                    }
                }
            }
        }
        FileSystem.syncFileSystem(of: directory)
        progress.finish()
        summary.transferredBytes = progress.transferredBytes

        // Stale files go only after the new metadata is in place, and after the delay clients may still need them.
        let staleRoots = plan.roots.enumerated().filter { !failedRoots.contains($0.offset) && !$0.element.stale.isEmpty }
        if !staleRoots.isEmpty && options.deleteDelay > 0 {
            try await Task.sleep(nanoseconds: UInt64(options.deleteDelay * 1_000_000_000))
        }
        for (_, root) in staleRoots {
            for path in root.stale where unlink(directory + "/" + path) == 0 { summary.deletedFiles += 1 }
        }
        summary.failedRoots = failedRoots.sorted().map { plan.roots[$0].root.map { $0.isEmpty ? "." : $0 } ?? "(outside repos)" }
        summary.failures.sort { $0.path < $1.path }

        // The tree's own manifest describes what is on disk now: upstream hashes for files that match,
        // fresh hashes for the rest (only after a failure).
        if summary.source == "manifest" {
            if failedRoots.isEmpty {
                // The tree now is the upstream's: publish its manifest byte for byte, for mirrors below this one.
                if !summary.notModified || summary.transferredFiles > 0 || summary.deletedFiles > 0 || summary.touchedFiles > 0
                    || !FileSystem.isRegularFile(directory + "/" + MirrorManifest.fileName) {
                    let encoded = (try? FileSystem.contents(of: work.upstreamManifestPath + ".new"))
                        ?? (try? FileSystem.contents(of: work.upstreamManifestPath)) ?? upstreamManifest.encoded()
                    try ManifestBuilder.publish(upstreamManifest, encoded: encoded, directory: directory,
                                                directoryTimes: try TreeScan.scan(directory).directories)
                }
            } else {
                // Partly synced: describe what is on disk (upstream hashes reused where size and mtime match).
                try AtomicFileWriter.write(upstreamManifest.encoded(), to: directory + "/" + MirrorManifest.fileName)
                _ = try await ManifestBuilder.build(directory: directory, jobs: options.transfer.jobs)
            }
            if failedRoots.isEmpty {
                if FileSystem.exists(work.upstreamManifestPath + ".new") {
                    try FileSystem.moveIntoPlace(work.upstreamManifestPath + ".new", work.upstreamManifestPath)
                }
                if let newState { try AtomicFileWriter.write(try JSONEncoder().encode(newState), to: work.statePath) }
                // Partial downloads of files the upstream no longer lists will never be resumed.
                FileSystem.remove(work.directory + "/partial")
                FileSystem.remove(work.directory + "/rsync")
            } else {
                // The next run must fetch the manifest again and finish the job.
                unlink(work.statePath)
            }
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}
