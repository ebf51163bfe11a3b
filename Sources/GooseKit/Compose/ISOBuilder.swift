import Foundation

/// Chooses how a tree becomes an ISO (libarchive, or xorriso for hybrid BIOS+EFI boot) and implants the MD5.
public enum ISOBuilder {
    /// Writes `tree` to `output`; returns the writer used: `libarchive`, `libarchive+eltorito` or `xorriso`.
    public static func build(tree: String, output: String, volumeId: String, timestamp: Int, scratch: String) throws -> String {
        let bios = FileSystem.isRegularFile(tree + "/isolinux/isolinux.bin") ? "isolinux/isolinux.bin" : nil
        let efi = FileSystem.isRegularFile(tree + "/images/efiboot.img") ? "images/efiboot.img" : nil
        if efi != nil {
            // SOURCE_DATE_EPOCH fixes xorriso's volume dates and GPT GUIDs; file dates would still be the tree's mtimes
            // (new files each compose), so every file gets the epoch too, read in UTC.
            try run("xorriso", xorrisoArguments(tree: tree, output: output, volumeId: volumeId, bios: bios, efi: efi!,
                                                fileDates: ISOWriter.volumeDate(timestamp)),
                    environment: ["SOURCE_DATE_EPOCH": String(timestamp), "TZ": "UTC"], context: output)
            return "xorriso"
        }
        let writer = try ISOWriter(output: output, options: ISOOptions(volumeId: volumeId, timestamp: timestamp, biosBootImage: bios))
        try writer.add(tree: tree, timestamp: timestamp)
        try writer.finish(volumeId: volumeId, timestamp: timestamp)
        return bios == nil ? "libarchive" : "libarchive+eltorito"
    }

    /// lorax's mkisofs flags for a hybrid image: BIOS isolinux entry (when present), then the EFI image, GPT for USB.
    public static func xorrisoArguments(tree: String, output: String, volumeId: String, bios: String?, efi: String, fileDates: String) -> [String] {
        var arguments = ["-as", "mkisofs", "-o", output, "-R", "-J", "-V", volumeId, "--set_all_file_dates", fileDates]
        if let bios {
            arguments += ["-b", bios, "-c", (bios as NSString).deletingLastPathComponent + "/boot.cat", "-no-emul-boot",
                          "-boot-load-size", "4", "-boot-info-table", "-eltorito-alt-boot"]
        }
        arguments += ["-e", efi, "-no-emul-boot", "-isohybrid-gpt-basdat", tree]
        return arguments
    }

    /// Implants the image's MD5 with isomd5sum's implantisomd5 and returns it as checkisomd5 reads it back.
    public static func implantMD5(_ iso: String) throws -> String {
        try run("implantisomd5", ["--force", iso], context: iso)
        let output = try run("checkisomd5", ["--md5sumonly", iso], context: iso)
        // checkisomd5 --md5sumonly prints "<file>:   <md5>", then the fragment sums.
        let line = output.split(separator: "\n").first { $0.hasPrefix(iso + ":") } ?? ""
        guard let md5 = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.map(String.init),
              md5.count == 32 else {
            throw GooseError.io(path: iso, reason: "checkisomd5 printed no MD5: \(output.prefix(200))")
        }
        return md5
    }

    /// Runs a field tool; a missing tool or a failure is an error naming `context` and the tool's last line.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:], context: String) throws -> String {
        guard let executable = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map({ "\($0)/\(tool)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw GooseError.io(path: context, reason: "\(tool) not found (install the \(tool == "xorriso" ? "xorriso" : "isomd5sum") package)")
        }
        let finished = try ChildProcess(executable, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
                                        output: .pipe, error: .standardOutput).run()
        let output = finished.outputText
        guard finished.status == 0 else {
            let last = output.split(separator: "\n").last.map(String.init) ?? "exit \(finished.status)"
            throw GooseError.io(path: context, reason: "\(tool) failed: \(last)")
        }
        return output
    }
}
