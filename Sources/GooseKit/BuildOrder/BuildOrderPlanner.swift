import Foundation

/// Everything `goose build-order` needs: collect and parse the specs, resolve, analyse, and look again at cycles
/// with `--with bootstrap` where a spec has that conditional.
public struct BuildOrderPlanner: Sendable {
    public var collector: SpecCollector
    /// `--repo` directories or URLs.
    public var repositories: [String]
    /// Fetches and caches the primary metadata of repository URLs.
    public var repositoryFetcher: RepositoryMetadataFetcher?
    public var directOnly: Bool
    /// `rpmbuild -br` SRPMs (`*.buildreqs.nosrc.rpm`, or directories of them) holding generated BuildRequires.
    public var dynamicBuildRequires: [String]

    public init(collector: SpecCollector, repositories: [String] = [], repositoryFetcher: RepositoryMetadataFetcher? = nil,
                directOnly: Bool = false, dynamicBuildRequires: [String] = []) {
        self.collector = collector
        self.repositories = repositories
        self.repositoryFetcher = repositoryFetcher
        self.directOnly = directOnly
        self.dynamicBuildRequires = dynamicBuildRequires
    }

    /// The analysis, every spec that failed (one line each), duplicates dropped, and cache statistics.
    public struct Plan: Sendable {
        public var analysis: BuildOrderAnalysis
        public var packages: [SourcePackage]
        public var failures: [String]
        public var warnings: [String]
        public var statistics: SpecCollector.Statistics
    }

    public func plan(_ sources: [SpecSource], progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> Plan {
        let (collected, statistics) = try await collector.collect(sources, progress: progress)
        var failures: [String] = []
        var warnings: [String] = []
        var packages: [SourcePackage] = []
        var contents: [String: Data] = [:]
        var positionByName: [String: Int] = [:]
        for item in collected {
            guard let spec = item.outcome.spec else {
                let reason = item.outcome.error ?? "unknown error"
                failures.append(reason.hasPrefix(item.source.origin) ? reason : "\(item.source.origin): \(reason)")
                continue
            }
            if let earlier = positionByName[spec.name] {
                // One name, one build in a tag: keep the newest version, as koji would tag it.
                let kept = packages[earlier]
                let newer = spec.evr > kept.spec.evr
                warnings.append("\(spec.name) is defined by both \(kept.origin) and \(item.source.origin); using \(newer ? item.source.origin : kept.origin)")
                if newer {
                    packages[earlier] = SourcePackage(origin: item.source.origin, spec: spec)
                    contents[spec.name] = item.content
                }
                continue
            }
            positionByName[spec.name] = packages.count
            packages.append(SourcePackage(origin: item.source.origin, spec: spec))
            contents[spec.name] = item.content
        }
        var generated: [Int: [Dependency]] = [:]
        for path in try Self.buildRequiresPackages(dynamicBuildRequires) {
            let (name, evr, requires) = try Self.readBuildRequires(path)
            guard let position = positionByName[name] else {
                warnings.append("\(path): no input spec is named \(name); its BuildRequires are not used")
                continue
            }
            if evr < packages[position].spec.evr || packages[position].spec.evr < evr {
                warnings.append("\(path) is \(name)-\(evr) but \(packages[position].origin) is \(name)-\(packages[position].spec.evr)")
            }
            let extra = requires.filter { !packages[position].spec.buildRequires.contains($0) }
            packages[position].spec.buildRequires += extra
            packages[position].dynamicBuildRequiresOrigin = path
            generated[position] = extra
        }
        var repository: [RepositoryBinary] = []
        let fetcher = repositoryFetcher ?? RepositoryMetadataFetcher(cacheDirectory: RepositoryMetadataFetcher.defaultDirectory(workspaceRoot: nil))
        for location in repositories {
            repository += try await BlockingWork.run { try RepositoryProvides.load(location: location, fetcher: fetcher) }
        }

        var analysis = BuildGraphBuilder(sources: packages, repository: repository, directOnly: directOnly).analyze()
        // Cycles: parse their members again with --with bootstrap, when the spec has such a conditional.
        let bootstrapCandidates = analysis.cycles.flatMap(\.members).filter { name in
            guard let text = contents[name] else { return false }
            return String(decoding: text, as: UTF8.self).contains("bootstrap")
        }
        if !bootstrapCandidates.isEmpty && !collector.options.withConditionals.contains("bootstrap") {
            var bootstrapCollector = collector
            bootstrapCollector.options = collector.options.adding(with: "bootstrap")
            let chosen = bootstrapCandidates.compactMap { name in positionByName[name].map { (name, packages[$0]) } }
            let chosenSources = try chosen.map { _, package in try Self.source(for: package, among: sources) }
            let (reparsed, _) = try await bootstrapCollector.collect(chosenSources)
            for ((name, _), item) in zip(chosen, reparsed) {
                if let spec = item.outcome.spec, let position = positionByName[name] {
                    // Generated BuildRequires came from a normal build; bootstrapping does not drop them.
                    packages[position].bootstrapBuildRequires = spec.buildRequires + (generated[position] ?? [])
                }
            }
            analysis = BuildGraphBuilder(sources: packages, repository: repository, directOnly: directOnly).analyze()
        }
        return Plan(analysis: analysis, packages: packages, failures: failures, warnings: warnings, statistics: statistics)
    }

    /// The files behind `--dynamic-buildrequires`: each file as given, each directory's `*.buildreqs.nosrc.rpm`.
    static func buildRequiresPackages(_ paths: [String]) throws -> [String] {
        try paths.flatMap { path -> [String] in
            if FileSystem.isRegularFile(path) { return [path] }
            guard FileSystem.isDirectory(path) else { throw GooseError.io(path: path, reason: "no such file or directory") }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return entries.filter { $0.hasSuffix(".buildreqs.nosrc.rpm") }.sorted().map { path + "/" + $0 }
        }
    }

    /// Name, version and BuildRequires of an `rpmbuild -br` SRPM: its Requires, static and generated, without rpmlib().
    static func readBuildRequires(_ path: String) throws -> (String, EVR, [Dependency]) {
        let package = try RPMPackageReader.read(path)
        guard package.isSource else {
            throw GooseError.invalidPackage(file: path, reason: "not a source RPM (rpmbuild -br writes NAME-VERSION-RELEASE.buildreqs.nosrc.rpm)")
        }
        return (package.nevra.name, package.nevra.evr, package.requires.filter { !$0.name.hasPrefix("rpmlib(") })
    }

    private static func source(for package: SourcePackage, among sources: [SpecSource]) throws -> SpecSource {
        guard let source = sources.first(where: { $0.origin == package.origin }) else {
            throw GooseError.usage("build-order: lost track of \(package.origin)")
        }
        return source
    }
}
