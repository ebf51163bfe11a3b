import CRPM
import Foundation

/// The macros a spec is evaluated with: `--define`, `--with`, `--without` and macro files, as rpmbuild takes them.
public struct SpecMacroOptions: Hashable, Sendable, Codable {
    public var definitions: [String]
    public var withConditionals: [String]
    public var withoutConditionals: [String]
    public var macroFiles: [String]

    public init(definitions: [String] = [], withConditionals: [String] = [], withoutConditionals: [String] = [], macroFiles: [String] = []) {
        self.definitions = definitions
        self.withConditionals = withConditionals
        self.withoutConditionals = withoutConditionals
        self.macroFiles = macroFiles
    }

    /// The same options with `--with name` added (for bootstrap analysis).
    public func adding(with name: String) -> SpecMacroOptions {
        var copy = self
        copy.withoutConditionals.removeAll { $0 == name }
        if !copy.withConditionals.contains(name) { copy.withConditionals.append(name) }
        return copy
    }
}

/// One binary package a spec produces.
public struct SpecBinaryPackage: Hashable, Sendable, Codable {
    public var name: String
    public var provides: [Dependency]
    public var requires: [Dependency]

    public init(name: String, provides: [Dependency], requires: [Dependency]) {
        self.name = name
        self.provides = provides
        self.requires = requires
    }
}

/// What librpm's spec parser says about one source package.
public struct ParsedSpec: Hashable, Sendable, Codable {
    /// The source package name (the spec's Name).
    public var name: String
    public var evr: EVR
    public var buildRequires: [Dependency]
    public var packages: [SpecBinaryPackage]
    /// Whether the spec has a `%generate_buildrequires` section: more BuildRequires appear only when it runs
    /// (`rpmbuild -br`), so `buildRequires` holds the static ones alone.
    public var generatesBuildRequires: Bool

    public init(name: String, evr: EVR, buildRequires: [Dependency], packages: [SpecBinaryPackage], generatesBuildRequires: Bool = false) {
        self.name = name
        self.evr = evr
        self.buildRequires = buildRequires
        self.packages = packages
        self.generatesBuildRequires = generatesBuildRequires
    }
}

/// Macros that run a shell on every expansion although their value is the host's, not the spec's: rpm's
/// `%_smp_build_ncpus` (`%_smp_mflags`, `%make_build`) and `%_make_output_sync` (`make --version -O`). Parsing
/// expands the build scriptlets, so they ran 2–3 times per spec (2,673 of the 3,269 shell-outs of the photon
/// corpus) and cost as much CPU as librpm's parse itself. A run evaluates them once, with its options, and every
/// spec that cannot change their inputs gets the values as plain definitions; rpm's `%(...)` would print the same.
public struct HostConstantMacros: Sendable, Equatable {
    /// Macro name → the text its expansion gives on this host with the run's options.
    public var values: [String: String]

    /// The macros memoised, and what their shell commands read besides the host: a spec that mentions any of
    /// these (sets a CPU cap, another make, an environment override) is parsed with rpm's own definitions. A spec
    /// that defines a memoised macro itself needs no check: its definition shadows the memoised one.
    static let names = ["_smp_build_ncpus", "_make_output_sync"]
    static let inputs = ["_smp_ncpus_max", "RPM_BUILD_NCPUS", "__make", "constrain_build"]

    public init(values: [String: String]) {
        self.values = values
    }

    /// Whether a spec's text leaves every input of the memoised macros alone.
    func applies(to specText: Data) -> Bool {
        !Self.inputs.contains { name in specText.range(of: Data(name.utf8)) != nil }
    }
}

/// Parses spec files with librpmbuild's `rpmSpecParse`, as `rpmspec -q` does.
///
/// librpm keeps macros in one process-wide context and a spec's `%global`s stay in it after parsing, so
/// every parse resets the context and reloads the configuration first, as rpmbuild does between specs.
/// That makes parsing unsafe to run on several threads of one process: goose parses in worker processes.
public enum SpecParser {
    private static let lock = NSLock()

    /// Expands the host-constant macros once under `options` (their shell-outs run here, once per run or worker).
    public static func hostConstantMacros(options: SpecMacroOptions) -> HostConstantMacros {
        RPMLibrary.ensureInitialized()
        lock.lock()
        defer { lock.unlock() }
        var values: [String: String] = [:]
        _ = RPMLibrary.capturingLog { () -> Bool in
            resetMacros(options: options, specDirectory: ".", hostMacros: nil)
            for name in HostConstantMacros.names {
                // A macro rpm does not define here is left to rpm.
                guard rpmMacroIsDefined(nil, name) != 0 else { continue }
                var expanded: UnsafeMutablePointer<CChar>?
                guard rpmExpandMacros(nil, "%{\(name)}", &expanded, 0) >= 0, let expanded else { continue }
                defer { free(expanded) }
                values[name] = String(cString: expanded)
            }
            return true
        }
        return HostConstantMacros(values: values)
    }

    /// Parses `path` with `options`; the error carries rpm's own messages. `hostMacros` (from
    /// `hostConstantMacros(options:)` with the same options) saves the host-constant macros' shell-outs.
    public static func parse(path: String, options: SpecMacroOptions, hostMacros: HostConstantMacros? = nil) throws -> ParsedSpec {
        RPMLibrary.ensureInitialized()
        lock.lock()
        defer { lock.unlock() }
        // rpm 4.18 cannot tell whether a parsed spec has a %generate_buildrequires section (no getter, and the
        // preprocessed text loses the header after %prep). A copy whose header line opens a marker subpackage
        // instead lets rpm itself say whether the section survives the spec's conditionals.
        var parsedPath = path
        var markedCopy: String?
        let text = try? FileSystem.contents(of: path)
        let memoised = text.flatMap { text in hostMacros.flatMap { $0.applies(to: text) ? $0 : nil } }
        if let text, let marked = markingGeneratedBuildRequires(in: text) {
            let directory = try FileSystem.makeTemporaryDirectory(in: NSTemporaryDirectory(), prefix: "goose-spec-")
            let copy = directory + "/" + (path as NSString).lastPathComponent
            try AtomicFileWriter.write(marked, to: copy)
            parsedPath = copy
            markedCopy = directory
        }
        defer { if let markedCopy { FileSystem.remove(markedCopy) } }
        let (result, messages) = RPMLibrary.capturingLog { () -> ParsedSpec? in
            resetMacros(options: options, specDirectory: (path as NSString).deletingLastPathComponent, hostMacros: memoised)
            guard let spec = rpmSpecParse(parsedPath, rpmSpecFlags(RPMSPEC_ANYARCH.rawValue | RPMSPEC_FORCE.rawValue), nil) else { return nil }
            defer { rpmSpecFree(spec) }
            return read(spec)
        }
        guard let result else {
            let errors = messages.filter { !$0.isEmpty }.map { $0.replacingOccurrences(of: parsedPath, with: path) }
            let reason = errors.isEmpty ? "rpm could not parse the spec" : errors.suffix(3).joined(separator: "; ")
            throw GooseError.invalidPackage(file: path, reason: reason.replacingOccurrences(of: "\n", with: " "))
        }
        return result
    }

    private static func resetMacros(options: SpecMacroOptions, specDirectory: String, hostMacros: HostConstantMacros?) {
        rpmFreeMacros(nil)
        rpmFreeRpmrc()
        _ = rpmReadConfigFiles(nil, nil)
        rpmPushMacro(nil, "_dbpath", nil, "/nonexistent/goose-no-rpmdb", RMIL_GLOBAL)
        // dist-git keeps sources beside the spec (as fedpkg sets it), so %{SOURCE1} includes resolve there.
        rpmPushMacro(nil, "_sourcedir", nil, specDirectory.isEmpty ? "." : specDirectory, RMIL_CMDLINE)
        for file in options.macroFiles { _ = rpmLoadMacroFile(nil, file) }
        for definition in options.definitions { _ = rpmDefineMacro(nil, definition, RMIL_CMDLINE) }
        // rpmbuild's --with X / --without X are exactly these definitions (see rpmbuild's popt table).
        for name in options.withConditionals { _ = rpmDefineMacro(nil, "_with_\(name) --with-\(name)", RMIL_CMDLINE) }
        for name in options.withoutConditionals { _ = rpmDefineMacro(nil, "_without_\(name) --without-\(name)", RMIL_CMDLINE) }
        // On top of rpm's own definitions, at their level: a spec's %define still shadows them, %undefine
        // uncovers rpm's. An empty value is %{nil}, since a macro body cannot be empty.
        for (name, value) in hostMacros?.values ?? [:] {
            let body = value.isEmpty ? "%{nil}" : value.replacingOccurrences(of: "%", with: "%%")
            rpmPushMacro(nil, name, nil, body, RMIL_MACROFILES)
        }
    }

    private static func read(_ spec: rpmSpec) -> ParsedSpec? {
        guard let sourceHeader = rpmSpecSourceHeader(spec) else { return nil }
        let source = RPMHeader(owning: headerLink(sourceHeader))
        let name = source.string(RPMTAG_NAME) ?? ""
        let evr = EVR(epoch: source.number(RPMTAG_EPOCH).map { Int($0) },
                      version: source.string(RPMTAG_VERSION) ?? "", release: source.string(RPMTAG_RELEASE) ?? "")
        let buildRequires = source.dependencies(RPMTAG_REQUIRENAME).filter { !$0.name.hasPrefix("rpmlib(") }
        var packages: [SpecBinaryPackage] = []
        let iterator = rpmSpecPkgIterInit(spec)
        defer { rpmSpecPkgIterFree(iterator) }
        while let package = rpmSpecPkgIterNext(iterator) {
            guard let headerPointer = rpmSpecPkgHeader(package) else { continue }
            let header = RPMHeader(owning: headerLink(headerPointer))
            let packageName = header.string(RPMTAG_NAME) ?? ""
            var provides = header.dependencies(RPMTAG_PROVIDENAME)
            let implicit = Dependency(name: packageName, flags: .equal, version: evrText(header))
            if !provides.contains(where: { $0.name == packageName && $0.flags == .equal }) { provides.append(implicit) }
            let requires = header.dependencies(RPMTAG_REQUIRENAME).filter { !$0.name.hasPrefix("rpmlib(") }
            packages.append(SpecBinaryPackage(name: packageName, provides: provides, requires: requires))
        }
        let generates = packages.contains { $0.name == generatedBuildRequiresMarker }
        packages.removeAll { $0.name == generatedBuildRequiresMarker }
        return ParsedSpec(name: name, evr: evr, buildRequires: buildRequires, packages: packages, generatesBuildRequires: generates)
    }

    /// The subpackage that stands in for a `%generate_buildrequires` section in the marked copy.
    static let generatedBuildRequiresMarker = "goose-generate-buildrequires-marker"

    /// The spec with each `%generate_buildrequires` header replaced by a marker subpackage whose description takes the
    /// section's lines (so they are not run); nil when the spec has no such header. rpm starts sections at line start.
    static func markingGeneratedBuildRequires(in text: Data) -> Data? {
        let header = "%generate_buildrequires"
        guard let string = String(data: text, encoding: .utf8), string.contains(header) else { return nil }
        var found = false
        let lines = string.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix(header) else { return String(line) }
            let rest = line.dropFirst(header.count)
            guard rest.isEmpty || rest.first == " " || rest.first == "\t" || rest.first == "\r" else { return String(line) }
            found = true
            return "%package -n \(generatedBuildRequiresMarker)\nSummary: marker\n%description -n \(generatedBuildRequiresMarker)"
        }
        return found ? Data(lines.joined(separator: "\n").utf8) : nil
    }

    private static func evrText(_ header: RPMHeader) -> String {
        let base = "\(header.string(RPMTAG_VERSION) ?? "")-\(header.string(RPMTAG_RELEASE) ?? "")"
        if let epoch = header.number(RPMTAG_EPOCH) { return "\(epoch):\(base)" }
        return base
    }
}
