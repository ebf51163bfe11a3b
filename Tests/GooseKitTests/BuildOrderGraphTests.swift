import XCTest
@testable import GooseKit

/// The graph logic of build-order on in-memory packages: no files.
final class BuildOrderGraphTests: XCTestCase {
    private func dependency(_ text: String) -> Dependency {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 3, !text.hasPrefix("(") else { return Dependency(name: text) }
        let flags: DependencyFlags
        switch parts[1] {
        case ">=": flags = [.greater, .equal]
        case "<=": flags = [.less, .equal]
        case ">": flags = .greater
        case "<": flags = .less
        default: flags = .equal
        }
        return Dependency(name: parts[0], flags: flags, version: parts[2])
    }

    /// A source package `name` at `version` building `binaries` (name → requires), each providing `extra` too.
    private func source(_ name: String, version: String = "1.0", buildRequires: [String] = [],
                        binaries: [String: [String]]? = nil, provides: [String: [String]] = [:]) -> SourcePackage {
        let built = binaries ?? [name: []]
        let packages = built.keys.sorted().map { binary in
            SpecBinaryPackage(name: binary,
                              provides: [Dependency(name: binary, flags: .equal, version: version + "-1")] + (provides[binary] ?? []).map(dependency),
                              requires: built[binary]!.map(dependency))
        }
        return SourcePackage(origin: name + ".spec",
                             spec: ParsedSpec(name: name, evr: EVR(version: version, release: "1"),
                                              buildRequires: buildRequires.map(dependency), packages: packages))
    }

    func testVersionedBuildRequiresUseLibrpmComparison() {
        let sources = [
            source("app", buildRequires: ["foo-devel >= 2.0", "bar-devel < 3"]),
            source("foo", version: "1.5", binaries: ["foo": [], "foo-devel": []]),
            source("foo2", version: "2.1", binaries: ["foo2": []], provides: ["foo2": ["foo-devel = 2.1-1"]]),
            source("bar", version: "3.0", binaries: ["bar-devel": []]),
        ]
        let analysis = BuildGraphBuilder(sources: sources).analyze()
        let edges = analysis.graph.edges.map { "\($0.from)->\($0.to)" }
        XCTAssertEqual(edges, ["app->foo2"], "foo 1.5 is too old, bar 3.0 too new")
        XCTAssertEqual(analysis.externals.map(\.dependency), ["bar-devel < 3"])
        XCTAssertTrue(dependency("foo >= 1:1.0").isSatisfied(by: dependency("foo = 1:1.0-1")))
        XCTAssertFalse(dependency("foo >= 1:1.0").isSatisfied(by: dependency("foo = 2.0-1")), "epoch 0 < epoch 1")
    }

    func testRichDependenciesParseAndResolve() {
        let rich = RichDependency.parse(Dependency(name: "(foo >= 2 or (bar and baz))"))
        XCTAssertEqual(rich?.atoms.map(\.description), ["foo >= 2", "bar", "baz"])
        let sources = [
            source("app", buildRequires: ["(python3-devel or python2-devel)", "(tex if texlive)", "(a-lib and b-lib)"]),
            source("python3", binaries: ["python3-devel": []]),
            source("tex"),
            source("alib", binaries: ["a-lib": []]),
            source("blib", binaries: ["b-lib": []]),
        ]
        let analysis = BuildGraphBuilder(sources: sources).analyze()
        XCTAssertEqual(Set(analysis.graph.edges.map(\.to)), ["python3", "alib", "blib"], "tex is only needed if texlive is present")
    }

    func testRuntimeClosureAddsSourcesOfRequiresUnlessDirectOnly() {
        let sources = [
            source("app", buildRequires: ["libb-devel"]),
            source("libb", binaries: ["libb-devel": ["libc-core >= 1"]]),
            source("libc", binaries: ["libc-core": ["libd-data"]]),
            source("libd", binaries: ["libd-data": []]),
        ]
        let full = BuildGraphBuilder(sources: sources).analyze()
        XCTAssertEqual(Set(full.graph.edges.filter { $0.from == "app" }.map(\.to)), ["libb", "libc", "libd"])
        XCTAssertTrue(full.graph.edges.contains { $0.to == "libc" && $0.dependency.contains("libb-devel Requires: libc-core >= 1") })
        let direct = BuildGraphBuilder(sources: sources, directOnly: true).analyze()
        XCTAssertEqual(direct.graph.edges.map(\.to), ["libb"])
    }

    func testCycleIsOneWaveWithFeedbackArcSetAndOrAvoidsIt() {
        let sources = [
            source("gcc", buildRequires: ["glibc-devel"], binaries: ["gcc": ["libgcc"], "libgcc": []]),
            source("glibc", buildRequires: ["gcc"], binaries: ["glibc-devel": []]),
            source("tool", buildRequires: ["(gcc or clang)"]),
            source("clang"),
            source("make", buildRequires: ["(gcc or clang)"]),
            source("app", buildRequires: ["make", "tool"]),
        ]
        let analysis = BuildGraphBuilder(sources: sources).analyze()
        XCTAssertEqual(analysis.cycles.map(\.members), [["gcc", "glibc"]])
        XCTAssertEqual(analysis.cycles[0].breakingEdges.count, 1)
        XCTAssertTrue(analysis.cycles[0].exact)
        let result = BuildOrderResult.from(analysis)
        XCTAssertEqual(result.waves, [["clang", "gcc", "glibc"], ["make", "tool"], ["app"]])
        XCTAssertEqual(BuildOrderFormatter.render(result, format: .chain), "clang gcc glibc : make tool : app\n")
        XCTAssertEqual(BuildOrderFormatter.render(result, format: .waves), "wave 1: clang {cycle 1: gcc glibc}\nwave 2: make tool\nwave 3: app\n")
        XCTAssertTrue(BuildOrderFormatter.cycleReport(result).contains("gcc BuildRequires: glibc-devel (from glibc)"))
    }

    func testFeedbackArcSetIsMinimalOnSmallComponentsAndBreaksBigOnes() {
        // Two 2-cycles sharing node 0 need two removals; a triangle one.
        let twoCycles = FeedbackArcSet.compute(nodes: [0, 1, 2], edges: [(0, 1), (1, 0), (0, 2), (2, 0)])
        XCTAssertEqual(twoCycles.edges.count, 2)
        XCTAssertEqual(FeedbackArcSet.compute(nodes: [0, 1, 2], edges: [(0, 1), (1, 2), (2, 0)]).edges.count, 1)
        var generator = SplitMixGenerator(seed: 7)
        let nodes = Array(0..<60)
        var edges: [(Int, Int)] = (0..<60).map { ($0, ($0 + 1) % 60) }
        for _ in 0..<120 { edges.append((Int.random(in: 0..<60, using: &generator), Int.random(in: 0..<60, using: &generator))) }
        edges = edges.filter { $0.0 != $0.1 }
        let big = FeedbackArcSet.compute(nodes: nodes, edges: edges)
        XCTAssertFalse(big.exact)
        let removed = big.edges.map { "\($0.0)-\($0.1)" }
        XCTAssertTrue(FeedbackArcSet.isAcyclic(nodes: nodes, edges: edges.filter { !removed.contains("\($0.0)-\($0.1)") }))
    }

    /// In every output, every edge goes from a later wave to an earlier one (the needed package first), except inside a cycle.
    func testPropertyEveryEdgeRespectsWavesExceptInsideCycles() throws {
        var generator = SplitMixGenerator(seed: 42)
        for round in 0..<60 {
            let count = Int.random(in: 2...80, using: &generator)
            let names = (0..<count).map { "p\($0)" }
            var edges: [BuildEdge] = []
            for _ in 0..<Int.random(in: 0...(count * 3), using: &generator) {
                let from = Int.random(in: 0..<count, using: &generator), to = Int.random(in: 0..<count, using: &generator)
                edges.append(BuildEdge(from: names[from], to: names[to], dependency: "\(names[to])-devel"))
            }
            let sources = names.map { name in
                source(name, buildRequires: edges.filter { $0.from == name }.map(\.dependency), binaries: [name + "-devel": []])
            }
            let analysis = BuildGraphBuilder(sources: sources).analyze()
            var selections = [BuildOrderSelection()]
            let picked = Array(names.shuffled(using: &generator).prefix(Int.random(in: 1...count, using: &generator)))
            selections.append(BuildOrderSelection(subset: picked))
            selections.append(BuildOrderSelection(subset: picked, includeBetween: true))
            selections.append(BuildOrderSelection(reverseDependenciesOf: [picked[0]]))
            for selection in selections {
                let result = try selection.apply(to: analysis)
                let fromText = wavesFromText(BuildOrderFormatter.render(result, format: .waves))
                let fromChain = BuildOrderFormatter.render(result, format: .chain).trimmingCharacters(in: .newlines)
                    .components(separatedBy: " : ").map { Set($0.split(separator: " ").map(String.init)) }
                XCTAssertEqual(fromText.map(Set.init), result.waves.map(Set.init))
                XCTAssertEqual(fromChain, result.waves.map(Set.init))
                var waveOf: [String: Int] = [:]
                for (number, wave) in result.waves.enumerated() { for name in wave { waveOf[name] = number } }
                var cycleOf: [String: Int] = [:]
                for (number, scc) in result.sccs.enumerated() { for name in scc { cycleOf[name] = number } }
                // Every edge of the whole graph whose ends are both shown, including edges through hidden packages.
                for edge in analysis.graph.edges {
                    guard let from = waveOf[edge.from], let to = waveOf[edge.to] else { continue }
                    if let a = cycleOf[edge.from], a == cycleOf[edge.to] {
                        XCTAssertEqual(from, to, "round \(round): cycle members share a wave")
                    } else {
                        XCTAssertGreaterThan(from, to, "round \(round): \(edge.from) needs \(edge.to)")
                    }
                }
                // Paths through packages not shown are respected too.
                let reach = analysis.graph
                for name in waveOf.keys {
                    let index = reach.index(of: name)!
                    for target in DependencyGraph.reachable(from: [index], adjacency: reach.successors) where target != index {
                        let targetName = reach.names[target]
                        guard let to = waveOf[targetName], cycleOf[targetName] == nil || cycleOf[targetName] != cycleOf[name] else { continue }
                        XCTAssertGreaterThanOrEqual(waveOf[name]!, to)
                    }
                }
            }
        }
    }

    private func wavesFromText(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { line in
            let body = line[line.index(after: line.firstIndex(of: ":")!)...]
            return body.replacingOccurrences(of: "{", with: " ").replacingOccurrences(of: "}", with: " ")
                .split(separator: " ").filter { !$0.hasPrefix("cycle") && !$0.hasSuffix(":") }.map(String.init)
        }
    }

    func testSubsetPullsInPackagesBetweenAndRdepsListsRebuilds() throws {
        let sources = [
            source("a", buildRequires: ["b"]),
            source("b", buildRequires: ["c"]),
            source("c"),
            source("d", buildRequires: ["c"]),
            source("e"),
        ]
        let analysis = BuildGraphBuilder(sources: sources).analyze()
        let subset = try BuildOrderSelection(subset: ["a", "c"]).apply(to: analysis)
        XCTAssertEqual(subset.waves, [["c"], ["a"]])
        XCTAssertEqual(subset.pulledIn, ["b"])
        let between = try BuildOrderSelection(subset: ["a", "c"], includeBetween: true).apply(to: analysis)
        XCTAssertEqual(between.waves, [["c"], ["b"], ["a"]])
        let rebuilds = try BuildOrderSelection(reverseDependenciesOf: ["c"]).apply(to: analysis)
        XCTAssertEqual(rebuilds.waves, [["c"], ["b", "d"], ["a"]])
        XCTAssertThrowsError(try BuildOrderSelection(subset: ["nope"]).apply(to: analysis))
    }

    func testDotAndJSONFormats() throws {
        let analysis = BuildGraphBuilder(sources: [source("a", buildRequires: ["b"]), source("b")]).analyze()
        let result = BuildOrderResult.from(analysis)
        XCTAssertTrue(BuildOrderFormatter.render(result, format: .dot).contains("\"a\" -> \"b\" [label=\"b\"];"))
        let json = try JSONSerialization.jsonObject(with: Data(BuildOrderFormatter.render(result, format: .json).utf8)) as? [String: Any]
        XCTAssertEqual(json?["waves"] as? [[String]], [["b"], ["a"]])
        XCTAssertEqual((json?["edges"] as? [[String: String]])?.first, ["from": "a", "to": "b", "dependency": "b"])
        XCTAssertNotNil(json?["externals"])
        XCTAssertNotNil(json?["sccs"])
        XCTAssertEqual(BuildOrderFormatter.render(result, format: .list), "b\na\n")
    }

    func testSyntheticThreeThousandPackageGraph() {
        let sources = SyntheticBuildGraph.sources(count: 3000, seed: 1)
        let start = Date()
        let analysis = BuildGraphBuilder(sources: sources).analyze()
        let elapsed = Date().timeIntervalSince(start)
        print("synthetic 3,000-package graph: \(analysis.graph.edges.count) edges, \(analysis.cycles.count) cycles, \(Set(analysis.waveOfNode).count) waves in \(Int(elapsed * 1000)) ms (debug build)")
        XCTAssertFalse(analysis.cycles.isEmpty)
        XCTAssertEqual(analysis.graph.names.count, 3000)
    }
}
