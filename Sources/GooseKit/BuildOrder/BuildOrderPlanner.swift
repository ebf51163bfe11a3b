import Foundation

/// Everything `goose build-order` needs: collect and parse the specs, resolve, analyse, and look again at cycles
/// with `--with bootstrap` where a spec has that conditional.
public struct BuildOrderPlanner: Sendable {
    public var collector: SpecCollector
    public var repositories: [String]
    public var directOnly: Bool

    public init(collector: SpecCollector, repositories: [String] = [], directOnly: Bool = false) {
        self.collector = collector
        self.repositories = repositories
        self.directOnly = directOnly
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
        var repository: [RepositoryBinary] = []
        for directory in repositories { repository += try RepositoryProvides.load(directory: directory) }

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
                    packages[position].bootstrapBuildRequires = spec.buildRequires
                }
            }
            analysis = BuildGraphBuilder(sources: packages, repository: repository, directOnly: directOnly).analyze()
        }
        return Plan(analysis: analysis, packages: packages, failures: failures, warnings: warnings, statistics: statistics)
    }

    private static func source(for package: SourcePackage, among sources: [SpecSource]) throws -> SpecSource {
        guard let source = sources.first(where: { $0.origin == package.origin }) else {
            throw GooseError.usage("build-order: lost track of \(package.origin)")
        }
        return source
    }
}
