import Foundation

/// Signs many RPMs: in this process, or spread over `jobs` worker processes (`goose _sign-worker`), because
/// librpm's macro state is process-wide and each package's gpg run is the slow part.
public enum RPMSigningRun {
    /// The RPM files named: files as given, directories searched for `*.rpm` (recursively, hidden entries skipped).
    public static func collect(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            if FileSystem.isDirectory(argument) {
                SigningStaging.removeAbandoned(in: argument)
                files += try packages(under: argument)
            } else if FileSystem.exists(argument) {
                let directory = (argument as NSString).deletingLastPathComponent
                SigningStaging.removeAbandoned(in: directory.isEmpty ? "." : directory)
                files.append(argument)
            } else {
                throw GooseError.io(path: argument, reason: "no such file or directory")
            }
        }
        var seen = Set<String>()
        return files.filter { seen.insert(FileSystem.absolute($0)).inserted }
    }

    /// The `*.rpm` entries below `directory` as paths under it, sorted by their path relative to it; hidden entries are
    /// skipped and symbolic links to directories not followed. One readdir per directory and no stat per file (a
    /// FileManager enumerator stats every entry: ~30 ms for 500 packages).
    static func packages(under directory: String) throws -> [String] {
        var found: [String] = []
        func walk(_ opened: Directory, _ relative: String) throws {
            for entry in try opened.entries() where !entry.name.hasPrefix(".") {
                let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
                if entry.isDirectory {
                    try walk(try opened.subdirectory(entry.name), path)
                } else if entry.name.hasSuffix(".rpm") {
                    found.append(path)
                }
            }
        }
        try walk(try Directory(directory, followingSymbolicLink: true), "")
        return found.sorted().map { directory + "/" + $0 }
    }

    /// Signs `files`; `report` is called once per file as it finishes (from any thread). The key and the
    /// passphrase are checked before the first file is touched.
    /// `detail` hears how the run is set up (for --verbose).
    public static func run(files: [String], settings: RPMSigningSettings, passphrase: Passphrase?, jobs: Int,
                           workerExecutable: String?, detail: (String) -> Void = { _ in },
                           report: @escaping @Sendable (RPMSignResult) -> Void) throws -> [RPMSignResult] {
        let workerCount = min(jobs, files.count)
        // Workers start while this process checks the key; they touch nothing until they get the checked settings.
        var idleWorkers: [SignWorkerProcess] = []
        if workerCount > 1, let workerExecutable {
            for _ in 0..<workerCount { idleWorkers.append(try SignWorkerProcess(executable: workerExecutable)) }
        }
        defer { for worker in idleWorkers { worker.finish() } }
        // The further workers' gpg-agents start while the key is checked (below); unusable ones are stopped.
        let launching = DispatchGroup()
        nonisolated(unsafe) var launched: [PrivateAgent] = []
        if workerCount > 1 && !idleWorkers.isEmpty {
            DispatchQueue.global().async(group: launching) { launched = RPMSigner.launchPrivateAgents(count: workerCount - 1, settings: settings) }
        }
        defer { launching.wait() }
        let signer: RPMSigner
        do { signer = try RPMSigner(settings: settings, passphrase: passphrase) } catch {
            launching.wait()
            for agent in launched { agent.stop() }
            throw error
        }
        if let reason = signer.agentUnavailableReason {
            detail("method auto: one gpg per package, as gpg-agent cannot sign for goose: \(reason)")
        }
        // Batches share one flush to disk (and, with the agent method, one rpmsign run); small enough that
        // progress moves and every worker gets work.
        let largest = signer.effectiveMethod == .agent ? 64 : 16
        let batchSize = max(1, min(largest, files.count / max(1, workerCount * 4)))
        guard !idleWorkers.isEmpty else {
            var results: [RPMSignResult] = []
            for start in stride(from: 0, to: files.count, by: batchSize) {
                for result in signer.sign(Array(files[start..<min(files.count, start + batchSize)])) {
                    report(result)
                    results.append(result)
                }
            }
            return results
        }
        let queue = SigningBatchQueue(files, batchSize: batchSize, workers: workerCount)
        let workerSettings = signer.workerSettings()
        // gpg-agent makes one signature at a time: the first worker uses the user's agent, each other one an agent
        // of its own over the same key files, so that signatures are computed on as many cores as there are workers.
        launching.wait()
        let agents = signer.startPrivateAgents(launched)
        defer { for agent in agents { agent.stop() } }
        let sockets = agents.map(\.socket)
        if signer.effectiveMethod == .agent {
            detail(agents.isEmpty ? "one gpg-agent signs for \(workerCount) workers"
                   : "\(agents.count + 1) gpg-agents sign for \(workerCount) workers (\(agents.count) started over the same key files)")
        }
        let failure = FirstFailure()
        let workers = idleWorkers
        idleWorkers = []
        // Each worker is driven by one blocking thread (pipe I/O); concurrentPerform bounds them to --jobs.
        DispatchQueue.concurrentPerform(iterations: workerCount) { index in
            let worker = workers[index]
            defer { worker.finish() }
            do {
                var settings = workerSettings
                if index > 0, index <= sockets.count { settings.agentSocket = sockets[index - 1] }
                try worker.start(settings: settings)
                while let (start, batch) = queue.next() {
                    let results = try worker.sign(batch)
                    for (offset, result) in results.enumerated() {
                        queue.store(result, at: start + offset)
                        report(result)
                    }
                }
            } catch {
                failure.record(error)
            }
        }
        // The signer (and the public key file the workers read) lives until every worker is done.
        withExtendedLifetime(signer) {}
        if let error = failure.error { throw error }
        return queue.results.compactMap { $0 }
    }
}

/// The files left to sign and the results so far, shared by the threads that drive the workers.
/// Batches shrink towards the end (a share of what is left), so that the workers finish together instead of one
/// signing a whole last batch while the others wait.
final class SigningBatchQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let files: [String]
    private let batchSize: Int
    private let workers: Int
    private var nextIndex = 0
    private(set) var results: [RPMSignResult?]

    init(_ files: [String], batchSize: Int, workers: Int = 1) {
        self.files = files
        self.batchSize = batchSize
        self.workers = max(1, workers)
        results = Array(repeating: nil, count: files.count)
    }

    /// How many files the next batch takes when `remaining` are left: at most `batchSize`, at most half of
    /// every worker's share of the rest, at least an eighth of `batchSize` (each batch costs one rpmsign start
    /// and one flush).
    static func size(remaining: Int, batchSize: Int, workers: Int) -> Int {
        let smallest = max(1, batchSize / 8)
        return min(remaining, min(batchSize, max(smallest, remaining / (2 * workers))))
    }

    /// The next batch and the index of its first file.
    func next() -> (Int, [String])? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < files.count else { return nil }
        let end = nextIndex + Self.size(remaining: files.count - nextIndex, batchSize: batchSize, workers: workers)
        defer { nextIndex = end }
        return (nextIndex, Array(files[nextIndex..<end]))
    }

    func store(_ result: RPMSignResult, at index: Int) {
        lock.lock(); defer { lock.unlock() }
        results[index] = result
    }
}

/// The first error any worker thread met.
final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?

    func record(_ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if self.error == nil { self.error = error }
    }
}

/// One `goose _sign-worker` child: settings (with the passphrase) as the first line of its stdin, then one JSON
/// array of paths per line; it answers each batch with one JSON line. When goose dies, the worker's stdin closes and it exits after
/// the package in hand, which is renamed into place whole or not at all.
/// Driven by one thread at a time (the one signing through it), hence unchecked.
final class SignWorkerProcess: @unchecked Sendable {
    private let process: ChildProcess.Running
    private let output: LineReader

    /// Starts the worker; it waits for its settings.
    init(executable: String) throws {
        do { process = try ChildProcess(executable, ["_sign-worker"], input: .pipe, output: .pipe, error: .inherit).spawn() } catch {
            throw GooseError.io(path: executable, reason: "cannot start signing worker: \(error)")
        }
        output = LineReader(process.output)
    }

    /// Hands the worker the checked settings; returns when it is ready to sign.
    func start(settings: RPMSigningSettings) throws {
        try send(JSONEncoder().encode(settings))
        // The worker checks the key itself and says "ready" or why not.
        guard let line = output.next() else { throw GooseError.signing("signing worker exited before it was ready") }
        let answer = try JSONDecoder().decode(SignWorkerAnswer.self, from: Data(line.utf8))
        if let error = answer.error { throw GooseError.signing(error) }
    }

    private func send(_ data: Data) throws {
        do { try (data + Data("\n".utf8)).withUnsafeBytes { try FileSystem.writeAll($0, to: process.input, path: "signing worker") } } catch {
            throw GooseError.signing("signing worker stopped: \(error)")
        }
    }

    func sign(_ files: [String]) throws -> [RPMSignResult] {
        try send(JSONEncoder().encode(files))
        guard let line = output.next() else { throw GooseError.signing("signing worker exited while signing \(files[0])") }
        guard let answer = try? JSONDecoder().decode(SignWorkerAnswer.self, from: Data(line.utf8)) else {
            throw GooseError.signing("signing worker answered '\(line.prefix(200))'")
        }
        guard let results = answer.results, results.count == files.count else {
            throw GooseError.signing(answer.error ?? "signing worker gave no result for \(files[0])")
        }
        return results
    }

    /// Closes the worker's input (it exits after the batch in hand) and waits for it; asked again, returns at once.
    func finish() {
        process.closeInput()
        process.wait()
    }
}

/// A worker's answer: ready (neither field), a result, or an error that stops it.
struct SignWorkerAnswer: Codable {
    var results: [RPMSignResult]?
    var error: String?
}

/// The worker side of `goose _sign-worker`.
public enum SignWorker {
    /// Reads settings, then paths, from stdin; writes one JSON answer per line to stdout.
    public static func serve() {
        // A worker stops when goose does, however goose stopped (SIGTERM, SIGINT, a crash): it would otherwise sign and
        // rename the rest of its batch unobserved. Every file is whole at any moment, so exiting at once is safe; the
        // next run removes the scratch directory. (PR_SET_PDEATHSIG fires when the spawning *thread* exits, which a
        // dispatch thread may do in the middle of a run, so the parent is watched instead.)
        let parent = getppid()
        Thread.detachNewThread {
            while getppid() == parent { usleep(20_000) }
            _exit(143)
        }
        // Answers go to a private copy of stdout; what librpm or gpg might print goes to stderr instead,
        // where it cannot corrupt the protocol.
        let answers = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        fcntl(answers, F_SETFD, FD_CLOEXEC)
        let input = LineReader(STDIN_FILENO)
        // No gpgme here: the parent checked the key, and agent sessions speak Assuan through libassuan, so a worker
        // runs none of gpgme's engine discovery (gpgconf, gpg, gpgsm).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func answer(_ value: SignWorkerAnswer) {
            guard let data = try? encoder.encode(value) else { return }
            (data + Data("\n".utf8)).withUnsafeBytes { try? FileSystem.writeAll($0, to: answers, path: "stdout") }
        }
        guard let first = input.next(), let settings = try? JSONDecoder().decode(RPMSigningSettings.self, from: Data(first.utf8)) else {
            answer(SignWorkerAnswer(error: "signing worker: no settings on standard input"))
            return
        }
        let signer: RPMSigner
        do { signer = try RPMSigner(settings: settings, passphrase: settings.passphrase) } catch {
            answer(SignWorkerAnswer(error: "\(error)"))
            return
        }
        answer(SignWorkerAnswer())
        while let line = input.next() {
            guard let paths = try? JSONDecoder().decode([String].self, from: Data(line.utf8)) else {
                answer(SignWorkerAnswer(error: "signing worker: expected a JSON array of paths"))
                return
            }
            answer(SignWorkerAnswer(results: signer.sign(paths)))
        }
    }
}

/// Reads newline-terminated lines from a descriptor.
final class LineReader {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(_ descriptor: Int32) { self.descriptor = descriptor }

    func next() -> String? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
        }
    }
}
