import ArgumentParser
import GooseKit

@main
struct Goose: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "goose", abstract: "Rebuild an Enterprise Linux distribution from source RPMs.")
}
