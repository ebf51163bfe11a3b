import CRPM
import Foundation

/// The result of parsing one spec: the parsed data or rpm's error message. Cached and streamed by workers.
public struct SpecParseOutcome: Codable, Sendable, Equatable {
    public var spec: ParsedSpec?
    public var error: String?

    public init(spec: ParsedSpec? = nil, error: String? = nil) {
        self.spec = spec
        self.error = error
    }

    /// Parses `path`; the error keeps rpm's reason only, since the path may be a scratch copy.
    static func parsing(_ path: String, options: SpecMacroOptions) -> SpecParseOutcome {
        do {
            return SpecParseOutcome(spec: try SpecParser.parse(path: path, options: options))
        } catch let GooseError.invalidPackage(_, reason) {
            return SpecParseOutcome(error: reason)
        } catch {
            return SpecParseOutcome(error: "\(error)")
        }
    }
}

/// Parsed specs on disk, keyed by the spec's content, the macro options and the rpm version, so an unchanged
/// spec is never parsed twice. Best effort: a cache that cannot be written only costs time.
public struct SpecParseCache: Sendable {
    public let directory: String?
    /// False to parse everything again while still refreshing the stored results.
    public let reading: Bool

    public init(directory: String?, reading: Bool = true) {
        self.directory = directory
        self.reading = reading
    }

    /// `$XDG_CACHE_HOME/goose/build-order` (else `~/.cache/...`), or the workspace's `.goose/cache/build-order`.
    public static func defaultDirectory(workspaceRoot: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let workspaceRoot { return workspaceRoot + "/.goose/cache/build-order" }
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty { return cache + "/goose/build-order" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/goose/build-order"
    }

    /// Changes whenever `ParsedSpec` gains a field, so old entries are parsed again rather than read with a default.
    static let formatVersion = "parsed-spec-2"

    /// SHA-256 over the spec text, the options, the macro files' contents, librpm's version and the cache format.
    public static func key(content: Data, options: SpecMacroOptions) -> String {
        let digest = ContentDigest(.sha256)
        digest.update(Data(formatVersion.utf8))
        digest.update(content)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        digest.update((try? encoder.encode(options)) ?? Data())
        for file in options.macroFiles { digest.update((try? FileSystem.contents(of: file)) ?? Data()) }
        digest.update(Data(String(cString: RPMVERSION).utf8))
        return digest.finalizeHex()
    }

    private func path(_ key: String) -> String? {
        directory.map { "\($0)/\(key.prefix(2))/\(key).json" }
    }

    public func load(_ key: String) -> SpecParseOutcome? {
        guard reading, let path = path(key), let data = try? FileSystem.contents(of: path) else { return nil }
        return try? JSONDecoder().decode(SpecParseOutcome.self, from: data)
    }

    public func store(_ key: String, _ outcome: SpecParseOutcome) {
        guard reading, let path = path(key), let data = try? JSONEncoder().encode(outcome) else { return }
        try? FileSystem.createDirectory((path as NSString).deletingLastPathComponent)
        try? AtomicFileWriter.write(data, to: path)
    }
}

/// What the parent sends a `goose _parse-specs` worker on standard input.
public struct SpecParseRequest: Codable, Sendable {
    public var options: SpecMacroOptions
    public var paths: [String]
}

/// One line a worker prints per spec.
public struct SpecParseReply: Codable, Sendable {
    public var index: Int
    public var outcome: SpecParseOutcome
}

/// The worker side: parses each requested spec in turn and prints one JSON line per spec as it finishes.
public enum SpecParseWorker {
    public static func serve(request data: Data, write: (Data) -> Void) throws {
        let request = try JSONDecoder().decode(SpecParseRequest.self, from: data)
        let encoder = JSONEncoder()
        for (index, path) in request.paths.enumerated() {
            let outcome: SpecParseOutcome
            outcome = SpecParseOutcome.parsing(path, options: request.options)
            write(((try? encoder.encode(SpecParseReply(index: index, outcome: outcome))) ?? Data()) + Data("\n".utf8))
        }
    }
}

/// Loads specs from their sources and parses the ones the cache lacks, on `jobs` worker processes at once.
public struct SpecCollector: Sendable {
    public var options: SpecMacroOptions
    public var cache: SpecParseCache
    /// The goose executable to run as `_parse-specs` workers; nil parses in this process, one spec at a time.
    public var workerExecutable: String?
    public var jobs: Int

    public init(options: SpecMacroOptions, cache: SpecParseCache, workerExecutable: String?, jobs: Int) {
        self.options = options
        self.cache = cache
        self.workerExecutable = workerExecutable
        self.jobs = max(1, jobs)
    }

    /// One collected spec: its origin, its text and the parse outcome.
    public struct Collected: Sendable {
        public var source: SpecSource
        public var content: Data
        public var outcome: SpecParseOutcome
    }

    /// How much work the cache saved.
    public struct Statistics: Sendable, Codable {
        public var parsed = 0
        public var cached = 0
    }

    public func collect(_ sources: [SpecSource], progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ([Collected], Statistics) {
        var collected: [Collected] = []
        var misses: [(index: Int, key: String, path: String)] = []
        var statistics = Statistics()
        let scratch = try FileSystem.makeTemporaryDirectory(in: NSTemporaryDirectory(), prefix: "goose-specs-")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for source in sources {
            let loaded: (content: Data, sourceDirectory: String?)
            do {
                loaded = try source.load()
            } catch {
                collected.append(Collected(source: source, content: Data(), outcome: SpecParseOutcome(error: "\(error)")))
                continue
            }
            let key = SpecParseCache.key(content: loaded.content, options: options)
            if let hit = cache.load(key) {
                statistics.cached += 1
                collected.append(Collected(source: source, content: loaded.content, outcome: hit))
                continue
            }
            var path: String
            if case let .file(filePath) = source {
                path = filePath
            } else {
                // Specs from git or SRPMs get a file of their own: rpmSpecParse reads only files.
                let directory = "\(scratch)/\(collected.count)"
                try FileSystem.createDirectory(directory)
                path = directory + "/" + ((source.origin as NSString).lastPathComponent.replacingOccurrences(of: "@", with: "-")) + ".spec"
                try AtomicFileWriter.write(loaded.content, to: path)
            }
            misses.append((collected.count, key, path))
            collected.append(Collected(source: source, content: loaded.content, outcome: SpecParseOutcome(error: "not parsed")))
        }
        statistics.parsed = misses.count
        // Longest specs first: the slow ones start early and the short ones fill the gaps at the end,
        // so no worker is left alone with a big spec while the others idle.
        misses.sort { collected[$0.index].content.count > collected[$1.index].content.count }
        let outcomes = try await parse(misses.map(\.path), progress: progress)
        for (miss, outcome) in zip(misses, outcomes) {
            collected[miss.index].outcome = outcome
            cache.store(miss.key, outcome)
        }
        return (collected, statistics)
    }

    /// Parses `paths`, in worker processes when there is an executable to run, keeping the input order.
    func parse(_ paths: [String], progress: (@Sendable (Int, Int) -> Void)?) async throws -> [SpecParseOutcome] {
        guard !paths.isEmpty else { return [] }
        guard let workerExecutable, jobs > 1 || paths.count > 1 else {
            var outcomes: [SpecParseOutcome] = []
            for (number, path) in paths.enumerated() {
                outcomes.append(SpecParseOutcome.parsing(path, options: options))
                progress?(number + 1, paths.count)
            }
            return outcomes
        }
        // Chunks small enough to balance the load and show progress, big enough to amortise starting a process.
        let chunkSize = max(1, min(64, paths.count / (jobs * 4)))
        let chunks = stride(from: 0, to: paths.count, by: chunkSize).map { $0..<min($0 + chunkSize, paths.count) }
        var outcomes = Array(repeating: SpecParseOutcome(error: "not parsed"), count: paths.count)
        var done = 0
        let options = self.options
        try await withThrowingTaskGroup(of: (Range<Int>, [SpecParseOutcome]).self) { group in
            var next = 0
            func launch() {
                let chunk = chunks[next]
                next += 1
                let chunkPaths = Array(paths[chunk])
                group.addTask {
                    (chunk, try await Self.runWorker(workerExecutable, SpecParseRequest(options: options, paths: chunkPaths)))
                }
            }
            while next < min(jobs, chunks.count) { launch() }
            while let (chunk, results) = try await group.next() {
                for (offset, outcome) in results.enumerated() { outcomes[chunk.lowerBound + offset] = outcome }
                done += chunk.count
                progress?(done, paths.count)
                if next < chunks.count { launch() }
            }
        }
        return outcomes
    }

    /// Runs one worker to completion; specs it did not answer (it crashed) get an error naming the exit.
    static func runWorker(_ executable: String, _ request: SpecParseRequest) async throws -> [SpecParseOutcome] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do { continuation.resume(returning: try runWorkerBlocking(executable, request)) }
                catch { continuation.resume(throwing: error) }
            }
        }
    }

    private static func runWorkerBlocking(_ executable: String, _ request: SpecParseRequest) throws -> [SpecParseOutcome] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["_parse-specs"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        // Specs run shell snippets (%(...)) whose complaints would drown the real errors; rpm's own errors come back in the replies.
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw GooseError.io(path: executable, reason: "cannot start a spec parser: \(error)") }
        // The worker reads all of its input before it writes anything, so this order cannot deadlock.
        try? input.fileHandleForWriting.write(contentsOf: try JSONEncoder().encode(request))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var outcomes = Array(repeating: SpecParseOutcome(error: "spec parser process exited with status \(process.terminationStatus) before reaching this spec"), count: request.paths.count)
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) {
            if let reply = try? decoder.decode(SpecParseReply.self, from: Data(line)), reply.index < outcomes.count {
                outcomes[reply.index] = reply.outcome
            }
        }
        return outcomes
    }
}
