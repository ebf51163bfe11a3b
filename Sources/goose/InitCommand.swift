import ArgumentParser
import GooseKit

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a goose workspace.",
        discussion: """
        Writes goose.toml and the workspace layout (git/, lookaside/, builds/, tags/, repos/, \
        composes/, mirrors/, patches/). An existing goose.toml is kept, so running it again is safe.

        Exit status: 0; 3 when the directory cannot hold a workspace or its goose.toml is invalid; 1 on I/O errors.

        Examples:
          goose init ~/el9
          goose init --dist-tag .el9_4 .
        """)

    @Argument(help: "Directory to create or complete (default: the current directory).")
    var directory: String = "."

    @Option(name: .long, help: ArgumentHelp("The %{dist} tag of the distribution (default: .el9).", valueName: "tag"))
    var distTag: String?

    func run() throws {
        let workspace = try Workspace.initialize(at: directory, distTag: distTag)
        Console.line("initialised goose workspace in \(workspace.root)")
    }
}
