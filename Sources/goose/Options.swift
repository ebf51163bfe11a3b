import ArgumentParser
import Foundation
import GooseKit

/// Options every workspace command takes.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The goose workspace.",
        discussion: "Default: $GOOSE_HOME, else the current directory or the nearest parent holding goose.toml.",
        valueName: "dir"))
    var workspace: String?

    func open() throws -> Workspace {
        try Workspace.locate(explicit: workspace)
    }
}

/// Output format options.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    @Flag(name: [.short, .long], help: "Print no progress and no per-item lines, only errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Also print the steps taken and the decisions made, on stderr.")
    var verbose = false

    /// Prints a step or decision on stderr when --verbose is given (and --quiet is not).
    func detail(_ message: @autoclosure () -> String) {
        if verbose && !quiet { Console.writeError(Data("goose: \(message())\n".utf8)) }
    }
}

/// Writing to the terminal: errors to stderr with the program name, JSON records to stdout.
enum Console {
    static func error(_ message: String) {
        writeError(Data("goose: \(message)\n".utf8))
    }

    static func line(_ message: String) {
        write(Data((message + "\n").utf8))
    }

    /// Prints one JSON value on one line (JSON Lines).
    static func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Times as build.json writes them (2026-12-04T20:26:07Z), not Foundation's seconds since 2001.
        encoder.dateEncodingStrategy = .iso8601
        if let data = try? encoder.encode(value) {
            write(data + Data("\n".utf8))
        }
    }

    /// Writes to stdout; when the reader went away (`goose … | head`), exits as a pipe-killed process would
    /// instead of crashing, since the Swift runtime ignores SIGPIPE.
    static func write(_ data: Data) {
        do { try FileHandle.standardOutput.write(contentsOf: data) } catch { Foundation.exit(141) }
    }

    /// Writes to stderr; a closed stderr is not worth dying for.
    static func writeError(_ data: Data) {
        try? FileHandle.standardError.write(contentsOf: data)
    }
}
