import Foundation

/// The `tags/` directory: one plain file per tag, one NVR per line, sorted; inheritance lives in goose.toml.
public struct TagStore: Sendable {
    public let workspace: Workspace
    public var directory: String { workspace.root + "/tags" }

    public init(workspace: Workspace) { self.workspace = workspace }

    public func path(of tag: String) -> String { directory + "/" + tag }

    /// A tag exists when its file exists or goose.toml declares it.
    public func exists(_ tag: String) -> Bool {
        FileSystem.isRegularFile(path(of: tag)) || workspace.configuration.tags[tag] != nil
    }

    /// Every tag, sorted.
    public func allTags() -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".tmp") }
        return Array(Set(files).union(workspace.configuration.tags.keys)).sorted()
    }

    /// The NVRs tagged directly into `tag` (no inheritance).
    public func entries(of tag: String) throws -> [String] {
        try Self.validateName(tag)
        guard exists(tag) else { throw GooseError.workspace("no tag '\(tag)' (create it with 'goose tag create \(tag)')") }
        // goose.toml names the tag, so its list must be there: a missing file read as an empty tag would mash an empty
        // repository over `latest` (an empty tag is an empty file, as `goose tag create` makes it).
        guard FileSystem.isRegularFile(path(of: tag)) else {
            throw GooseError.workspace("\(path(of: tag)): missing: goose.toml declares tag '\(tag)' but its list of builds is gone (an empty tag is an empty file)")
        }
        return Self.parse(String(decoding: try FileSystem.contents(of: path(of: tag)), as: UTF8.self))
    }

    /// Creates an empty tag and records its inheritance in goose.toml.
    public func create(_ tag: String, inherit parents: [String], release: Bool) throws -> Workspace {
        try Self.validateName(tag)
        let lock = try FileLock(path: workspace.lockPath("tags"))
        defer { lock.unlock() }
        // Re-read goose.toml under the lock so a concurrent create is not lost.
        var configuration = try WorkspaceConfiguration.load(from: workspace.configurationPath)
        guard !FileSystem.isRegularFile(path(of: tag)) && configuration.tags[tag] == nil else {
            throw GooseError.workspace("tag '\(tag)' already exists")
        }
        for parent in parents where !FileSystem.isRegularFile(path(of: parent)) && configuration.tags[parent] == nil {
            throw GooseError.workspace("cannot inherit from unknown tag '\(parent)'")
        }
        configuration.tags[tag] = TagSettings(inherit: parents, release: release)
        _ = try TagInheritance.order(of: tag, parents: { configuration.tags[$0]?.inherit ?? [] })
        try FileSystem.createDirectory(directory)
        try AtomicFileWriter.write("", to: path(of: tag))
        do {
            try AtomicFileWriter.write(configuration.rendered(), to: workspace.configurationPath)
        } catch {
            // Without its goose.toml entry the tag does not exist: its empty list must not stay behind either.
            FileSystem.remove(path(of: tag))
            throw error
        }
        return try Workspace(root: workspace.root)
    }

    /// Adds builds to a tag; every NVR must exist under builds/. Returns the NVRs that were new.
    @discardableResult
    public func add(_ nvrs: [String], to tag: String, inventory: BuildInventory) throws -> [String] {
        for nvr in nvrs {
            guard let record = try inventory.record(nvr: nvr) else {
                throw GooseError.workspace("no build \(nvr) in \(inventory.root) (import or build it first)")
            }
            // mock-build records failed builds (logs only) until a rebuild replaces them.
            guard record.state == .complete else {
                throw GooseError.workspace("build \(nvr) failed (see its logs in \(inventory.directory(of: record))/logs); only complete builds can be tagged")
            }
        }
        return try modify(tag) { current in
            let added = Set(nvrs).subtracting(current)
            current.formUnion(nvrs)
            return added.sorted()
        }
    }

    /// Removes builds from a tag; removing an NVR the tag lacks is an error. Returns the removed NVRs.
    @discardableResult
    public func remove(_ nvrs: [String], from tag: String) throws -> [String] {
        try modify(tag) { current in
            if let missing = nvrs.first(where: { !current.contains($0) }) {
                throw GooseError.workspace("\(missing) is not tagged in '\(tag)'")
            }
            current.subtract(nvrs)
            return nvrs.sorted()
        }
    }

    private func modify(_ tag: String, _ change: (inout Set<String>) throws -> [String]) throws -> [String] {
        let lock = try FileLock(path: workspace.lockPath("tag-\(tag)"))
        defer { lock.unlock() }
        var current = Set(try entries(of: tag))
        let changed = try change(&current)
        try AtomicFileWriter.write(Self.render(Array(current)), to: path(of: tag))
        return changed
    }

    /// The builds a tag holds with inheritance: per package, the latest build of the first tag in
    /// inheritance order that has the package (koji's rule).
    public func resolve(_ tag: String, inventory: BuildInventory) throws -> [BuildRecord] {
        try resolve(tag, inventory: inventory) { try inventory.record(nvr: $0) }
    }

    /// `resolve`, each build with the tag of the inheritance it comes from (the first in search order that lists it).
    public func resolveWithOrigins(_ tag: String, inventory: BuildInventory) throws -> [(record: BuildRecord, tag: String)] {
        let layers = try listings(of: tag)
        var origin: [String: String] = [:]
        for layer in layers { for nvr in layer.nvrs where origin[nvr] == nil { origin[nvr] = layer.tag } }
        return try latest(layers, inventory: inventory) { try inventory.record(nvr: $0) }.map { ($0, origin[$0.nvr] ?? tag) }
    }

    /// `resolve`, with the build records read through `records` (unchanged build.json files are not decoded again).
    public func resolve(_ tag: String, inventory: BuildInventory, records: inout BuildRecordCache) throws -> [BuildRecord] {
        let layers = try listings(of: tag)
        records.preload(layers.flatMap(\.nvrs).compactMap { inventory.recordFile(nvr: $0) })
        return try latest(layers, inventory: inventory) { nvr in try inventory.recordFile(nvr: nvr).flatMap { try records.record(at: $0) } }
    }

    func resolve(_ tag: String, inventory: BuildInventory, record: (String) throws -> BuildRecord?) throws -> [BuildRecord] {
        try latest(try listings(of: tag), inventory: inventory, record: record)
    }

    /// The NVRs each tag of `tag`'s inheritance lists, the tag first, then its parents in search order.
    func listings(of tag: String) throws -> [(tag: String, nvrs: [String])] {
        let configuration = workspace.configuration
        return try TagInheritance.order(of: tag, parents: { configuration.tags[$0]?.inherit ?? [] }).map { ($0, try entries(of: $0)) }
    }

    /// The latest build per package over `layers`, with each NVR's record from `record`.
    func latest(_ layers: [(tag: String, nvrs: [String])], inventory: BuildInventory, record: (String) throws -> BuildRecord?) throws -> [BuildRecord] {
        let records = try layers.map { layer in
            try layer.nvrs.map { nvr in
                guard let found = try record(nvr) else {
                    throw GooseError.workspace("tag '\(layer.tag)' lists \(nvr), which is not under \(inventory.root)")
                }
                return found
            }
        }
        return TagInheritance.latest(layers: records)
    }

    /// One NVR per line, sorted, with a trailing newline.
    public static func render(_ nvrs: [String]) -> String {
        let lines = Set(nvrs).sorted()
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    public static func parse(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    static func validateName(_ tag: String) throws {
        guard !tag.isEmpty, !tag.hasPrefix("."), !tag.contains("/"), tag.allSatisfy({ !$0.isWhitespace }) else {
            throw GooseError.usage("invalid tag name '\(tag)'")
        }
    }
}

/// Tag inheritance: the search order and the latest-per-package rule, as pure functions.
public enum TagInheritance {
    /// The tag, then its parents depth first in listed order, each once; a cycle is an error.
    public static func order(of tag: String, parents: (String) -> [String]) throws -> [String] {
        var order: [String] = []
        var seen: Set<String> = []
        func visit(_ name: String, path: [String]) throws {
            if path.contains(name) {
                throw GooseError.workspace("tag inheritance cycle: " + (path + [name]).joined(separator: " -> "))
            }
            guard seen.insert(name).inserted else { return }
            order.append(name)
            for parent in parents(name) { try visit(parent, path: path + [name]) }
        }
        try visit(tag, path: [])
        return order
    }

    /// Per package name, the highest EVR (librpm order) in the first layer that has the name; sorted by name.
    public static func latest(layers: [[BuildRecord]]) -> [BuildRecord] {
        var chosen: [String: BuildRecord] = [:]
        for layer in layers {
            var best: [String: BuildRecord] = [:]
            for record in layer where chosen[record.name] == nil {
                if let current = best[record.name], current.evr >= record.evr { continue }
                best[record.name] = record
            }
            chosen.merge(best) { existing, _ in existing }
        }
        return chosen.values.sorted { $0.name < $1.name }
    }
}
