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

        Examples:
          goose mirror manifest /srv/pub/el9
          goose mirror check --output /srv/www/mirrors mirrors.toml
        """,
        subcommands: [MirrorManifestCommand.self, MirrorCheckCommand.self])
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

    @Option(name: [.short, .long], help: ArgumentHelp("Files to hash at once.", valueName: "n"))
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
        output.detail("scanning \(directory) with \(max(1, jobs)) jobs")
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

struct MirrorCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Probe mirrors; write status.json, mirror lists and metalinks of current mirrors.",
        discussion: """
        MIRRORS.toml names the master tree and the mirrors:
          [master]
          directory = "/srv/pub/goose"      # the reference tree (repo roots, ISOs)
          [check]
          timeout = 10                       # seconds per probe
          disable_after = 4                  # failed checks in a row before a mirror is disabled
          alternates = 3                     # older repomd.xml versions kept in metalinks
          [[mirror]]
          name = "mirror.example.de"
          urls = ["https://mirror.example.de/goose/", "rsync://mirror.example.de/goose/"]
          country = "DE"
          content = ["el9/x86_64", "iso"]    # path prefixes carried; omit for everything

        All mirrors are probed at once (up to --jobs): for each repo root, repomd.xml is fetched and its \
        SHA-256 compared with the master's; for each ISO, HEAD and size. Results go to OUTPUT/status.json \
        (current / stale / unreachable per item, since when, failures in a row). From it, per repo root \
        <repo>/<arch>: OUTPUT/mirrorlist/<repo>/<arch>.txt and OUTPUT/metalink/<repo>/<arch>.xml (metalink 3.0 \
        with MirrorManager's mm0 namespace), plus .<CC>.txt/.xml variants per country with that country's \
        mirrors first; per ISO OUTPUT/iso/<path>.mirrors. Only current, enabled mirrors are listed.

        Exit code 0 even when mirrors fail (that is what the lists are for); 3 for a bad MIRRORS.toml.

        Examples:
          goose mirror check mirrors.toml
          goose mirror check --output /srv/www/mirrors --json mirrors.toml
        """)

    @OptionGroup var output: OutputOptions

    @Argument(help: "The mirror list.")
    var mirrorsFile: String

    @Option(name: .long, help: ArgumentHelp("Directory for status.json, mirror lists and metalinks.", valueName: "dir"))
    var outputDirectory: String = "mirrors"

    @Option(name: [.short, .long], help: ArgumentHelp("Mirrors to probe at once.", valueName: "n"))
    var jobs: Int = 16

    struct Record: Encodable {
        var name: String
        var country: String
        var disabled: Bool
        var consecutiveFailures: Int
        var repos: [String: String]
        var isos: [String: String]
    }

    func run() async throws {
        let list = try MirrorList.load(from: mirrorsFile)
        output.detail("\(list.mirrors.count) mirrors in \(mirrorsFile); probing \(max(1, jobs)) at once, writing to \(outputDirectory)")
        let status = try await MirrorChecker.run(list: list, outputDirectory: outputDirectory, jobs: max(1, jobs))
        for mirror in status.mirrors {
            let record = Record(name: mirror.name, country: mirror.country, disabled: mirror.disabled,
                                consecutiveFailures: mirror.consecutiveFailures,
                                repos: mirror.repos.mapValues(\.state.rawValue), isos: mirror.isos.mapValues(\.state.rawValue))
            if output.json {
                Console.json(record)
            } else if !output.quiet {
                let states = (mirror.repos.map { "\($0.key)=\($0.value.state.rawValue)" } + mirror.isos.map { "\($0.key)=\($0.value.state.rawValue)" }).sorted()
                Console.line("\(mirror.name) [\(mirror.country)]\(mirror.disabled ? " disabled" : "") \(states.joined(separator: " "))")
            }
        }
    }
}
