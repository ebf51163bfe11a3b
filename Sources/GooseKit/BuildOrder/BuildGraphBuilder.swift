import Foundation

/// One source package to order: what its spec builds and needs.
public struct SourcePackage: Hashable, Sendable, Codable {
    public var origin: String
    public var spec: ParsedSpec
    /// BuildRequires with `--with bootstrap`, when the spec has that conditional and the package sits in a cycle.
    public var bootstrapBuildRequires: [Dependency]?
    /// The `rpmbuild -br` SRPM whose Requires were merged into `spec.buildRequires` (for `%generate_buildrequires`).
    public var dynamicBuildRequiresOrigin: String?

    public var name: String { spec.name }

    public init(origin: String, spec: ParsedSpec, bootstrapBuildRequires: [Dependency]? = nil, dynamicBuildRequiresOrigin: String? = nil) {
        self.origin = origin
        self.spec = spec
        self.bootstrapBuildRequires = bootstrapBuildRequires
        self.dynamicBuildRequiresOrigin = dynamicBuildRequiresOrigin
    }
}

/// A binary package that already exists in a repository (`--repo`), with the source package it came from.
public struct RepositoryBinary: Hashable, Sendable, Codable {
    public var name: String
    public var sourceName: String?
    public var provides: [Dependency]
    public var requires: [Dependency]

    public init(name: String, sourceName: String?, provides: [Dependency], requires: [Dependency]) {
        self.name = name
        self.sourceName = sourceName
        self.provides = provides
        self.requires = requires
    }
}

/// A package whose spec generates BuildRequires at build time (`%generate_buildrequires`).
public struct DynamicBuildRequiresNote: Hashable, Sendable, Codable {
    public var package: String
    /// The `rpmbuild -br` SRPM its generated BuildRequires came from; nil when only the static ones are known.
    public var buildRequiresFrom: String?
}

/// A BuildRequires no source package provides: the base buildroot must.
public struct ExternalDependency: Hashable, Sendable, Codable {
    public var dependency: String
    public var neededBy: [String]
    /// The repository binary that provides it, when `--repo` knows one.
    public var providedBy: String?
}

/// A cycle: its members, the edges inside it, and the fewest edges whose removal breaks it.
public struct CycleReport: Hashable, Sendable, Codable {
    public var members: [String]
    public var edges: [BuildEdge]
    public var breakingEdges: [BuildEdge]
    /// Whether `breakingEdges` is a proven minimum (small components) or a greedy estimate.
    public var exact: Bool
    /// The breaking edges that disappear when the requiring spec is parsed `--with bootstrap`.
    public var bootstrapRemovable: [BuildEdge]
}

/// How the graph was resolved; pure data, printed by `BuildOrderFormatter`.
public struct BuildOrderAnalysis: Sendable {
    public var graph: DependencyGraph
    /// Components dependencies first; singletons included.
    public var components: [[Int]]
    public var waveOfNode: [Int]
    public var cycles: [CycleReport]
    public var externals: [ExternalDependency]
    /// Why one provider was chosen among several (shown with --verbose).
    public var providerChoices: [String]
    /// Packages with `%generate_buildrequires`, or whose BuildRequires came from an `rpmbuild -br` SRPM.
    public var dynamicBuildRequires: [DynamicBuildRequiresNote] = []
}

/// Resolves BuildRequires against the binaries that the given sources (and a repository) provide.
///
/// Provider rule when several binaries satisfy a dependency: a binary built by one of the given sources over one
/// only a repository has; then a binary whose own name is the dependency's name; then the alphabetically first
/// source package and binary name. A source never needs itself: its own binaries are used only when nothing else
/// provides the dependency, and then make no edge. For `(a or b)` an alternative outside the requester's cycle wins.
public struct BuildGraphBuilder {
    struct Binary {
        var name: String
        var source: Int?
        var provides: [Dependency]
        var requires: [Dependency]
    }

    let sources: [SourcePackage]
    private var binaries: [Binary] = []
    private var providers: [String: [(binary: Int, provide: Dependency)]] = [:]
    private let directOnly: Bool
    private let memo = ResolutionMemo()

    /// Results that do not depend on who asks, kept across both passes: matching is the expensive part.
    private final class ResolutionMemo {
        var candidates: [Dependency: [Int]] = [:]
        var rich: [Dependency: RichDependency?] = [:]
        var closures: [Int: [(source: Int, via: String)]] = [:]
        var requires: [Int: [(binary: Int, requirement: String)]] = [:]
        /// Strings of the librpm dependency sets compared (the builder runs on one thread).
        let strings = RPMStringPool()
    }

    public init(sources: [SourcePackage], repository: [RepositoryBinary] = [], directOnly: Bool = false) {
        self.sources = sources
        self.directOnly = directOnly
        var sourceIndex: [String: Int] = [:]
        for (number, source) in sources.enumerated() where sourceIndex[source.name] == nil { sourceIndex[source.name] = number }
        for (number, source) in sources.enumerated() {
            for package in source.spec.packages {
                binaries.append(Binary(name: package.name, source: number, provides: package.provides, requires: package.requires))
            }
        }
        for binary in repository {
            binaries.append(Binary(name: binary.name, source: binary.sourceName.flatMap { sourceIndex[$0] },
                                   provides: binary.provides, requires: binary.requires))
        }
        for (number, binary) in binaries.enumerated() {
            for provide in binary.provides { providers[provide.name, default: []].append((number, provide)) }
        }
    }

    /// The resolved binaries of a dependency, or nil when nothing satisfies it.
    private typealias Resolution = [Int]?

    private struct Context {
        var requester: Int?
        var componentOf: [Int]?
        var choices: [String] = []
        /// Whether an `or` had two usable alternatives (only then can knowing the cycles change the choice).
        var sawAlternatives = false
    }

    private func candidates(_ dependency: Dependency) -> [Int] {
        if let known = memo.candidates[dependency] { return known }
        var result: [Int] = []
        for entry in providers[dependency.name] ?? [] where dependency.isSatisfied(by: entry.provide, strings: memo.strings) {
            if !result.contains(entry.binary) { result.append(entry.binary) }
        }
        memo.candidates[dependency] = result
        return result
    }

    private func choose(_ dependency: Dependency, _ context: inout Context) -> Resolution {
        let found = candidates(dependency)
        guard !found.isEmpty else { return nil }
        let others = found.filter { binaries[$0].source == nil || binaries[$0].source != context.requester }
        guard !others.isEmpty else { return [] }
        if others.count == 1 { return others }
        let ranked = others.sorted { left, right in
            let a = binaries[left], b = binaries[right]
            let keyA = (a.source == nil ? 1 : 0, a.name == dependency.name ? 0 : 1, a.source.map { sources[$0].name } ?? "~", a.name)
            let keyB = (b.source == nil ? 1 : 0, b.name == dependency.name ? 0 : 1, b.source.map { sources[$0].name } ?? "~", b.name)
            return keyA < keyB
        }
        let distinctSources = Set(ranked.compactMap { binaries[$0].source })
        if distinctSources.count > 1 {
            let listed = ranked.map { "\(binaries[$0].name) (\(binaries[$0].source.map { sources[$0].name } ?? "repository"))" }
            context.choices.append("\(dependency): provided by \(listed.joined(separator: ", ")); chose \(listed[0])")
        }
        return [ranked[0]]
    }

    private func resolve(_ tree: RichDependency, _ context: inout Context) -> Resolution {
        switch tree {
        case let .single(dependency):
            return choose(dependency, &context)
        case let .operation(operation, left, right):
            switch operation {
            case "and", "with":
                guard let l = resolve(left, &context), let r = resolve(right, &context) else { return nil }
                return l + r
            case "or":
                let l = resolve(left, &context), r = resolve(right, &context)
                guard let l else { return r }
                guard let r else { return l }
                context.sawAlternatives = true
                if let componentOf = context.componentOf, let requester = context.requester {
                    let inCycle: ([Int]) -> Bool = { resolved in
                        resolved.contains { binary in self.binaries[binary].source.map { componentOf[$0] == componentOf[requester] } ?? false }
                    }
                    if inCycle(l) && !inCycle(r) { return r }
                }
                return l
            case "if":
                // `a if b`: a is needed only when b is available at all.
                var probe = context
                return resolve(right, &probe) == nil ? [] : resolve(left, &context)
            case "unless":
                var probe = context
                return resolve(right, &probe) == nil ? resolve(left, &context) : []
            case "else":
                // `(a if b else c)` arrives as ((a if b) else c).
                if case let .operation(inner, consequence, condition) = left, inner == "if" || inner == "unless" {
                    var probe = context
                    let conditionHolds = (resolve(condition, &probe) != nil) == (inner == "if")
                    return conditionHolds ? resolve(consequence, &context) : resolve(right, &context)
                }
                return resolve(left, &context)
            default: // "without"
                return resolve(left, &context)
            }
        }
    }

    private func resolve(_ dependency: Dependency, _ context: inout Context) -> Resolution {
        if !dependency.isRich { return choose(dependency, &context) }
        let tree: RichDependency?
        if let known = memo.rich[dependency] { tree = known } else {
            tree = RichDependency.parse(dependency)
            memo.rich[dependency] = tree
        }
        guard let tree else { return nil }
        return resolve(tree, &context)
    }

    /// Resolves everything and analyses the graph: edges, cycles, waves, externals.
    public func analyze() -> BuildOrderAnalysis {
        var (edges, externals, roots, choices, sawAlternatives) = buildEdges(componentOf: nil)
        var graph = DependencyGraph(names: sources.map(\.name), numberedEdges: edges)
        var components = graph.stronglyConnectedComponents()
        if sawAlternatives && components.contains(where: { $0.count > 1 }) {
            // Second pass: now that cycles are known, `or` alternatives can avoid them.
            var componentOf = Array(repeating: 0, count: sources.count)
            for (number, component) in components.enumerated() { for node in component { componentOf[node] = number } }
            (edges, externals, roots, choices, _) = buildEdges(componentOf: componentOf)
            graph = DependencyGraph(names: sources.map(\.name), numberedEdges: edges)
            components = graph.stronglyConnectedComponents()
        }
        let waves = graph.waves(components: components)
        // Each edge inside a cycle, bucketed by component in one sweep (a sweep per cycle is quadratic on big graphs).
        var componentOf = Array(repeating: 0, count: sources.count)
        for (number, component) in components.enumerated() { for node in component { componentOf[node] = number } }
        var innerEdges: [Int: [(from: Int, to: Int, edge: BuildEdge)]] = [:]
        for (edge, (from, to)) in zip(graph.edges, graph.endpoints) where componentOf[to] == componentOf[from] {
            innerEdges[componentOf[from], default: []].append((from, to, edge))
        }
        let cycles = components.enumerated().filter { $0.element.count > 1 }.map { number, component in
            cycleReport(component, inner: innerEdges[number] ?? [], roots: roots)
        }
        let dynamic = sources.filter { $0.spec.generatesBuildRequires || $0.dynamicBuildRequiresOrigin != nil }
            .map { DynamicBuildRequiresNote(package: $0.name, buildRequiresFrom: $0.dynamicBuildRequiresOrigin) }
        return BuildOrderAnalysis(graph: graph, components: components, waveOfNode: waves, cycles: cycles,
                                  externals: externals, providerChoices: choices, dynamicBuildRequires: dynamic)
    }

    private func buildEdges(componentOf: [Int]?) -> ([(Int, Int, BuildEdge)], [ExternalDependency], [Int: Dependency], [String], Bool) {
        var edges: [(Int, Int, BuildEdge)] = []
        var roots: [Int: Dependency] = [:]
        var sawAlternatives = false
        var externalNeeds: [String: [String]] = [:]
        var externalProvider: [String: String] = [:]
        var choices: [String] = []
        for (number, source) in sources.enumerated() {
            var context = Context(requester: number, componentOf: componentOf)
            var pending: [(binary: Int, root: Dependency)] = []
            // The first reason for each pair is kept (direct before closure); later ones would be dropped anyway.
            var reached = Set<Int>()
            for requirement in source.spec.buildRequires {
                let resolved = resolve(requirement, &context)
                let ours = resolved?.filter { binaries[$0].source != nil } ?? []
                if resolved == nil || (ours.isEmpty && resolved?.isEmpty == false) {
                    externalNeeds[requirement.description, default: []].append(source.name)
                    if let first = resolved?.first { externalProvider[requirement.description] = binaries[first].name }
                }
                for binary in ours {
                    guard let target = binaries[binary].source, target != number else { continue }
                    pending.append((binary, requirement))
                    guard reached.insert(target).inserted else { continue }
                    edges.append((number, target, BuildEdge(from: source.name, to: sources[target].name, dependency: requirement.description)))
                    roots[number * sources.count + target] = requirement
                }
            }
            if !directOnly {
                for (binary, root) in pending {
                    let rootText = root.description
                    for needed in runtimeClosure(of: binary) where needed.source != number && reached.insert(needed.source).inserted {
                        edges.append((number, needed.source, BuildEdge(from: source.name, to: sources[needed.source].name,
                                                                       dependency: rootText + " → " + needed.via)))
                        roots[number * sources.count + needed.source] = root
                    }
                }
            }
            choices += context.choices
            sawAlternatives = sawAlternatives || context.sawAlternatives
        }
        let externals = externalNeeds.keys.sorted().map {
            ExternalDependency(dependency: $0, neededBy: Array(Set(externalNeeds[$0]!)).sorted(), providedBy: externalProvider[$0])
        }
        return (edges, externals, roots, Array(Set(choices)).sorted(), sawAlternatives)
    }

    /// The sources whose binaries must be installed with `binary` (its Requires, transitively), each with the Requires that pulls it.
    private func runtimeClosure(of start: Int) -> [(source: Int, via: String)] {
        if let known = memo.closures[start] { return known }
        var seen: Set<Int> = [start]
        var pending = [start]
        var result: [(source: Int, via: String)] = []
        var sourcesSeen = Set<Int>()
        while let binary = pending.popLast() {
            for (next, requirement) in directRequires(of: binary) where seen.insert(next).inserted {
                pending.append(next)
                if let source = binaries[next].source, sourcesSeen.insert(source).inserted {
                    result.append((source, "\(binaries[binary].name) Requires: \(requirement)"))
                }
            }
        }
        memo.closures[start] = result
        return result
    }

    /// The binaries a binary's Requires resolve to, chosen without regard to cycles (runtime needs have no bootstrap).
    private func directRequires(of binary: Int) -> [(binary: Int, requirement: String)] {
        if let known = memo.requires[binary] { return known }
        var probe = Context(requester: nil, componentOf: nil)
        var result: [(binary: Int, requirement: String)] = []
        for requirement in binaries[binary].requires {
            for next in resolve(requirement, &probe) ?? [] { result.append((next, requirement.description)) }
        }
        memo.requires[binary] = result
        return result
    }

    private func cycleReport(_ component: [Int], inner edges: [(from: Int, to: Int, edge: BuildEdge)], roots: [Int: Dependency]) -> CycleReport {
        // Edges a `--with bootstrap` parse drops come first, so that among equally small sets the search finds those.
        let disappears: ((from: Int, to: Int, edge: BuildEdge)) -> Bool = { item in
            guard let bootstrap = self.sources[item.from].bootstrapBuildRequires, let root = roots[item.from * self.sources.count + item.to] else { return false }
            return !bootstrap.contains(root)
        }
        let ordered = edges.filter(disappears) + edges.filter { !disappears($0) }
        let inner = ordered.map { ($0.from, $0.to) }
        let innerEdges = ordered.map(\.edge)
        let (breaking, exact) = FeedbackArcSet.compute(nodes: component, edges: inner)
        let breakingEdges = breaking.compactMap { pair in innerEdges[inner.firstIndex { $0 == pair }!] }
        let removable = ordered.filter(disappears).map(\.edge).filter(breakingEdges.contains)
        return CycleReport(members: component.map { sources[$0].name }, edges: innerEdges, breakingEdges: breakingEdges,
                           exact: exact, bootstrapRemovable: removable)
    }
}
