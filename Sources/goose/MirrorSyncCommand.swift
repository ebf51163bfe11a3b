import ArgumentParser
import Foundation
import GooseKit

struct MirrorSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror-sync",
        abstract: "Sync a mirror tree from an upstream by manifest, metadata last.",
        discussion: """
        Reads the upstream's .goose-manifest (see goose mirror manifest), compares it with DIR (size and mtime; \
        the hash of any file whose size matches but mtime does not) and transfers only what changed. Every file \
        is verified against its SHA-256 before it is renamed into place. Per repo root (a directory with \
        repodata/repomd.xml): packages and images first, then repodata files, then repomd.xml and repomd.xml.asc \
        — so a local repomd.xml never references a missing file. Stale files are deleted only after the new \
        metadata is in place and after --delete-delay. A failed file fails its repo root, not the others. \
        Partial downloads resume with Range requests; transient failures are retried with backoff. A no-op sync \
        makes one request: the manifest, with If-None-Match/If-Modified-Since.

        UPSTREAM is https://, http://, ftp://, file:// (libcurl) or rsync:// (the rsync binary with --files-from). \
        Without a manifest upstream (a plain yum repo), the package list comes from repomd.xml and primary.

        Exit codes: 0 all synced; 5 a file failed its hash check; 6 a transfer failed (the repo roots named \
        on stderr were left at their previous state); 7 another sync holds DIR.

        Examples:
          goose mirror-sync https://master.example.org/pub/goose/ /srv/mirror
          goose mirror-sync --jobs 8 --bwlimit 20m --delete-delay 1h rsync://master.example.org/goose/ /srv/mirror
          goose mirror-sync --dry-run --json file:///srv/master/ /srv/mirror
        """)

    @OptionGroup var output: OutputOptions

    @Argument(help: "The upstream tree's URL.")
    var upstream: String

    @Argument(help: "The local mirror tree.")
    var directory: String

    @Option(name: [.short, .long], help: ArgumentHelp("Transfers to run at once.", valueName: "n"))
    var jobs: Int = 4

    @Option(name: .long, help: ArgumentHelp("Total bandwidth limit, as rsync: KiB/s, or with k/m/g suffix.", valueName: "rate"))
    var bwlimit: String?

    @Option(name: .long, help: ArgumentHelp("Wait between placing new metadata and deleting stale files (30s, 15m, 2h).", valueName: "duration"))
    var deleteDelay: String = "0"

    @Flag(name: .long, help: "Show what would be transferred and deleted, change nothing.")
    var dryRun = false

    func run() async throws {
        guard jobs >= 1 else { throw GooseError.usage("--jobs must be at least 1") }
        let transfer = MirrorTransferOptions(jobs: jobs, bandwidthLimit: try bwlimit.map(MirrorUnits.rate) ?? 0)
        let options = MirrorSyncOptions(transfer: transfer, deleteDelay: try MirrorUnits.duration(deleteDelay), dryRun: dryRun,
                                        showProgress: !output.quiet && !output.json && isatty(STDERR_FILENO) != 0)
        output.detail("\(upstream) -> \(directory): \(jobs) transfers at once, "
            + (transfer.bandwidthLimit > 0 ? "limit \(transfer.bandwidthLimit) bytes/s" : "no bandwidth limit")
            + ", stale files deleted \(deleteDelay) after the new metadata" + (dryRun ? " (dry run: nothing changes)" : ""))
        let summary = try await MirrorSync.run(upstream: upstream, directory: directory, options: options)
        if output.json {
            Console.json(summary)
        } else if !output.quiet {
            let verb = dryRun ? "would transfer" : "transferred"
            Console.line("\(verb) \(dryRun ? summary.plannedFiles : summary.transferredFiles) files "
                + "(\(MirrorSyncProgress.format(dryRun ? summary.plannedBytes : summary.transferredBytes))), "
                + "\(summary.unchangedFiles) unchanged, \(summary.touchedFiles) mtime fixed, "
                + "\(dryRun ? "would delete" : "deleted") \(summary.deletedFiles)"
                + (summary.notModified ? " (manifest not modified)" : "")
                + (summary.source == "repomd" ? " (plain yum repo)" : "")
                + String(format: " in %.1fs", summary.seconds))
        }
        // Files skipped because their repo root had already failed are counted, not listed: the cause is.
        let causes = summary.failures.filter { !$0.error.contains("skipped: ") }
        for failure in causes { Console.error("\(failure.path): \(failure.error)") }
        if causes.count < summary.failures.count {
            Console.error("\(summary.failures.count - causes.count) more files skipped after their repo root failed")
        }
        if !summary.failedRoots.isEmpty {
            Console.error("repo roots left at their previous state: \(summary.failedRoots.joined(separator: ", "))")
        }
        if !summary.failures.isEmpty {
            let allHashes = !causes.isEmpty && causes.allSatisfy { $0.error.contains("hash mismatch") }
            throw ExitCode(allHashes ? 5 : 6)
        }
    }
}
