import ArgumentParser
import Foundation
import GooseKit

/// compose-iso's ISO step alone, for bench/compose-iso.sh and for trees made elsewhere.
struct WriteISOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write-iso",
        abstract: "Write a directory tree as an ISO 9660 image (Rock Ridge + Joliet) with libarchive.",
        discussion: """
        The ISO step of goose-compose-iso(1) on its own: no gathering, metadata or MD5 implant. Dates are \
        SOURCE_DATE_EPOCH (default 0). With isolinux/isolinux.bin in the tree, a BIOS El Torito entry is added.

        Example:
          goose write-iso tree --output tree.iso --volume-id GL-9.4-x86_64-dvd
        """,
        shouldDisplay: false)

    @Argument(help: "The directory to write.")
    var tree: String

    @Option(name: [.short, .long], help: "The ISO file to write.")
    var output: String

    @Option(name: .long, help: "Volume id (at most 32 characters).")
    var volumeId: String = "ISO"

    func run() throws {
        setenv("TZ", "UTC", 1)
        tzset()
        let timestamp = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int($0) } ?? 0
        let bios = FileSystem.isRegularFile(tree + "/isolinux/isolinux.bin") ? "isolinux/isolinux.bin" : nil
        let writer = try ISOWriter(output: output, options: ISOOptions(volumeId: volumeId, timestamp: timestamp, biosBootImage: bios))
        try writer.add(tree: FileSystem.absolute(tree), timestamp: timestamp)
        try writer.finish(volumeId: volumeId, timestamp: timestamp)
    }
}
