import ArgumentParser
import Foundation
import GooseKit

struct BuildsCommand: ParsableCommand, StartsWithRPM {
    static let configuration = CommandConfiguration(
        commandName: "builds",
        abstract: "The builds inventory: builds/<name>/<version>/<release>/ with build.json.",
        discussion: """
        Examples:
          goose builds import ~/koji-downloads/*.rpm
          goose builds list --json | jq -r .nvr
        """,
        subcommands: [BuildsImportCommand.self, BuildsListCommand.self]
    )
}

struct BuildsImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Register RPMs built elsewhere as builds (koji import).",
        discussion: """
        Every RPM is read and digest-checked with librpm, then grouped into builds by its SOURCERPM header \
        (a source RPM by its own NVR). Each new build is assembled beside builds/ and published with one \
        rename as builds/<name>/<version>/<release>/ holding <arch>/*.rpm, src/*.src.rpm and build.json \
        (origin "imported"). Files are hardlinked when on the same file system, else copied. Files of an \
        imported build that already exists are added to it ("extended"), so an import may be split over \
        several runs (xargs); a file it already has must be identical ("exists"); builds made by goose \
        mock-build are never changed.

        Exit status: 0; 4 an RPM is unreadable, fails its digest check or is refused; 3 no workspace, or an invalid goose.toml.

        Examples:
          goose builds import vendor/Packages/*.rpm
          goose builds import --json bash-5.1.8-9.el9.src.rpm bash-5.1.8-9.el9.x86_64.rpm
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "RPM and SRPM files.")
    var files: [String]

    func run() throws {
        let workspace = try workspaceOptions.open()
        output.detail("workspace \(workspace.root)")
        for file in files { output.detail("reading \(file)") }
        let outcomes = try BuildImporter.importPackages(files.map(FileSystem.absolute), into: BuildInventory(workspace: workspace))
        for outcome in outcomes {
            if output.json { Console.json(outcome) } else if !output.quiet {
                Console.line("\(outcome.action.rawValue) \(outcome.nvr) (\(outcome.files.count) files)")
            }
        }
    }
}

struct BuildsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the builds in the workspace.",
        discussion: """
        Exit status: 0; 3 no workspace, or an invalid goose.toml or build.json.

        Examples:
          goose builds list
          goose builds list --json | jq -r 'select(.origin == "imported") | .name'
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let workspace = try workspaceOptions.open()
        let records = try BuildInventory(workspace: workspace).allRecords()
        output.detail("\(records.count) builds in \(workspace.root)/builds")
        if output.json {
            for record in records { Console.json(ListedBuild(record: record)) }
            return
        }
        let width = records.map(\.nvr.count).max() ?? 0
        for record in records {
            Console.line(record.nvr.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  \(record.origin.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(record.state.rawValue)  \(record.artifacts.count) files")
        }
    }
}

/// A build as `builds list --json` prints it: its build.json fields and its NVR.
private struct ListedBuild: Encodable {
    let record: BuildRecord
    enum Keys: String, CodingKey { case nvr }

    func encode(to encoder: Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(record.nvr, forKey: .nvr)
    }
}
