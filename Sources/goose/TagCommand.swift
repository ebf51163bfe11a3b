import ArgumentParser
import Foundation
import GooseKit

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Manage tags: named sets of builds that goose mash turns into repositories.",
        discussion: """
        A tag is the plain file tags/<tag> (one NVR per line, sorted) plus a [tags.<tag>] table in \
        goose.toml holding its inheritance (`inherit = ["parent", ...]`, searched child first, then each \
        parent depth first) and whether it is a release tag (`release = true` makes mash --strict the default). \
        Inherited builds are shadowed as in koji: for each package, the first tag in inheritance order that has \
        the package decides, and within it the highest epoch:version-release (librpm's comparison) wins.

        Examples:
          goose tag create el9
          goose tag add el9 --from-builds
          goose tag list el9 --latest
        """,
        subcommands: [TagCreateCommand.self, TagAddCommand.self, TagRemoveCommand.self, TagListCommand.self]
    )
}

struct TagCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an empty tag, optionally inheriting from others.",
        discussion: """
        Exit status: 0; 2 an invalid tag name; 3 no workspace, or an invalid goose.toml, an existing tag or an unknown parent.

        Examples:
          goose tag create el9-bootstrap
          goose tag create el9 --inherit el9-bootstrap --release
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Argument(help: "The new tag.")
    var tag: String

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Parent tags, highest priority first.", valueName: "parent"))
    var inherit: [String] = []

    @Flag(name: .long, help: "Mark the tag as a release tag (goose mash is --strict by default).")
    var release = false

    func run() throws {
        let workspace = try workspaceOptions.open()
        _ = try TagStore(workspace: workspace).create(tag, inherit: inherit, release: release)
        Console.line("created tag \(tag)" + (inherit.isEmpty ? "" : " inheriting \(inherit.joined(separator: ", "))"))
    }
}

struct TagAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Tag builds (each NVR must exist under builds/).",
        discussion: """
        Exit status: 0; 3 no workspace, or an invalid goose.toml, an unknown tag, or a build that is missing or failed.

        Examples:
          goose tag add el9 bash-5.1.8-9.el9 glibc-2.34-100.el9
          goose tag add el9-bootstrap --from-builds
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The tag.")
    var tag: String

    @Argument(help: "Builds as name-version-release.")
    var nvrs: [String] = []

    @Flag(name: .long, help: "Tag every build in the workspace.")
    var fromBuilds = false

    func validate() throws {
        if nvrs.isEmpty != fromBuilds { throw ValidationError("give NVRs or --from-builds (not both)") }
    }

    func run() throws {
        let workspace = try workspaceOptions.open()
        let inventory = BuildInventory(workspace: workspace)
        output.detail("workspace \(workspace.root)")
        let list = fromBuilds ? try inventory.allRecords().filter { $0.state == .complete }.map(\.nvr) : nvrs
        let added = try TagStore(workspace: workspace).add(list, to: tag, inventory: inventory)
        output.detail("\(added.count) of \(list.count) builds newly tagged" + (added.count < list.count ? "; the others were already in \(tag)" : ""))
        if output.json { Console.json(["tag": .string(tag), "added": .list(added)] as [String: TagJSONValue]); return }
        if !output.quiet { for nvr in added { Console.line("tagged \(nvr) in \(tag)") } }
    }
}

struct TagRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Untag builds.",
        discussion: """
        Exit status: 0; 3 no workspace, or an invalid goose.toml, an unknown tag, or a build the tag lacks.

        Examples:
          goose tag remove el9 bash-5.1.8-9.el9
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The tag.")
    var tag: String

    @Argument(help: "Builds as name-version-release.")
    var nvrs: [String]

    func run() throws {
        let workspace = try workspaceOptions.open()
        output.detail("workspace \(workspace.root)")
        let removed = try TagStore(workspace: workspace).remove(nvrs, from: tag)
        if output.json { Console.json(["tag": .string(tag), "removed": .list(removed)] as [String: TagJSONValue]); return }
        if !output.quiet { for nvr in removed { Console.line("untagged \(nvr) from \(tag)") } }
    }
}

struct TagListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a tag's builds, or every tag.",
        discussion: """
        Without --latest, prints the NVRs tagged directly into TAG. With --latest, prints the build mash \
        would take for each package, inheritance included; with --json each line also names the tag it \
        comes from.

        Exit status: 0; 3 no workspace, or an invalid goose.toml, an unknown tag, or an inheritance cycle.

        Examples:
          goose tag list
          goose tag list el9
          goose tag list el9 --latest --json
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The tag (default: list the tags).")
    var tag: String?

    @Flag(name: .long, help: "Show the latest build per package, with inheritance.")
    var latest = false

    func run() throws {
        let workspace = try workspaceOptions.open()
        let store = TagStore(workspace: workspace)
        output.detail("workspace \(workspace.root)")
        guard let tag else {
            for name in store.allTags() {
                if output.json { Console.json(["tag": .string(name), "inherit": .list(workspace.configuration.tags[name]?.inherit ?? [])] as [String: TagJSONValue]) } else { Console.line(name) }
            }
            return
        }
        output.detail(latest ? "resolving \(tag) through its inheritance: the newest build of each package" : "the builds listed in tags/\(tag) itself")
        let listed = latest ? try store.resolveWithOrigins(tag, inventory: BuildInventory(workspace: workspace)).map { ($0.record.nvr, $0.tag) }
            : try store.entries(of: tag).map { ($0, tag) }
        for (nvr, origin) in listed {
            if output.json { Console.json(["tag": .string(origin), "nvr": .string(nvr)] as [String: TagJSONValue]) } else { Console.line(nvr) }
        }
    }
}

/// A JSON value of tag output: a string or a list of strings.
enum TagJSONValue: Encodable, ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
    case string(String)
    case list([String])

    init(stringLiteral value: String) { self = .string(value) }
    init(arrayLiteral elements: String...) { self = .list(elements) }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(value): try container.encode(value)
        case let .list(values): try container.encode(values)
        }
    }
}
