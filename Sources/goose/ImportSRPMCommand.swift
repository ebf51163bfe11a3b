import ArgumentParser
import Foundation
import GooseKit

struct ImportSRPMCommand: AsyncParsableCommand, StartsWithRPM {
    static let configuration = CommandConfiguration(
        commandName: "import-srpm",
        abstract: "Import source RPMs into dist-git repositories and the lookaside cache.",
        discussion: """
        For each source RPM: check its digests (and signature with --verify-key), unpack the \
        payload safely, commit the spec, patches and small text files to git/<name>.git on the \
        branch, send binary archives to the lookaside cache, and tag the commit \
        imports/<branch>/<nvr>. With patches/<name>/*.toml in the workspace, the debranding \
        directives are applied as a second commit tagged patched/<branch>/<nvr>.

        Re-importing the same SRPM does nothing; an NVR older than the branch head is refused \
        unless --force. A failing SRPM does not stop the others.

        Exit status: 0; the highest code of the failed SRPMs otherwise: 4 a bad or refused package or \
        patch directive, 5 an archive that does not match its hash, 6 a lookaside failure; 3 no \
        workspace, or an invalid goose.toml; 7 another goose holds the lock.

        Examples:
          goose import-srpm ~/srpms/bash-5.1.8-9.el9.src.rpm
          goose import-srpm --branch c9 --jobs 4 ~/srpms/
          find /mnt/vault -name '*.src.rpm' | goose import-srpm --json -
          goose import-srpm --layout centos --verify-key vendor-key.asc ./*.src.rpm
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("Source RPMs, directories of them, or - to read paths from standard input.", valueName: "srpm"))
    var inputs: [String]

    @Option(name: .long, help: ArgumentHelp("dist-git branch to import onto (default: goose.toml's default_branch).", valueName: "branch"))
    var branch: String?

    @Option(name: .long, help: ArgumentHelp("Repository layout (default: goose.toml's import.layout).", valueName: "fedora|centos"))
    var layout: ImportLayout?

    @Option(name: [.short, .long], help: ArgumentHelp("Imports to run at once (default: number of cores).", valueName: "n"))
    var jobs: Int?

    @Option(name: .long, help: ArgumentHelp("Require a valid signature by this public key file (repeatable).", valueName: "file"))
    var verifyKey: [String] = []

    @Flag(name: .long, help: "Import even when the NVR is older than the branch head.")
    var force = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let workspace = try workspaceOptions.open()
        let configuration = workspace.configuration
        let paths = try SRPMInputs.expand(inputs)
        var options = ImportOptions(
            branch: branch ?? configuration.defaultBranch,
            layout: layout ?? configuration.importLayout,
            maxGitTextSize: Int64(configuration.maxGitTextSize))
        options.force = force
        options.verifyKeyFiles = verifyKey
        if let jobs { options.jobs = jobs }
        output.detail("workspace \(workspace.root)")
        output.detail("branch \(options.branch)\(branch == nil ? " (goose.toml default_branch)" : ""), layout \(options.layout)\(layout == nil ? " (goose.toml import.layout)" : ""), \(options.jobs) jobs")
        output.detail("\(paths.count) SRPMs from \(inputs.count) inputs" + (verifyKey.isEmpty ? ", signatures not required" : ", signatures required by \(verifyKey.joined(separator: ", "))"))
        let importer = SRPMImporter(workspace: workspace, options: options, lookasideSink: try LookasideClient(workspace: workspace).importSink)
        let progress = output.json || output.quiet ? nil : ProgressBar(total: paths.count, label: "importing")
        let results = await importer.importAll(paths, progress: progress)
        for result in results {
            if output.json {
                Console.json(result)
            } else if let error = result.error {
                Console.error(error)
            } else if !output.quiet {
                Console.line(ImportReport.line(for: result))
            }
        }
        if let worst = results.map(\.exitCode).max(), worst != 0 {
            throw ExitCode(worst)
        }
    }
}

extension ImportLayout: ExpressibleByArgument {}
