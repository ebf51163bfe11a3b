import ArgumentParser
import Foundation
import GooseKit

struct LookasideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookaside",
        abstract: "Store and fetch source archives (dist-git lookaside cache).",
        discussion: """
        The lookaside holds the archives that dist-git repositories list in `sources` (fedora layout) \
        or `.<name>.metadata` (centos layout), at <name>/<file>/<hashtype>/<hash>/<file>. goose.toml's \
        [lookaside] url chooses it: empty for the workspace's own lookaside/ directory, else the base URL \
        of a dist-git server (another `goose lookaside serve`, or Fedora-style dist-git).

        Examples:
          goose lookaside upload bash bash-5.2.tar.gz
          goose lookaside fetch ~/src/bash
          goose lookaside serve --listen 127.0.0.1:8080 --token-file lookaside.token
        """,
        subcommands: [LookasideUploadCommand.self, LookasideFetchCommand.self, LookasideServeCommand.self, LookasideHashCommand.self]
    )
}

struct LookasideUploadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Put archives in the lookaside and list them in the current checkout.",
        discussion: """
        Each FILE is hashed (SHA-512) and stored unless the lookaside already has it. When the current \
        directory is a dist-git checkout of NAME, its `sources` (BSD lines `SHA512 (file) = hash`) or \
        `.NAME.metadata` (`hash SOURCES/file`) and its .gitignore are updated.

        Exit status: 0; 3 no workspace, or an invalid goose.toml or sources file; 5 a stored archive does not match its hash; 6 the \
        lookaside cannot be reached or refuses the upload; 7 another goose holds the lock.

        Examples:
          goose lookaside upload bash bash-5.2.tar.gz bash-5.2.tar.gz.sig
          goose lookaside upload --json kernel SOURCES/linux-5.14.tar.xz
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The package (dist-git repository) the files belong to.")
    var name: String

    @Argument(help: "Archives to upload.")
    var files: [String]

    func run() throws {
        let workspace = try workspaceOptions.open()
        let client = try LookasideClient(workspace: workspace)
        output.detail("workspace \(workspace.root)")
        for file in files { output.detail("uploading \(file)") }
        try LookasideUpload.run(package: name, files: files, client: client,
                                checkoutDirectory: FileManager.default.currentDirectoryPath) { record in
            LookasideOutput.print(record, output)
        }
    }
}

struct LookasideFetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download the archives a dist-git checkout lists.",
        discussion: """
        Reads the checkout's `.NAME.metadata` or `sources` (BSD, old md5 `hash  file`, or centos `hash SOURCES/file` \
        lines), downloads each archive that is missing or differs, verifies its hash, and writes it atomically \
        with the lookaside's modification time. Files already present with the right hash are skipped. A hash \
        mismatch is an error and leaves no file behind. NAME is --name, else the one .NAME.metadata, else the \
        repository name of the git remote origin (as fedpkg), else the spec file's name, else the directory's name.

        Exit status: 0; 3 no workspace, or an invalid goose.toml or sources file; 5 a download does not match its hash; 6 an archive \
        cannot be fetched; 7 another goose holds the lock.

        Examples:
          goose lookaside fetch
          goose lookaside fetch --jobs 8 ~/src/kernel
          goose lookaside fetch --name bash --json checkouts/bash
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The dist-git checkout.")
    var directory: String = "."

    @Option(name: .long, help: ArgumentHelp("The package name (default: from the checkout, see above).", valueName: "name"))
    var name: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Downloads to run at once.", valueName: "n"))
    var jobs: Int = 4

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let workspace = try workspaceOptions.open()
        let client = try LookasideClient(workspace: workspace)
        let output = self.output
        output.detail("workspace \(workspace.root); fetching the sources of \(directory) with \(jobs) jobs")
        try await LookasideFetch.run(directory: directory, package: name, client: client, jobs: jobs) { record in
            LookasideOutput.print(record, output)
        }
    }
}

struct LookasideServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the workspace's lookaside over HTTP, as dist-git does.",
        discussion: """
        Downloads: GET /repo/pkgs/<name>/<file>/<hashtype>/<hash>/<file>. Checks and uploads: \
        POST /repo/pkgs/upload.cgi with dist-git's form fields (name, sha512sum, then filename for a check, \
        or file and mtime for an upload), authorised by `Authorization: Bearer <token>`. A package needs a \
        repository git/<name>.git in the workspace. Prints `listening on <url>` once ready; --listen with \
        port 0 picks a free port.

        Exit status: 2 a bad --listen, --max-upload-size or no token; 3 no workspace, or an invalid goose.toml or an unreadable token \
        file; 6 the address cannot be bound.

        Examples:
          goose lookaside serve --listen 127.0.0.1:8080 --token-file lookaside.token
          curl -H "Authorization: Bearer $(cat lookaside.token)" \\
            -F name=bash -F sha512sum=<hash> -F file=@bash-5.2.tar.gz \\
            http://127.0.0.1:8080/repo/pkgs/upload.cgi
        """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Option(name: .long, help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
    var listen: String = "127.0.0.1:8080"

    @Option(name: .long, help: ArgumentHelp("File holding the upload token (default: goose.toml's lookaside.token_file).", valueName: "file"))
    var tokenFile: String?

    @Option(name: .long, help: ArgumentHelp("Largest upload in bytes (default: goose.toml's lookaside.max_upload_size).", valueName: "bytes"))
    var maxUploadSize: Int?

    func run() async throws {
        let workspace = try workspaceOptions.open()
        let address = try ListenAddress.parse(listen)
        let configuredTokenFile = workspace.configuration.lookasideTokenFile
        guard let tokenPath = tokenFile ?? (configuredTokenFile.isEmpty ? nil : LookasideToken.path(configuredTokenFile, workspace: workspace)) else {
            throw GooseError.usage("lookaside serve needs a token: pass --token-file or set lookaside.token_file in goose.toml")
        }
        let limit = maxUploadSize ?? workspace.configuration.lookasideMaxUploadSize
        guard limit > 0 else { throw GooseError.usage("--max-upload-size must be positive") }
        let server = LookasideServer(workspace: workspace, configuration: LookasideServerConfiguration(
            listen: address, token: try LookasideToken.read(file: tokenPath), maxUploadSize: limit))
        try await server.run { url in
            Console.line("listening on \(url)")
        }
    }
}

/// Printing transfer records as text lines or JSON Lines.
enum LookasideOutput {
    static func print(_ record: LookasideTransferRecord, _ output: OutputOptions) {
        if output.json {
            Console.json(record)
        } else if !output.quiet || record.status == .failed {
            // Text names failed files; the error the command ends with gives the first reason (--json has all).
            Console.line("\(record.status.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)) \(record.file)")
        }
    }
}

struct LookasideHashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print the `sources` line of files without storing them.",
        discussion: """
        Streams each FILE through the digest and prints `TYPE (file) = hash`, the line `goose lookaside upload` \
        would add to a `sources` file (the format of `sha512sum --tag`). Needs no workspace.

        Examples:
          goose lookaside hash bash-5.2.tar.gz
          goose lookaside hash --type sha256 --json linux-6.15.tar.xz
        """)

    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("Hash algorithm.", valueName: "md5|sha1|sha256|sha512"))
    var type: HashAlgorithm = .sha512

    @Argument(help: "Files to hash.")
    var files: [String]

    struct Record: Encodable {
        var file: String
        var type: String
        var hash: String
    }

    func run() throws {
        for file in files {
            let hash = try ContentDigest.hexDigest(ofFile: file, algorithm: type)
            output.detail("\(file): \(((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber).map { "\($0) bytes" } ?? "size unknown"), \(type.rawValue)")
            if output.json {
                Console.json(Record(file: file, type: type.rawValue, hash: hash))
            } else {
                Console.line(SourcesFile.render([SourceEntry(filename: (file as NSString).lastPathComponent, checkoutPath: file, hashType: type, hash: hash)], format: .bsd)
                    .trimmingCharacters(in: .newlines))
            }
        }
    }
}

extension HashAlgorithm: ExpressibleByArgument {}
