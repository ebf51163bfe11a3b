import Foundation

/// Where results go: the workspace's builds inventory, or a plain result directory.
public enum BuildDestination: Sendable {
    case inventory(BuildInventory)
    /// `--resultdir`: files land flat in the directory, or in `<dir>/<nvr>/` when `perBuild`.
    case resultDirectory(String, perBuild: Bool)
}

/// What one mock-build input produced.
public struct MockBuildResult: Codable, Sendable {
    public var input: String
    public var nvr: String?
    /// Exit code of this build (mock's codes).
    public var exitCode: Int32
    public var error: String?
    /// Directory the results (or, for a failed build, the logs) are in.
    public var resultDirectory: String?
    public var files: [String] = []
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case input, nvr, error, files, seconds
        case exitCode = "exit_code"
        case resultDirectory = "result_directory"
    }
}

/// `goose mock-build`: builds SRPMs and dist-git checkouts, each in its own root.
public struct MockBuild: Sendable {
    public var configuration: BuildrootConfiguration
    public var options: BuildOptions
    public var destination: BuildDestination
    /// Where roots' scratch directories are made (the workspace's .goose/tmp, else the system's).
    public var scratchDirectory: String
    /// For dist-git inputs: fetches lookaside sources (nil without a workspace).
    public var lookaside: LookasideClient?
    public var jobs = 1

    public init(configuration: BuildrootConfiguration, options: BuildOptions, destination: BuildDestination,
                scratchDirectory: String, lookaside: LookasideClient?) {
        self.configuration = configuration
        self.options = options
        self.destination = destination
        self.scratchDirectory = scratchDirectory
        self.lookaside = lookaside
    }

    /// Builds every input, `jobs` at a time; results come back in input order.
    public func buildAll(_ inputs: [String], report: @escaping @Sendable (MockBuildResult) -> Void = { _ in }) async -> [MockBuildResult] {
        // librpm reads its configuration (rpmrc, the macro files: ~3 ms) beside the first root's set-up, which needs
        // none of it; the SRPM's header is the first thing that does. (goose's command line has started it already.)
        RPMLibrary.startInBackground()
        return await withTaskGroup(of: (Int, MockBuildResult).self) { group in
            var results = [MockBuildResult?](repeating: nil, count: inputs.count)
            for (index, input) in inputs.enumerated() {
                if index >= max(1, jobs), let (finished, result) = await group.next() { results[finished] = result }
                group.addTask {
                    let result = (try? await BlockingWork.run { self.build(input) }) ?? MockBuildResult(input: input, exitCode: 1, seconds: 0)
                    report(result)
                    return (index, result)
                }
            }
            for await (finished, result) in group { results[finished] = result }
            return results.compactMap { $0 }
        }
    }

    /// Builds waves in order: each wave's inputs in parallel; a wave with a failure stops the later ones.
    /// After each wave its binary RPMs join a local repo (createrepo through libcreaterepo_c) that the later
    /// waves' roots install BuildRequires from — mockchain, in order. The repo lives in the scratch area and
    /// goes when the run ends.
    public func buildWaves(_ waves: [[String]], report: @escaping @Sendable (MockBuildResult) -> Void = { _ in }) async -> [MockBuildResult] {
        var results: [MockBuildResult] = []
        var chain = self
        let repository = try? StagingArea.create(in: scratchDirectory, purpose: "wave-repo")
        defer { if let repository { FileSystem.remove(repository) } }
        for (index, wave) in waves.enumerated() {
            let waveResults = await chain.buildAll(wave, report: report)
            results += waveResults
            if waveResults.contains(where: { $0.exitCode != 0 }) { break }
            guard index + 1 < waves.count, let repository else { continue }
            do {
                try Self.addToWaveRepository(repository, results: waveResults)
                let url = "file://" + repository
                if !chain.options.extraRepositories.contains(url) { chain.options.extraRepositories.append(url) }
            } catch {
                let failure = MockBuildResult(input: "wave \(index + 1)", exitCode: MockExitCode.packageManager,
                                              error: "wave \(index + 1): cannot make the wave's repo: \(error)", seconds: 0)
                report(failure)
                results.append(failure)
                break
            }
        }
        return results
    }

    /// Links a wave's binary RPMs into the chain's repo and regenerates its repodata.
    static func addToWaveRepository(_ repository: String, results: [MockBuildResult]) throws {
        for result in results {
            guard let directory = result.resultDirectory else { continue }
            for file in result.files where file.hasSuffix(".rpm") && !file.hasSuffix(".src.rpm") {
                let source = FileSystem.isRegularFile(directory + "/" + file) ? directory + "/" + file
                    : directory + "/" + (file as NSString).lastPathComponent
                let target = repository + "/" + (file as NSString).lastPathComponent
                guard !FileSystem.exists(target) else { continue }
                if link(source, target) != 0 { try FileManager.default.copyItem(atPath: source, toPath: target) }
            }
        }
        let packages = ((try? FileManager.default.contentsOfDirectory(atPath: repository)) ?? []).filter { $0.hasSuffix(".rpm") }
        _ = try RepodataGenerator.generate(repository: repository, packages: packages.map { RepodataPackage(href: $0) }, previous: nil, options: RepodataOptions())
    }

    /// Builds one SRPM or dist-git checkout; never throws, the failure is in the result.
    public func build(_ input: String) -> MockBuildResult {
        let started = Date()
        var result = MockBuildResult(input: input, exitCode: 0, seconds: 0)
        do {
            try buildThrowing(input, started: started, result: &result)
        } catch let error as GooseError {
            result.exitCode = MockExitCode.code(for: error)
            result.error = error.description + (result.resultDirectory.map { " (logs in \($0))" } ?? "")
        } catch {
            result.exitCode = 1
            result.error = "\(input): \(error)" + (result.resultDirectory.map { " (logs in \($0))" } ?? "")
        }
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    func buildThrowing(_ input: String, started: Date, result: inout MockBuildResult) throws {
        let absolute = FileSystem.absolute(input)
        let isSourcePackage = FileSystem.isRegularFile(absolute)
        guard isSourcePackage || FileSystem.isDirectory(absolute) else {
            throw GooseError.buildFailed(subject: input, reason: "no such SRPM or dist-git directory", code: MockExitCode.commandLine)
        }
        try FileSystem.createDirectory(scratchDirectory)
        let root = try Buildroot(configuration: configuration, options: options,
                                 directory: try StagingArea.create(in: scratchDirectory, purpose: "root"),
                                 cacheDirectory: Self.cacheDirectory(scratchDirectory: scratchDirectory),
                                 sandboxFilesDirectory: Self.sandboxFilesDirectory(scratchDirectory: scratchDirectory))
        var sourcePackage = absolute
        var sourceCommit: String?
        var failure: Error?
        var package: RPMPackage?
        do {
            try root.prepareRoot()
            if !isSourcePackage {
                (sourcePackage, sourceCommit) = try makeSourcePackage(checkout: absolute, root: root)
            }
            package = try RPMPackageReader.read(sourcePackage)
            guard package!.isSource else {
                throw GooseError.invalidPackage(file: input, reason: "not a source package")
            }
            result.nvr = "\(package!.nevra.name)-\(package!.nevra.evr.version)-\(package!.nevra.evr.release)"
            if case let .inventory(inventory) = destination,
               let existing = try inventory.record(name: package!.nevra.name, version: package!.nevra.evr.version, release: package!.nevra.evr.release),
               existing.state == .complete {
                // Checked before building, so that a rebuild of a published NVR wastes no time.
                throw GooseError.workspace("build \(existing.nvr) already exists in \(inventory.directory(of: existing))")
            }
            try root.rebuild(sourcePackage: sourcePackage, package: package!, sourceDateEpoch: package!.changelogTime ?? package!.buildTime)
        } catch {
            failure = error
        }
        let finished = Date()
        if let failure {
            root.clean()
            let code = (failure as? GooseError).map(MockExitCode.code(for:)) ?? 1
            // A build that ran and failed is recorded (state failed, logs); one refused before is not.
            if case let .inventory(inventory) = destination, let package, [MockExitCode.buildFailed, MockExitCode.timeout, MockExitCode.packageManager].contains(code) {
                result.resultDirectory = try? publish(package: package, root: root, sourcePackage: nil, sourceCommit: sourceCommit,
                                                      started: started, finished: finished, exitStatus: code, inventory: inventory).directory
            } else {
                result.resultDirectory = try? keepFailedLogs(root: root, nvr: result.nvr ?? (input as NSString).lastPathComponent, beforeBuild: result.nvr == nil)
            }
            throw failure
        }
        guard let package else { return }
        switch destination {
        case let .inventory(inventory):
            do {
                let (directory, files) = try publish(package: package, root: root, sourcePackage: sourcePackage, sourceCommit: sourceCommit,
                                                     started: started, finished: finished, exitStatus: 0, inventory: inventory)
                result.files = files
                result.resultDirectory = directory
            }
        case let .resultDirectory(directory, perBuild):
            let target = perBuild ? directory + "/" + result.nvr! : directory
            do { try FileSystem.createDirectory(target) } catch {
                throw GooseError.buildFailed(subject: target, reason: "cannot create the result directory: \(error)", code: MockExitCode.resultDirectory)
            }
            // Assemble beside the target, then move each file in: a killed run leaves whole files only.
            let staging: String
            do { staging = try FileSystem.makeTemporaryDirectory(in: target, prefix: ".goose-result.") } catch {
                let cause = if case let GooseError.io(_, reason) = error { reason } else { "\(error)" }
                throw GooseError.buildFailed(subject: target, reason: "result directory not writable: \(cause)", code: MockExitCode.resultDirectory)
            }
            defer { FileSystem.remove(staging) }
            let files = try root.collect(sourcePackage: sourcePackage, into: staging, flat: true)
            root.clean()
            try root.copyLogs(into: staging)
            // Each file replaces its old version by rename (whole files only after a kill); the directory is
            // synced once at the end rather than after every rename.
            for file in files + BuildLogs.names {
                if FileSystem.isDirectory(target + "/" + file) { FileSystem.remove(target + "/" + file) }
                guard rename(staging + "/" + file, target + "/" + file) == 0 else {
                    throw GooseError.buildFailed(subject: target + "/" + file, reason: "cannot move the result into place: \(String(cString: strerror(errno)))", code: MockExitCode.resultDirectory)
                }
            }
            FileSystem.syncDirectory(of: target + "/build.log")
            result.files = files
            result.resultDirectory = target
        }
    }

    /// Publishes a build into the inventory by one rename: its RPMs (none for a failed build), logs and build.json.
    func publish(package: RPMPackage, root: Buildroot, sourcePackage: String?, sourceCommit: String?, started: Date, finished: Date,
                 exitStatus: Int32, inventory: BuildInventory) throws -> (directory: String, files: [String]) {
        let evr = package.nevra.evr
        let staging = try inventory.makeStagingDirectory(for: "\(package.nevra.name)-\(evr.version)-\(evr.release)")
        do {
            let files = try sourcePackage.map { try root.collect(sourcePackage: $0, into: staging) } ?? []
            root.clean()
            try root.copyLogs(into: staging + "/logs")
            var record = BuildRecord(name: package.nevra.name, epoch: evr.epoch, version: evr.version, release: evr.release,
                                     origin: .built, state: exitStatus == 0 ? .complete : .failed, sourceCommit: sourceCommit,
                                     buildroot: "\(configuration.name) \(configuration.hash)", started: started, finished: finished)
            record.exitStatus = exitStatus
            record.artifacts = try files.map { try Self.artifact(path: $0, in: staging) }
            try inventory.publish(record, stagedDirectory: staging, replacingFailed: true)
            return (inventory.directory(of: record), files)
        } catch {
            FileSystem.remove(staging)
            throw error
        }
    }

    /// An artifact entry for build.json, read back through librpm.
    static func artifact(path: String, in directory: String) throws -> BuildArtifact {
        let package = try RPMPackageReader.read(directory + "/" + path)
        let evr = package.nevra.evr
        return BuildArtifact(path: path, name: package.nevra.name, epoch: evr.epoch, version: evr.version, release: evr.release,
                             arch: package.nevra.arch, sha256: try ContentDigest.hexDigest(ofFile: directory + "/" + path, algorithm: .sha256))
    }

    /// Keeps the logs of a build that failed before it had an NVR (or went to a result directory):
    /// the result directory, or the workspace's `.goose/failed-builds/<name>/`.
    /// `beforeBuild`: the input was refused before it had an NVR (not an SRPM, damaged); its logs then do not replace
    /// those of an earlier build in the result directory (the one-line error says what was wrong).
    func keepFailedLogs(root: Buildroot, nvr: String, beforeBuild: Bool = false) throws -> String {
        let target: String
        switch destination {
        case let .inventory(inventory):
            target = (inventory.root as NSString).deletingLastPathComponent + "/.goose/failed-builds/" + nvr
        case let .resultDirectory(directory, perBuild):
            target = perBuild ? directory + "/" + nvr : directory
            if beforeBuild && FileSystem.exists(target + "/build.log") {
                throw GooseError.io(path: target, reason: "holds an earlier build's logs, kept")
            }
        }
        try root.copyLogs(into: target)
        return target
    }

    /// A dist-git checkout's SRPM: lookaside sources fetched (and verified), then `rpmbuild -bs` in the sandbox.
    func makeSourcePackage(checkout directory: String, root: Buildroot) throws -> (String, String?) {
        let package = DistGitCheckout.packageName(in: directory, explicit: nil)
        let (checkout, entries) = try DistGitCheckout.sourcesIndex(directory: directory, package: package)
        try root.logs.phase("lookaside fetch") {
            for entry in entries {
                if let lookaside {
                    let record = try LookasideFetch.fetchOne(entry, package: package, checkout: checkout, client: lookaside)
                    root.logs.root("lookaside \(entry.checkoutPath): \(record.status)")
                } else {
                    let path = directory + "/" + entry.checkoutPath
                    guard FileSystem.isRegularFile(path), try ContentDigest.hexDigest(ofFile: path, algorithm: entry.hashType) == entry.hash else {
                        throw GooseError.lookaside("\(path): missing or wrong hash, and no workspace to fetch it from")
                    }
                }
            }
        }
        let spec: String, sources: String
        switch checkout.layout {
        case .fedora: (spec, sources) = (directory + "/\(package).spec", directory)
        case .centos: (spec, sources) = (directory + "/SPECS/\(package).spec", directory + "/SOURCES")
        }
        guard FileSystem.isRegularFile(spec) else { throw GooseError.io(path: spec, reason: "no spec file in the dist-git checkout") }
        let commit = try? GitRepository.open(directory).resolve("HEAD")?.description
        // Without a %changelog, the spec's modification time: stable for one checkout.
        let epoch = Self.specChangelogEpoch(spec)
            ?? ((try? FileManager.default.attributesOfItem(atPath: spec)[.modificationDate]) as? Date).map { Int($0.timeIntervalSince1970) }
        let made = try root.buildSourcePackage(spec: spec, sourceDirectory: sources, sourceDateEpoch: epoch)
        return (made, commit)
    }

    /// The newest %changelog date of a spec (`* Tue May 14 2024 …`), for a reproducible SRPM.
    static func specChangelogEpoch(_ spec: String) -> Int? {
        guard let text = try? String(contentsOfFile: spec, encoding: .utf8),
              let range = text.range(of: "%changelog") else { return nil }
        for line in text[range.upperBound...].split(separator: "\n") where line.hasPrefix("* ") {
            let words = line.dropFirst(2).split(separator: " ")
            guard words.count >= 4 else { return nil }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "EEE MMM d yyyy"
            return formatter.date(from: words[0...3].joined(separator: " ")).map { Int($0.timeIntervalSince1970) }
        }
        return nil
    }

    /// The root cache beside the scratch area: `.goose/roots` in a workspace.
    public static func cacheDirectory(scratchDirectory: String) -> String {
        (scratchDirectory as NSString).deletingLastPathComponent + "/roots"
    }

    /// The files every sandbox shares (its passwd and group), beside the root cache: `.goose/sandbox` in a workspace.
    public static func sandboxFilesDirectory(scratchDirectory: String) -> String {
        (scratchDirectory as NSString).deletingLastPathComponent + "/sandbox"
    }

    /// Scratch space without a workspace: `$TMPDIR/goose-mock-build-<uid>/tmp`, refused unless the
    /// per-user directory is a real directory owned by this user (not another user's planted symlink).
    public static func privateScratchDirectory() throws -> String {
        let base = NSTemporaryDirectory() + "goose-mock-build-\(getuid())"
        if mkdir(base, 0o700) != 0 && errno != EEXIST { throw GooseError.errno(base, "cannot create scratch directory") }
        var info = stat()
        guard lstat(base, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid() else {
            throw GooseError.io(path: base, reason: "not a directory owned by this user; remove it")
        }
        try FileSystem.createDirectory(base + "/tmp")
        return base + "/tmp"
    }

    /// Parses `goose build-order --format waves`: one line per wave, `wave 2: bash glibc {cycle 1: gcc binutils}`
    /// (the members of a cycle build in its wave), or bare names separated by spaces; blank lines and `#` comments
    /// skipped.
    public static func parseWaves(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { line in
                var body = Substring(line)
                if body.hasPrefix("wave "), let colon = body.firstIndex(of: ":"),
                   body[body.index(body.startIndex, offsetBy: 5)..<colon].allSatisfy({ $0 == " " || $0.isNumber }) {
                    body = body[body.index(after: colon)...]
                }
                var names: [String] = []
                var words = body.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
                while let word = words.popFirst() {
                    // `{cycle 1:` opens a cycle's group: the word and its number are labels, not packages.
                    if word == "{cycle" { _ = words.popFirst(); continue }
                    let name = word.trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
                    if !name.isEmpty { names.append(name) }
                }
                return names
            }
    }

    /// Maps each wave's package names to SRPMs among `candidates` (SRPM files or directories of them), by
    /// the name in the SRPM's header; a name without an SRPM is an error.
    public static func resolveWaves(_ waves: [[String]], candidates: [String]) throws -> [[String]] {
        var byName: [String: String] = [:]
        for candidate in candidates {
            let files = FileSystem.isDirectory(candidate)
                ? ((try? FileManager.default.contentsOfDirectory(atPath: candidate)) ?? []).sorted().filter { $0.hasSuffix(".src.rpm") }.map { candidate + "/" + $0 }
                : [candidate]
            for file in files {
                let package = try RPMPackageReader.read(file)
                byName[package.nevra.name] = file
            }
        }
        return try waves.map { wave in
            try wave.map { name in
                guard let file = byName[name] else {
                    throw GooseError.buildFailed(subject: name, reason: "no SRPM for this package among the inputs", code: MockExitCode.commandLine)
                }
                return file
            }
        }
    }
}
