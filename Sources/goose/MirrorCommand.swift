import ArgumentParser
import Foundation
import GooseKit

struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Mirror manifests and mirror network checks.",
        discussion: """
        On the master, `goose mirror manifest` lists every file of the tree with its hash so that mirrors \
        sync by manifest (goose mirror-sync) instead of walking the tree. `goose mirror check` probes the \
        mirrors and writes mirror lists and metalinks that name only current mirrors.
        """,
        subcommands: [MirrorManifestCommand.self])
}

struct MirrorManifestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Write DIR/.goose-manifest and DIR/fullfiletimelist.",
        discussion: """
        Lists every regular file under DIR with size, mtime and SHA-256, and the repo roots (directories \
        holding repodata/repomd.xml), in DIR/.goose-manifest (JSON, one file per line). Also writes \
        DIR/fullfiletimelist in quick-fedora-mirror's format (version 2, with SHA-1 of each repomd.xml). \
        Incremental: a file whose size and mtime match the previous manifest is not read again. Both files \
        are replaced atomically. Symbolic links are not listed.

        Examples:
          goose mirror manifest /srv/pub/goose
          goose mirror manifest --jobs 8 --json /srv/pub/goose
        """)

    @OptionGroup var output: OutputOptions

    @Argument(help: "The tree to describe.")
    var directory: String

    @Option(name: [.short, .long], help: "Files to hash at once.")
    var jobs: Int = 2

    struct Record: Encodable {
        var directory: String
        var files: Int
        var bytes: Int64
        var repoRoots: [String]
        var hashedFiles: Int
        var reusedFiles: Int
    }

    func run() async throws {
        let result = try await ManifestBuilder.build(directory: directory, jobs: max(1, jobs))
        let record = Record(directory: directory, files: result.manifest.files.count,
                            bytes: result.manifest.files.reduce(0) { $0 + $1.size }, repoRoots: result.manifest.repoRoots,
                            hashedFiles: result.hashedFiles, reusedFiles: result.reusedFiles)
        if output.json {
            Console.json(record)
        } else if !output.quiet {
            Console.line("\(record.files) files (\(MirrorSyncProgress.format(record.bytes))), \(record.repoRoots.count) repo roots; "
                + "hashed \(record.hashedFiles), reused \(record.reusedFiles)")
        }
    }
}
