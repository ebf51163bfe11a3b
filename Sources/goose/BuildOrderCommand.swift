import ArgumentParser
import Foundation
import GooseKit

extension BuildOrderFormat: ExpressibleByArgument {}

struct BuildOrderCommand: AsyncParsableCommand, StartsWithRPM {
    static let configuration = CommandConfiguration(
        commandName: "build-order",
        abstract: "Order source packages for building: waves, cycles, externals.",
        discussion: """
        Reads spec files (a FILE.spec, a package directory <dir>/<dir>.spec, or a tree of package \
        directories), SRPMs, or with --branch every dist-git repository of the workspace (read from \
        git, no checkout). Specs are parsed by librpm's spec parser with your macros, in parallel \
        worker processes, and cached by content (a second run parses nothing unchanged).

        An edge A -> B means A needs B built first: a BuildRequires of A is provided (version \
        checked by librpm) by a binary of B, or — unless --direct-only — by a binary in the runtime \
        closure (Requires, transitively) of such a binary. Provider rule when several match: a binary \
        built here over one only --repo has; then the binary whose name is the dependency; then the \
        alphabetically first source. For `(a or b)` an alternative outside the requester's cycle wins. \
        --verbose prints each such choice and the parse cache statistics. Cycles are listed on stderr with their edges and the fewest \
        edges that break them (exact for small cycles, greedy for large ones), marking those that \
        disappear when the spec is parsed --with bootstrap.

        --repo takes a repository directory or an http://, https:// or file:// URL; URLs are fetched \
        with libcurl (repomd.xml, then the primary metadata it names, checked against its checksum) \
        and kept in the cache by checksum. Specs with %generate_buildrequires get more BuildRequires \
        only when built: goose orders them by their static BuildRequires, notes them (the \
        "dynamicBuildRequires" field in JSON), and takes the full list from `rpmbuild -br` SRPMs \
        (NAME-V-R.buildreqs.nosrc.rpm) given with --dynamic-buildrequires. --json is --format json. \
        --workspace is read only with --branch, and to keep the parse cache in its .goose/cache.

        Exit status: 0; 4 when some spec failed to parse (the others are still ordered) or an input is not \
        what it claims; 5 when a --repo primary does not match repomd.xml's checksum; 6 when a --repo URL \
        cannot be fetched; 2 on usage errors; 1 on I/O errors.

        Examples:
          goose build-order ~/specs
          goose build-order --define 'dist .el9' --define 'rhel 9' --format chain ~/specs
          goose build-order --branch c9 --format json > order.json
          goose build-order --subset bash readline --include-between ~/specs
          goose build-order --rdeps openssl ~/specs
          goose build-order --repo /srv/repos/el9/latest/x86_64 --externals ~/specs
          goose build-order --repo https://mirror.example.org/el9/BaseOS/x86_64/os ~/specs
          goose build-order --dynamic-buildrequires ~/buildreqs ~/specs
        """)

    // The workspace is read only for --branch and the parse cache; without either, none is needed.
    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "Spec files, package directories, trees of package directories, or SRPMs.")
    var inputs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Read each dist-git repository of the workspace at this branch.", valueName: "branch"))
    var branch: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Define a macro, as rpmbuild --define.", valueName: "'name value'"))
    var define: [String] = []

    @Option(name: .customLong("with"), help: ArgumentHelp("Enable a conditional, as rpmbuild --with.", valueName: "name"))
    var withConditionals: [String] = []

    @Option(name: .customLong("without"), help: ArgumentHelp("Disable a conditional, as rpmbuild --without.", valueName: "name"))
    var withoutConditionals: [String] = []

    @Option(name: .long, help: ArgumentHelp("Load a macro file (repeatable).", valueName: "file"))
    var macros: [String] = []

    @Option(name: .long, help: ArgumentHelp("Repository of built binaries (a repodata directory or an http(s)/file URL) for provides that exist only after a build.", valueName: "dir|url"))
    var repo: [String] = []

    @Option(name: .customLong("dynamic-buildrequires"), help: ArgumentHelp("`rpmbuild -br` SRPMs (*.buildreqs.nosrc.rpm, or a directory of them) with the BuildRequires that %generate_buildrequires specs generate.", valueName: "file|dir"))
    var dynamicBuildRequires: [String] = []

    @Option(name: .long, help: "Output format: waves, chain, list, dot or json.")
    var format: BuildOrderFormat = .waves


    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Order only these packages, through the whole graph (takes every word up to the next option).", valueName: "name"))
    var subset: [String] = []

    @Flag(name: .long, help: "With --subset, also list the packages between the chosen ones.")
    var includeBetween = false

    @Option(name: .long, help: ArgumentHelp("Show what must be rebuilt when this package changes, in order.", valueName: "name"))
    var rdeps: [String] = []

    @Flag(name: .long, help: "List the dependencies no input provides (the base buildroot's job).")
    var externals = false

    @Flag(name: .long, help: "Only direct BuildRequires edges, without the runtime closure of the providers.")
    var directOnly = false

    @Option(name: [.short, .long], help: ArgumentHelp("Spec parser processes to run at once (default: number of cores).", valueName: "n"))
    var jobs: Int?

    @Flag(name: .long, help: "Parse everything again, ignoring the cache (the cache is still refreshed).")
    var noCache = false

    func run() async throws {
        guard !inputs.isEmpty || branch != nil else { throw GooseError.usage("build-order: give spec files or directories, SRPMs, or --branch") }
        let jobs = self.jobs ?? ProcessInfo.processInfo.activeProcessorCount
        guard jobs > 0 else { throw GooseError.usage("--jobs must be at least 1") }
        let workspace = workspaceOptions.workspace, quiet = output.quiet, verbose = output.verbose
        let openedWorkspace: Workspace? = branch != nil || workspace != nil ? try Workspace.locate(explicit: workspace) : nil
        var sources = try SpecSource.discover(inputs)
        if let branch, let openedWorkspace { sources += try SpecSource.distGit(workspace: openedWorkspace, branch: branch) }
        let options = SpecMacroOptions(definitions: define, withConditionals: withConditionals,
                                       withoutConditionals: withoutConditionals, macroFiles: macros.map(FileSystem.absolute))
        let cacheDirectory = SpecParseCache.defaultDirectory(workspaceRoot: openedWorkspace?.root)
        let collector = SpecCollector(options: options, cache: SpecParseCache(directory: cacheDirectory, reading: !noCache),
                                      workerExecutable: Self.executablePath(), jobs: jobs)
        let fetcher = RepositoryMetadataFetcher(cacheDirectory: RepositoryMetadataFetcher.defaultDirectory(workspaceRoot: openedWorkspace?.root))
        let planner = BuildOrderPlanner(collector: collector, repositories: repo, repositoryFetcher: fetcher, directOnly: directOnly,
                                        dynamicBuildRequires: dynamicBuildRequires.map(FileSystem.absolute))
        let bar = ProgressBar(total: sources.count, label: "parsing specs", enabled: !quiet && isatty(STDERR_FILENO) != 0)
        let plan = try await planner.plan(sources) { done, _ in bar.advance(current: "\(done) parsed") }
        bar.finish()
        let selection = BuildOrderSelection(subset: subset, includeBetween: includeBetween, reverseDependenciesOf: rdeps)
        let result = try selection.apply(to: plan.analysis)

        for failure in plan.failures { Console.error(failure) }
        if !quiet {
            for warning in plan.warnings { Console.error("warning: " + warning) }
            if verbose {
                for choice in plan.analysis.providerChoices { Console.error("provider: " + choice) }
                Console.error("specs: \(sources.count), parsed \(plan.statistics.parsed), from cache \(plan.statistics.cached) (\(cacheDirectory))")
            }
        }
        let chosenFormat = output.json ? .json : format
        if externals && chosenFormat != .json {
            for external in result.externals {
                let provider = external.providedBy.map { " [repo: \($0)]" } ?? ""
                Console.line("\(external.dependency)\t\(external.neededBy.joined(separator: " "))\(provider)")
            }
        } else {
            Console.write(Data(BuildOrderFormatter.render(result, format: chosenFormat).utf8))
        }
        if !quiet && chosenFormat != .json {
            if !result.pulledIn.isEmpty && !includeBetween {
                Console.error("note: ordered through packages not listed: \(result.pulledIn.joined(separator: " ")) (--include-between lists them)")
            }
            for note in BuildOrderFormatter.dynamicBuildRequiresNotes(result) { Console.error(note) }
            let report = BuildOrderFormatter.cycleReport(result)
            if !report.isEmpty { Console.writeError(Data(report.utf8)) }
        }
        if !plan.failures.isEmpty {
            throw GooseError.invalidPackage(file: "build-order", reason: "\(plan.failures.count) of \(sources.count) specs failed to parse (listed above)")
        }
    }

    /// This goose binary, which the spec parser workers run as `goose _parse-specs`.
    static func executablePath() -> String? {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first
        return path.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
    }
}

/// The worker behind `goose build-order`: parses the specs named on standard input (after a line of options), one JSON line per spec.
/// librpm's macros are process-wide, so parallel parsing needs processes, not threads.
struct ParseSpecsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_parse-specs",
        abstract: "Internal: parse specs for build-order (JSON on stdin and stdout).",
        shouldDisplay: false)

    func run() throws {
        try SpecParseWorker.serve(input: STDIN_FILENO) { line in Console.write(line) }
    }
}

/// For bench/build-order.sh: times the graph, cycles and waves of a generated distribution.
struct BuildOrderSyntheticBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_bench-build-order-graph",
        abstract: "Internal: time build-order's graph on a generated distribution.",
        shouldDisplay: false)

    @Option(help: "Source packages to generate.")
    var packages = 3000

    func run() throws {
        let sources = SyntheticBuildGraph.sources(count: packages, seed: 1)
        let start = DispatchTime.now()
        let cpuStart = Self.processorTime()
        let analysis = BuildGraphBuilder(sources: sources).analyze()
        let result = BuildOrderResult.from(analysis)
        _ = BuildOrderFormatter.render(result, format: .waves)
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
        let cpuMilliseconds = (Self.processorTime() - cpuStart) * 1000
        let buildRequires = sources.reduce(0) { $0 + $1.spec.buildRequires.count }
        // CPU time too: on a shared, loaded machine the wall clock measures the neighbours.
        Console.line(String(format: "%d packages, %d BuildRequires, %d edges, %d cycles (largest %d), %d waves: %.1f ms (CPU %.1f ms)",
                            packages, buildRequires, analysis.graph.edges.count, analysis.cycles.count,
                            analysis.cycles.map(\.members.count).max() ?? 0, result.waves.count, milliseconds, cpuMilliseconds))
    }

    /// Seconds of CPU this process has used.
    static func processorTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// For bench/build-order.sh: the floor under any first run, librpm's spec parser alone, spec after spec in one process.
struct ParseSpecsFloorBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_bench-parse-specs",
        abstract: "Internal: time librpm's spec parser alone over specs, in this one process.",
        shouldDisplay: false)

    @Option(name: .shortAndLong, help: "Define a macro, as rpmbuild --define.")
    var define: [String] = []

    @Argument(help: "Spec files, package directories or trees of them.")
    var inputs: [String]

    func run() throws {
        let options = SpecMacroOptions(definitions: define)
        let paths = try SpecSource.discover(inputs).compactMap { source -> String? in
            if case let .file(path) = source { return path }
            return nil
        }
        let start = DispatchTime.now()
        var parsed = 0
        let hostMacros = SpecParser.hostConstantMacros(options: options)
        for path in paths where (try? SpecParser.parse(path: path, options: options, hostMacros: hostMacros)) != nil { parsed += 1 }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        var own = rusage(), children = rusage()
        getrusage(RUSAGE_SELF.rawValue, &own)
        getrusage(RUSAGE_CHILDREN.rawValue, &children)
        func cpu(_ usage: rusage) -> Double {
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        // Children are the spec's and rpm's own %(...) shell-outs.
        Console.line(String(format: "%d of %d specs parsed in %.2f s (CPU: %.2f s in librpm and goose, %.2f s in %%(...) shell-outs)",
                            parsed, paths.count, seconds, cpu(own), cpu(children)))
    }
}

