import ArgumentParser
import Foundation
import GooseKit

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the host for what goose's subcommands need, and say what to install.",
        discussion: """
        Looks for the programs goose runs (rpmbuild, bwrap, gpg, gpg-agent, implantisomd5; and the optional \
        xorriso, dnf, rsync, GNU parallel), tries a bubblewrap sandbox with user namespaces as mock-build makes \
        it, reports the linked createrepo_c library and the free space of the workspace (or the current \
        directory). Missing packages are listed in one apt-get command.

        Exit status: 0 when everything required is there (optional items may be missing); 1 otherwise.

        Examples:
          goose doctor
          goose doctor --workspace ~/el9 --json | jq '.[] | select(.ok | not)'
        """)

    @Option(name: .long, help: ArgumentHelp("Workspace whose free space to check (default: $GOOSE_HOME, else the current directory).", valueName: "dir"))
    var workspace: String?

    @Flag(name: .long, help: "Print the checks as a JSON array.")
    var json = false

    @Flag(name: [.short, .long], help: "Print only what is missing.")
    var quiet = false

    func run() throws {
        let directory = workspace ?? ProcessInfo.processInfo.environment["GOOSE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
        let results = HostCheck.evaluate(HostFacts.current(directory: directory))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            Console.line(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            for result in results where !quiet || !result.ok {
                let mark = result.ok ? "ok     " : (result.required ? "MISSING" : "missing")
                let optional = result.required ? "" : " (optional)"
                Console.line("\(mark) \(result.name)\(optional): \(result.detail) — for \(result.neededBy.joined(separator: ", "))")
            }
            if let command = HostCheck.installCommand(for: results) {
                Console.line("install: \(command)")
            }
        }
        if results.contains(where: { $0.required && !$0.ok }) {
            throw ExitCode(1)
        }
    }
}
