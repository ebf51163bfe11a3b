import Foundation

/// A second gpg-agent for one signing worker, reading the same key files as the user's agent.
///
/// gpg-agent computes one signature at a time (its threads share one lock), so with an RSA key every worker
/// of a run waited for the same agent: signing could never use more than one core. Each further worker gets an
/// agent of its own: a home directory `.goose-agent.<pid>.<n>` inside GNUPGHOME whose `private-keys-v1.d` is a
/// symbolic link to GNUPGHOME's own. The key never leaves gpg-agent processes and no copy of it is made; the
/// agent is stopped and its directory removed when the run ends, and a later run removes those of killed runs.
final class PrivateAgent {
    static let prefix = ".goose-agent."

    /// The agent's home directory (holds its sockets, or gpg picks a runtime directory for them).
    let homeDirectory: String
    /// The agent's socket.
    let socket: String
    private var stopped = false

    /// Starts an agent for `gnupgHome` (absolute). Throws when the directory cannot be made or the agent does not start.
    init(gnupgHome: String, index: Int) throws {
        let home = "\(gnupgHome)/\(Self.prefix)\(getpid()).\(index)"
        FileSystem.remove(home)
        guard mkdir(home, 0o700) == 0 else { throw GooseError.errno(home, "cannot create a gpg-agent home") }
        homeDirectory = home
        do {
            for shared in ["private-keys-v1.d", "gpg-agent.conf"] where FileManager.default.fileExists(atPath: "\(gnupgHome)/\(shared)") {
                guard symlink("\(gnupgHome)/\(shared)", "\(home)/\(shared)") == 0 else { throw GooseError.errno(home, "cannot link \(shared)") }
            }
            try Self.gpgconf(home: home, ["--launch", "gpg-agent"])
            socket = try GPGAgentSession.agentSocket(homeDirectory: home)
        } catch {
            try? Self.gpgconf(home: home, ["--kill", "gpg-agent"])
            FileSystem.remove(home)
            throw error
        }
    }

    deinit { stop() }

    /// Stops the agent and removes its home directory (never what the links point to). KILLAGENT on its socket, as
    /// `gpgconf --kill` does through gpg-connect-agent, without starting two programs; gpgconf when that fails.
    /// The directory is removed once the agent has exited (it deletes its sockets there as it goes).
    func stop() {
        guard !stopped else { return }
        stopped = true
        var killed = false
        if let session = try? GPGAgentSession(homeDirectory: homeDirectory, socket: socket, passphrase: nil),
           let pid = (try? session.transact("GETINFO pid")).flatMap({ Int32(String(decoding: $0, as: UTF8.self)) }),
           (try? session.transact("KILLAGENT")) != nil {
            // The agent is not this process's child: poll for it to be gone or a zombie (a few milliseconds), at most 5 s.
            let deadline = Date().addingTimeInterval(5)
            while ProcessTable.isRunning(pid) && Date() < deadline { usleep(1000) }
            killed = true
        }
        if !killed { try? Self.gpgconf(home: homeDirectory, ["--kill", "gpg-agent"]) }
        FileSystem.remove(homeDirectory)
    }

    /// Stops the agents of goose runs that no longer exist and removes their directories.
    static func removeAbandoned(in gnupgHome: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: gnupgHome) else { return }
        for name in names where name.hasPrefix(prefix) {
            let parts = name.dropFirst(prefix.count).split(separator: ".")
            guard parts.count == 2, let pid = Int32(parts[0]), pid != getpid(), !ProcessTable.isRunning(pid) else { continue }
            try? gpgconf(home: gnupgHome + "/" + name, ["--kill", "gpg-agent"])
            FileSystem.remove(gnupgHome + "/" + name)
        }
    }

    /// The GNUPGHOME gpg uses: `homeDirectory`, else $GNUPGHOME, else ~/.gnupg, made absolute.
    static func gnupgHome(_ homeDirectory: String?) -> String {
        let home = homeDirectory ?? ProcessInfo.processInfo.environment["GNUPGHOME"] ?? (NSHomeDirectory() + "/.gnupg")
        return FileSystem.absolute(home)
    }

    private static func gpgconf(home: String, _ arguments: [String]) throws {
        let status: Int32
        do { status = try ChildProcess("/usr/bin/gpgconf", ["--homedir", home] + arguments).run().status } catch {
            throw GooseError.signing("cannot run gpgconf: \(error)")
        }
        guard status == 0 else {
            throw GooseError.signing("gpgconf \(arguments.joined(separator: " ")) failed for \(home)")
        }
    }
}
