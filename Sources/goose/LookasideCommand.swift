import ArgumentParser
import GooseKit

// Placeholder: replaced by the lookaside upload/fetch/serve commands.
struct LookasideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lookaside", abstract: "Store and fetch source archives (dist-git lookaside cache).")
}
