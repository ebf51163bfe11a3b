import ArgumentParser
import Foundation
import GooseKit

struct MockBuildCommand: AsyncParsableCommand, StartsWithRPM {
    static let configuration = CommandConfiguration(
        commandName: "mock-build",
        abstract: "Build source RPMs or dist-git checkouts in clean, isolated, network-less roots.",
        discussion: """
        Each input is built in its own root: bubblewrap namespaces (user, mount, pid, ipc, uts and \
        network: only a private loopback), the root read-only except /builddir and a private /tmp (on the \
        host base, only /usr, /etc, /opt, /var and /bin, /sbin, /lib*: no /home, /root, /srv, …), a clean environment, an unprivileged build \
        user, and the timeout and memory limits. Works as root and as a normal user with no group \
        membership.

        The root is defined by buildroots/<name>.toml in the workspace (--buildroot NAME, default \
        "default") or by --config FILE, with the keys base ("host", "dir:PATH" for an existing EL root, \
        "tarball:PATH" unpacked once into .goose/roots), arch, [macros], repos, packages, network, \
        timeout, memory_limit and releasever. Without a definition, the host's own toolchain is used. \
        Without repos, the SRPM's BuildRequires are checked with the root's rpm; missing ones stop the \
        build (exit 30) unless --allow-missing-deps (on Debian hosts, whose rpmdb is empty, that flag is \
        needed).

        With repos and a dir/tarball base, the host's dnf populates the root before the build (outside \
        the sandbox): the setup packages once into a cached root under .goose/roots (keyed by the base, \
        repos, packages and the repos' repomd.xml; built under a lock, renamed into place), then the \
        BuildRequires the cached root lacks into a hardlinked copy for this build. A BuildRequires no \
        repo provides stops the build with exit 30 and is named in root.log. --no-cache populates a root \
        of the build's own; --scrub root-cache|all removes cached roots not in use.

        A dist-git checkout is first turned into an SRPM: its lookaside sources are fetched and \
        verified, then rpmbuild -bs runs in the sandbox. Builds are reproducible: SOURCE_DATE_EPOCH comes \
        from the newest changelog entry and %_buildhost is fixed.

        With a workspace, results are published by one rename into builds/<name>/<version>/<release>/ \
        (RPMs under <arch>/, the SRPM under src/, logs/ with build.log, root.log, state.log, hw_info.log, \
        installed_pkgs.log, and build.json). A build that fails is recorded there with state "failed" and \
        its logs, and is replaced by the next build of that NVR; a complete build is never overwritten. \
        With --resultdir (needed without a workspace), files land there as mock puts them.

        Exit codes (mock's): 0 success; 3 configuration error; 5 command-line error, or an input that is \
        missing or cannot be built from (not an SRPM or a damaged one, not a dist-git checkout, a \
        lookaside source missing or with the wrong hash); \
        10 build failed; 11 build timed out (all its processes killed); 30 BuildRequires missing; \
        70 result directory unusable; 80 sandbox could not be set up (bubblewrap). With several \
        inputs, the highest code of the failed builds.

        Examples:
          goose mock-build ~/srpms/hello-1.0-1.src.rpm
          goose mock-build --jobs 2 --resultdir /tmp/out a-1-1.src.rpm b-2-1.src.rpm
          goose mock-build --config el9.toml --define 'dist .el9' --nocheck ./bash/
          goose mock-build --from-waves waves.txt ~/srpms/
          goose mock-build --buildroot el9 --no-cache foo-1-1.src.rpm
          goose mock-build --buildroot el9 --scrub root-cache
          goose mock-build --timeout 600 --allow-missing-deps pam_script-1.1.7-1.fc20.src.rpm
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("SRPMs or dist-git checkout directories (with --from-waves: SRPMs or directories of them).", valueName: "srpm|dir"))
    var inputs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Buildroot definition buildroots/<name>.toml in the workspace.", valueName: "name"))
    var buildroot: String?

    @Option(name: .long, help: ArgumentHelp("Buildroot definition file (instead of --buildroot).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Put results here instead of the workspace's builds/.", valueName: "dir"))
    var resultdir: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Builds to run at once, each in its own root.", valueName: "n"))
    var jobs: Int = 1

    @Option(name: .long, help: ArgumentHelp("Build the packages of a `goose build-order --format waves` file, wave by wave; each wave's RPMs form a local repo later waves install BuildRequires from.", valueName: "file"))
    var fromWaves: String?

    @Option(name: .long, help: ArgumentHelp("Enable a bcond (rpmbuild --with).", valueName: "option"))
    var with: [String] = []

    @Option(name: .long, help: ArgumentHelp("Disable a bcond (rpmbuild --without).", valueName: "option"))
    var without: [String] = []

    @Option(name: .long, help: ArgumentHelp("Define an rpm macro: 'name value'.", valueName: "macro"))
    var define: [String] = []

    @Option(name: .long, help: ArgumentHelp("Kill the build (all its processes) after this many seconds; exit 11.", valueName: "seconds"))
    var timeout: Int?

    @Option(name: .long, help: ArgumentHelp("Address-space limit of the build's processes, in MiB.", valueName: "mib"))
    var memoryLimit: Int?

    @Flag(name: .long, help: "Skip %check.")
    var nocheck = false

    @Flag(name: .long, help: "Build even when BuildRequires are missing on the host (rpmbuild --nodeps).")
    var allowMissingDeps = false

    @Flag(name: .long, help: "Keep the root's scratch directory after the build.")
    var keepRoot = false

    @Flag(name: .long, help: "Populate a fresh root for each build instead of using (and filling) the root cache.")
    var noCache = false

    @Option(name: .long, help: ArgumentHelp("Remove cached roots first: 'root-cache' (this definition's populated roots) or 'all'. Alone, only scrubs.", valueName: "what"))
    var scrub: String?

    /// Command-line mistakes exit 5, as mock's do (checked here rather than in validate(), which exits 64).
    func checkArguments() throws {
        func fail(_ reason: String) -> GooseError { .buildFailed(subject: "mock-build", reason: reason, code: MockExitCode.commandLine) }
        if jobs < 1 { throw fail("--jobs must be at least 1") }
        if let timeout, timeout < 0 { throw fail("--timeout must not be negative") }
        if let memoryLimit, memoryLimit < 1 { throw fail("--memory-limit must be at least 1 (MiB)") }
        if buildroot != nil && config != nil { throw fail("give --buildroot or --config, not both") }
        if let scrub, !["root-cache", "all"].contains(scrub) { throw fail("--scrub takes 'root-cache' or 'all'") }
        if inputs.isEmpty && scrub == nil { throw fail("give at least one SRPM or dist-git directory") }
        if let problem = define.lazy.compactMap(BuildOptions.problem(withDefine:)).first { throw fail(problem) }
    }

    func run() async throws {
        try checkArguments()
        // A workspace named by --workspace must open (its error names the path); one looked for may be absent.
        let workspace: Workspace? = workspaceOptions.workspace != nil ? try workspaceOptions.open()
            : resultdir == nil ? try? workspaceOptions.open() : nil
        guard workspace != nil || resultdir != nil || scrub != nil else {
            throw GooseError.buildFailed(subject: "mock-build", reason: "no goose workspace found: give --workspace or --resultdir", code: MockExitCode.commandLine)
        }
        let definition: BuildrootConfiguration
        do {
            definition = try BuildrootConfiguration.resolve(name: buildroot, file: config, workspaceRoot: workspace?.root)
        }
        var options = BuildOptions()
        options.with = with
        options.without = without
        options.defines = define
        options.noCheck = nocheck
        options.allowMissingDependencies = allowMissingDeps
        options.keepRoot = keepRoot
        options.useRootCache = !noCache
        options.timeout = timeout
        options.memoryLimit = memoryLimit.map { Int64($0) * 1_048_576 }
        let destination: BuildDestination
        if inputs.isEmpty {
            destination = .resultDirectory("/nonexistent", perBuild: false)
        } else if let resultdir {
            destination = .resultDirectory(FileSystem.absolute(resultdir), perBuild: inputs.count > 1 || fromWaves != nil)
        } else {
            destination = .inventory(BuildInventory(workspace: workspace!))
        }
        let scratchDirectory = try workspace?.temporaryDirectory ?? MockBuild.privateScratchDirectory()
        if let scrub {
            let removed = RootCache.scrub(cacheDirectory: MockBuild.cacheDirectory(scratchDirectory: scratchDirectory),
                                          configuration: scrub == "all" ? nil : definition)
            if output.json {
                Console.json(["scrubbed": removed])
            } else if !output.quiet {
                Console.line("scrubbed \(removed.count) cached root\(removed.count == 1 ? "" : "s")")
            }
            if inputs.isEmpty { return }
        }
        var mockBuild = MockBuild(configuration: definition, options: options, destination: destination,
                                  scratchDirectory: scratchDirectory,
                                  lookaside: try workspace.map { try LookasideClient(workspace: $0) })
        mockBuild.jobs = jobs
        output.detail("buildroot \(definition.name) (\(definition.arch)), results in " + (resultdir.map(FileSystem.absolute) ?? "\(workspace?.root ?? "?")/builds")
            + ", \(jobs) builds at once, " + (noCache ? "fresh root per build" : "root cache on") + ", scratch \(scratchDirectory)")
        let json = output.json, quiet = output.quiet
        // Lines as builds finish, and a bar on a terminal while several run.
        let progress = json || quiet ? nil : ProgressBar(total: inputs.count, label: "building")
        let report: @Sendable (MockBuildResult) -> Void = { result in
            progress?.finish()
            defer { progress?.advance(current: result.nvr ?? result.input) }
            if json {
                Console.json(result)
            } else if let error = result.error {
                Console.error(error)
            } else if !quiet {
                Console.line(String(format: "built %@ in %.1f s: %@", result.nvr ?? result.input, result.seconds, result.resultDirectory ?? ""))
            }
        }
        let results: [MockBuildResult]
        if let fromWaves {
            let text: String
            do { text = try String(contentsOfFile: fromWaves, encoding: .utf8) } catch {
                throw GooseError.buildFailed(subject: fromWaves, reason: "cannot read the waves file", code: MockExitCode.commandLine)
            }
            let waves = try MockBuild.resolveWaves(MockBuild.parseWaves(text), candidates: inputs)
            results = await mockBuild.buildWaves(waves, report: report)
        } else {
            results = await mockBuild.buildAll(inputs, report: report)
        }
        progress?.finish()
        if let worst = results.map(\.exitCode).max(), worst != 0 {
            throw ExitCode(worst)
        }
    }
}
