import ArgumentParser
import GooseKit

// Placeholder: replaced by the import command.
struct ImportSRPMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-srpm", abstract: "Import source RPMs into dist-git repositories and the lookaside cache.")
}
