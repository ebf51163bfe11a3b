import Foundation
import GooseKit
import XCTest

/// Checks every user-facing subcommand's --help against the table of shared flags, so a new or changed
/// command cannot silently drop --workspace, -j/--jobs, --json, -q/--quiet, -v/--verbose, its examples or
/// its exit statuses.
final class CLIConsistencyTests: XCTestCase {
    /// What one command's help must show.
    struct Expectation {
        var workspace = false
        var jobs = false
        var json = false
        var quiet = false
        var verbose = false
        /// The discussion names exit statuses besides 0 and 1.
        var exitStatus = false
    }

    /// Every user-facing command, by its path below `goose`. A command missing here fails the test, so
    /// adding a subcommand means deciding its row. Rows without a flag are deliberate (see the report in
    /// docs/cli-conventions.md).
    static let table: [String: Expectation] = [
        "": Expectation(exitStatus: true),
        "init": Expectation(exitStatus: true),
        "import-srpm": Expectation(workspace: true, jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "lookaside": Expectation(),
        "lookaside upload": Expectation(workspace: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "lookaside fetch": Expectation(workspace: true, jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "lookaside serve": Expectation(workspace: true, exitStatus: true),
        "lookaside hash": Expectation(json: true, quiet: true, verbose: true),
        "build-order": Expectation(workspace: true, jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "mock-build": Expectation(workspace: true, jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "sign": Expectation(),
        "sign rpm": Expectation(workspace: true, jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "sign file": Expectation(workspace: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "sign verify": Expectation(json: true, quiet: true, verbose: true, exitStatus: true),
        "sign export-key": Expectation(json: true, quiet: true, verbose: true, exitStatus: true),
        "sign tag": Expectation(workspace: true, jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "builds": Expectation(),
        "builds import": Expectation(workspace: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "builds list": Expectation(workspace: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "tag": Expectation(),
        "tag create": Expectation(workspace: true, exitStatus: true),
        "tag add": Expectation(workspace: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "tag remove": Expectation(workspace: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "tag list": Expectation(workspace: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "mash": Expectation(workspace: true, jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "mirror": Expectation(),
        "mirror manifest": Expectation(jobs: true, json: true, quiet: true, verbose: true),
        "mirror check": Expectation(jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "mirror-sync": Expectation(jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
        "doctor": Expectation(workspace: true, json: true, quiet: true),
        "compose-iso": Expectation(workspace: true, jobs: true, json: true, quiet: true, verbose: true, exitStatus: true),
    ]

    func testEveryCommandIsInTheTable() throws {
        let discovered = try Self.discoverCommands()
        XCTAssertEqual(Set(discovered), Set(Self.table.keys),
                       "goose's visible subcommands and CLIConsistencyTests.table differ: add a row for each new command")
    }

    func testHelpShowsTheSharedFlagsExamplesAndExitStatuses() throws {
        for (path, expected) in Self.table.sorted(by: { $0.key < $1.key }) {
            let name = "goose \(path)".trimmingCharacters(in: .whitespaces)
            let help = try Self.help(path)
            XCTAssertTrue(help.contains("\nExamples:\n"), "\(name) --help has no Examples: block")
            let checks: [(Bool, String, String)] = [
                (expected.workspace, "--workspace <dir>", "--workspace"),
                (expected.jobs, "-j, --jobs <n>", "-j/--jobs <n>"),
                (expected.json, "  --json ", "--json"),
                (expected.quiet, "-q, --quiet", "-q/--quiet"),
                (expected.verbose, "-v, --verbose", "-v/--verbose"),
            ]
            for (required, text, flag) in checks {
                if required {
                    XCTAssertTrue(help.contains(text), "\(name) --help lacks \(flag)")
                } else {
                    XCTAssertFalse(help.contains(text), "\(name) --help has \(flag), which the table says it should not: update the table")
                }
            }
            if expected.exitStatus {
                XCTAssertNotNil(help.range(of: #"Exit\s+(status|codes?)"#, options: [.regularExpression, .caseInsensitive]),
                                "\(name) --help does not list its exit statuses")
            }
            // One spelling for parallelism everywhere.
            if help.contains("--jobs <") { XCTAssertTrue(help.contains("-j, --jobs <n>"), "\(name): --jobs must be -j, --jobs <n>") }
        }
    }

    /// goose(1) documents every exit code GooseError and mock-build can produce.
    func testRootHelpListsEveryExitCode() throws {
        let help = try Self.help("")
        let errors: [GooseError] = [
            .io(path: "f", reason: "r"), .usage("u"), .workspace("w"), .configuration(file: "f", reason: "r"),
            .invalidPackage(file: "f", reason: "r"), .unsafePayloadEntry(file: "f", entry: "e", reason: "r"),
            .importRefused(file: "f", reason: "r"), .patchDirective(package: "p", directive: "d", reason: "r"),
            .invalidManifest(source: "s", reason: "r"), .hashMismatch(file: "f", expected: "e", actual: "a"),
            .network(url: "u", reason: "r"), .lookaside("l"), .locked(path: "p"), .signing("s"), .git(context: "c", reason: "r"),
        ]
        let flattened = help.replacingOccurrences(of: "\n", with: " ")
        for code in Set(errors.map(\.exitCode)) {
            XCTAssertTrue(flattened.contains("; \(code) ") || flattened.contains(": \(code) "), "goose --help does not document exit code \(code)")
        }
        let mockHelp = try Self.help("mock-build").replacingOccurrences(of: "\n", with: " ")
        for code in [MockExitCode.configuration, MockExitCode.commandLine, MockExitCode.buildFailed, MockExitCode.timeout,
                     MockExitCode.packageManager, MockExitCode.resultDirectory, MockExitCode.unshareFailed] {
            XCTAssertTrue(mockHelp.contains("; \(code) ") || mockHelp.contains(" \(code) "), "goose mock-build --help does not document exit code \(code)")
        }
    }

    /// --verbose is one flag with one meaning: steps on stderr, nothing extra on stdout.
    func testVerboseWritesStepsToStandardErrorOnly() throws {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("goose-cli-verbose-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: workspace) }
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        XCTAssertEqual(try GooseBinary.run(["tag", "create", "el9", "--workspace", workspace]).status, 0)
        let plain = try GooseBinary.run(["tag", "list", "el9", "--workspace", workspace])
        let verbose = try GooseBinary.run(["tag", "list", "el9", "--workspace", workspace, "-v"])
        XCTAssertEqual(verbose.status, 0, verbose.stderr)
        XCTAssertEqual(verbose.stdout, plain.stdout)
        XCTAssertTrue(verbose.stderr.contains("goose: workspace "), verbose.stderr)
        let quiet = try GooseBinary.run(["tag", "list", "el9", "--workspace", workspace, "-v", "-q"])
        XCTAssertEqual(quiet.stderr, "", "--quiet wins over --verbose")
    }

    /// The visible commands: the SUBCOMMANDS sections of `goose --help`, recursively.
    static func discoverCommands() throws -> [String] {
        var found: [String] = []
        var pending = [""]
        while let path = pending.popLast() {
            found.append(path)
            for name in subcommands(in: try help(path)) where name != "help" {
                pending.append(path.isEmpty ? name : path + " " + name)
            }
        }
        return found
    }

    /// The names listed under SUBCOMMANDS: (two-space indent, then the name).
    static func subcommands(in help: String) -> [String] {
        guard let start = help.range(of: "\nSUBCOMMANDS:\n") else { return [] }
        var names: [String] = []
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty || !line.hasPrefix(" ") { break }
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            if let name = line.split(separator: " ").first { names.append(String(name)) }
        }
        return names
    }

    static func help(_ path: String) throws -> String {
        let arguments = path.split(separator: " ").map(String.init) + ["--help"]
        let result = try GooseBinary.run(arguments, environment: ["COLUMNS": "100"])
        guard result.status == 0 else {
            throw GooseBinary.Failure(description: "goose \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }
}
