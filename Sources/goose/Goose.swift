import ArgumentParser
import Foundation
import GooseKit

@main
struct Goose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "goose",
        abstract: "Rebuild an Enterprise Linux distribution from its source RPMs.",
        discussion: """
        goose turns a vendor's source RPMs into dist-git repositories, builds, signed repositories, \
        ISOs and mirrors. State lives in a workspace directory of plain files (see goose-init(1)).

        Exit codes: 0 success; 1 general or I/O failure; 2 command-line error; 3 workspace or \
        configuration error; 4 invalid or refused package (some inputs failed); 5 hash mismatch; \
        6 network or lookaside failure; 7 workspace locked by another goose process; 8 signing key or \
        passphrase unusable. goose mock-build uses mock's codes instead (10 build failed, 11 timeout, \
        30 missing build dependencies, …; see goose-mock-build(1)). 127: a C library goose loads when first \
        needed (librpm, gpgme, createrepo_c, libsolv, libgit2, libarchive, libcurl, …) could not be loaded; \
        the one line on stderr names it.

        Options shared by the subcommands: --workspace DIR (else $GOOSE_HOME, else the nearest directory \
        holding goose.toml); -j/--jobs N for parallel work; --json for JSON Lines on stdout; -q/--quiet for \
        errors only; -v/--verbose for the steps and decisions on stderr.

        Examples:
          goose init ~/el9 && cd ~/el9
          goose import-srpm --verify-key vendor-key.asc ~/srpms/*.src.rpm
          goose build-order --format waves ~/specs > waves.txt
          goose mock-build --buildroot el9 --from-waves waves.txt ~/srpms/
          goose mash el9
          goose help mash
        """,
        version: GooseVersion.current,
        subcommands: [
            InitCommand.self,
            ImportSRPMCommand.self,
            LookasideCommand.self,
            BuildOrderCommand.self,
            ParseSpecsCommand.self,
            BuildOrderSyntheticBenchCommand.self,
            ParseSpecsFloorBenchCommand.self,
            MockBuildCommand.self,
            SignCommand.self,
            SignWorkerCommand.self,
            BuildsCommand.self,
            TagCommand.self,
            MashCommand.self,
            MirrorCommand.self,
            MirrorSyncCommand.self,
            DoctorCommand.self,
            ComposeISOCommand.self,
            WriteISOCommand.self,
            GenerateManualCommand.self,
        ]
    )

    static func main() async {
        // librpm is loaded and set up beside the parsing of the command line for the subcommands whose first work needs it.
        let subcommand = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") }
        if configuration.subcommands.contains(where: { $0.configuration.commandName == subcommand && $0 is any StartsWithRPM.Type }) {
            LibraryStartUp.beginRPM()
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as GooseError {
            Console.error(error.description)
            Foundation.exit(error.exitCode)
        } catch {
            // ArgumentParser's own code for a command-line error is 64 (EX_USAGE); goose documents 2, mock-build mock's 5.
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(subcommand == MockBuildCommand.configuration.commandName ? MockExitCode.commandLine : 2)
            }
            exit(withError: error)
        }
    }
}

/// A subcommand whose first work reads RPM headers or compares versions through librpm (see `LibraryStartUp`).
protocol StartsWithRPM {}
