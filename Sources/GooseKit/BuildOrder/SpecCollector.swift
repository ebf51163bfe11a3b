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
    static func parsing(_ path: String, options: SpecMacroOptions, hostMacros: HostConstantMacros?) -> SpecParseOutcome {
        do {
            return SpecParseOutcome(spec: try SpecParser.parse(path: path, options: options, hostMacros: hostMacros))
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

    /// SHA-256 over the spec text, the files it may read (`includedFiles`, by name), the options, the macro files'
    /// contents, librpm's version and the cache format.
    public static func key(content: Data, options: SpecMacroOptions, includedFiles: [String: Data] = [:]) -> String {
        let digest = ContentDigest(.sha256)
        digest.update(Data(formatVersion.utf8))
        digest.update(content)
        // Length-prefixed, so that no two different sets of files hash alike.
        for name in includedFiles.keys.sorted() {
            let data = includedFiles[name]!
            digest.update(Data("\u{0}\(name.utf8.count):\(name)\(data.count):".utf8))
            digest.update(data)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        digest.update((try? encoder.encode(options)) ?? Data())
        for file in options.macroFiles { digest.update((try? FileSystem.contents(of: file)) ?? Data()) }
        digest.update(Data(RPMLibrary.version.utf8))
        return digest.finalizeHex()
    }

    private func path(_ key: String) -> String? {
        directory.map { "\($0)/\(key.prefix(2))/\(key).json" }
    }

    public func load(_ key: String) -> SpecParseOutcome? {
        guard reading, let path = path(key), let data = try? FileSystem.contents(of: path) else { return nil }
        return try? JSONDecoder().decode(SpecParseOutcome.self, from: data)
    }

    /// Stores one result without fsync: an entry lost in a crash is only parsed again, and a torn one cannot be
    /// read back (it fails to decode), while 1,000 fsyncs cost a first run more than the parsing itself.
    public func store(_ key: String, _ outcome: SpecParseOutcome) {
        guard reading, let path = path(key), let data = try? JSONEncoder().encode(outcome) else { return }
        let directory = (path as NSString).deletingLastPathComponent
        if !FileSystem.isDirectory(directory) { try? FileSystem.createDirectory(directory) }
        guard let writer = try? AtomicFileWriter(destination: path) else { return }
        do {
            try writer.write(data)
            try writer.commit(durable: false)
        } catch {
            writer.abandon()
        }
    }
}

/// The worker side of `goose _parse-specs`: the first input line is the `SpecMacroOptions` as JSON, then one spec
/// path per line; for each path it prints the `SpecParseOutcome` as one JSON line, as soon as it is parsed.
///
/// A worker lives for the whole run and parses spec after spec, so librpm and the goose binary are loaded once
/// per core rather than once per spec or chunk; the parent hands out the next spec when a worker answers.
public enum SpecParseWorker {
    public static func serve(input: Int32, write: (Data) -> Void) throws {
        // The same line reader as the signing workers' (Signing/RPMSigningRun.swift).
        let reader = LineReader(input)
        guard let header = reader.next() else { return }
        let options = try JSONDecoder().decode(SpecMacroOptions.self, from: Data(header.utf8))
        let encoder = JSONEncoder()
        let hostMacros = SpecParser.hostConstantMacros(options: options)
        while let path = reader.next() {
            let outcome = SpecParseOutcome.parsing(path, options: options, hostMacros: hostMacros)
            write(((try? encoder.encode(outcome)) ?? Data("{\"error\":\"cannot encode the result\"}".utf8)) + Data("\n".utf8))
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
            let loaded: (content: Data, companions: [String: Data])
            do {
                loaded = try source.load()
            } catch {
                collected.append(Collected(source: source, content: Data(), outcome: SpecParseOutcome(error: "\(error)")))
                continue
            }
            let key = SpecParseCache.key(content: loaded.content, options: options,
                                         includedFiles: source.filesReadByParsing(content: loaded.content, companions: loaded.companions))
            if let hit = cache.load(key) {
                statistics.cached += 1
                collected.append(Collected(source: source, content: loaded.content, outcome: hit))
                continue
            }
            var path: String
            if case let .file(filePath) = source {
                path = filePath
            } else {
                // Specs from git or SRPMs get a file of their own, beside the small files they came with (rpm's
                // %_sourcedir is the spec's directory, so %include %{SOURCE1} works): rpmSpecParse reads only files.
                let directory = "\(scratch)/\(collected.count)"
                try FileSystem.createDirectory(directory)
                for (name, data) in loaded.companions where !name.contains("/") && name != "." && name != ".." {
                    try Self.writeScratch(data, to: directory + "/" + name)
                }
                path = directory + "/" + ((source.origin as NSString).lastPathComponent.replacingOccurrences(of: "@", with: "-")) + ".spec"
                try Self.writeScratch(loaded.content, to: path)
            }
            misses.append((collected.count, key, path))
            collected.append(Collected(source: source, content: loaded.content, outcome: SpecParseOutcome(error: "not parsed")))
        }
        statistics.parsed = misses.count
        // Longest specs first: the slow ones start early and the short ones fill the gaps at the end,
        // so no worker is left alone with a big spec while the others idle.
        misses.sort { collected[$0.index].content.count > collected[$1.index].content.count }
        let cache = self.cache
        let keys = misses.map(\.key)
        let outcomes = try await parse(misses.map(\.path), store: { number, outcome in cache.store(keys[number], outcome) }, progress: progress)
        for (miss, outcome) in zip(misses, outcomes) { collected[miss.index].outcome = outcome }
        return (collected, statistics)
    }

    /// Writes a scratch file, which lives only for this run: no fsync.
    private static func writeScratch(_ data: Data, to path: String) throws {
        let writer = try AtomicFileWriter(destination: path)
        try writer.write(data)
        try writer.commit(durable: false)
    }

    /// Parses `paths` in `jobs` long-lived worker processes (in this process when there is no executable), keeping
    /// the input order; each result is handed to `store` as it arrives, so the cache fills while parsing goes on.
    func parse(_ paths: [String], store: @escaping @Sendable (Int, SpecParseOutcome) -> Void,
               progress: (@Sendable (Int, Int) -> Void)?) async throws -> [SpecParseOutcome] {
        guard !paths.isEmpty else { return [] }
        // Even one spec goes to a worker: a spec's shell-outs and a librpm crash must not take goose down with them.
        guard let workerExecutable else {
            var outcomes: [SpecParseOutcome] = []
            let hostMacros = SpecParser.hostConstantMacros(options: options)
            for (number, path) in paths.enumerated() {
                let outcome = SpecParseOutcome.parsing(path, options: options, hostMacros: hostMacros)
                store(number, outcome)
                outcomes.append(outcome)
                progress?(number + 1, paths.count)
            }
            return outcomes
        }
        let queue = SpecWorkQueue(paths: paths, progress: progress)
        let options = self.options
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<min(jobs, paths.count) {
                group.addTask {
                    try await BlockingWork.run { try Self.runWorker(workerExecutable, options: options, queue: queue, store: store) }
                }
            }
            try await group.waitForAll()
        }
        return queue.results()
    }

    /// Feeds one worker process spec after spec until the queue is empty; a worker that dies (a spec crashed
    /// librpm) costs that spec an error, and a fresh worker takes over the rest. Two requests are kept in flight,
    /// so that the worker parses the next spec while this thread decodes and caches the previous answer.
    private static func runWorker(_ executable: String, options: SpecMacroOptions, queue: SpecWorkQueue,
                                  store: @Sendable (Int, SpecParseOutcome) -> Void) throws {
        let header = try JSONEncoder().encode(options) + Data("\n".utf8)
        let decoder = JSONDecoder()
        let depth = 2
        // Handed out but not answered, oldest first; a fresh worker gets these again before new ones.
        var retry: [(Int, String)] = []
        func nextSpec() -> (Int, String)? { retry.isEmpty ? queue.next() : retry.removeFirst() }
        var pending = nextSpec()
        while pending != nil {
            // Specs run shell snippets (%(...)) whose complaints would drown the real errors; rpm's own errors come back in the replies.
            let worker: ChildProcess.Running
            do { worker = try ChildProcess(executable, ["_parse-specs"], input: .pipe, output: .pipe).spawn() } catch {
                throw GooseError.io(path: executable, reason: "cannot start a spec parser: \(error)")
            }
            let requests = worker.input
            let replies = LineReader(worker.output)
            var alive = Self.send(header, to: requests)
            var inFlight: [(Int, String)] = []
            while alive, pending != nil || !inFlight.isEmpty {
                while alive, inFlight.count < depth, let request = pending {
                    if Self.send(Data((request.1 + "\n").utf8), to: requests) {
                        inFlight.append(request)
                        pending = nextSpec()
                    } else {
                        alive = false
                    }
                }
                guard alive, let line = replies.next() else {
                    alive = false
                    break
                }
                let (index, _) = inFlight.removeFirst()
                if let outcome = try? decoder.decode(SpecParseOutcome.self, from: Data(line.utf8)) {
                    store(index, outcome)
                    queue.finish(index, outcome)
                } else {
                    // Not cached: the next run tries again.
                    queue.finish(index, SpecParseOutcome(error: "unreadable reply from the spec parser"))
                }
            }
            worker.closeInput()
            let exitStatus = worker.wait()
            let ending = worker.terminatingSignal.map { "killed by signal \($0)" } ?? "exit status \(exitStatus)"
            if !alive {
                // The worker answers in order, so the oldest unanswered spec is the one it died on. Not cached
                // either: a crash may be the machine's (out of memory), not the spec's.
                if !inFlight.isEmpty {
                    let (index, _) = inFlight.removeFirst()
                    queue.finish(index, SpecParseOutcome(error: "spec parser process died on this spec (\(ending))"))
                } else if let (index, _) = pending {
                    queue.finish(index, SpecParseOutcome(error: "spec parser process died on this spec (\(ending))"))
                    pending = nil
                }
                retry = inFlight + (pending.map { [$0] } ?? []) + retry
                pending = nextSpec()
            }
        }
    }

    /// Writes a whole request to a worker; false when the worker is gone.
    private static func send(_ data: Data, to descriptor: Int32) -> Bool {
        data.withUnsafeBytes { buffer in (try? FileSystem.writeAll(buffer, to: descriptor, path: "spec parser")) != nil }
    }
}

/// The specs still to parse and the results so far, shared by the threads that feed the workers.
final class SpecWorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let paths: [String]
    private var nextIndex = 0
    private var outcomes: [SpecParseOutcome?]
    private var done = 0
    private let progress: (@Sendable (Int, Int) -> Void)?

    init(paths: [String], progress: (@Sendable (Int, Int) -> Void)?) {
        self.paths = paths
        self.outcomes = Array(repeating: nil, count: paths.count)
        self.progress = progress
    }

    /// The next spec to hand out, or nil when all are handed out.
    func next() -> (Int, String)? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < paths.count else { return nil }
        nextIndex += 1
        return (nextIndex - 1, paths[nextIndex - 1])
    }

    func finish(_ index: Int, _ outcome: SpecParseOutcome) {
        lock.lock()
        outcomes[index] = outcome
        done += 1
        let count = done
        lock.unlock()
        progress?(count, paths.count)
    }

    func results() -> [SpecParseOutcome] {
        lock.lock()
        defer { lock.unlock() }
        return outcomes.map { $0 ?? SpecParseOutcome(error: "not parsed") }
    }
}
