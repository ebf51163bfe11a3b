import Foundation

/// The few macro forms a Release: value usually uses, expanded from the spec's own `%global`/`%define`
/// lines and its Name/Version/Epoch tags. Anything rpm would need to run (shell, Lua, expressions,
/// parametric macros) makes the expansion unknown, so callers can fall back instead of guessing.
struct SpecMacros {
    /// Defined macros; a nil body means defined but not expandable here (multi-line, parametric).
    private var definitions: [String: String?] = [:]

    init(spec: String) {
        var tags: [String: String] = [:]
        var inPreamble = true
        for line in SpecText.lines(spec) {
            if let keyword = SpecText.sectionKeyword(line) {
                inPreamble = keyword == "package"
                continue
            }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            for keyword in ["%global", "%define"] where trimmed.hasPrefix(keyword) {
                let rest = trimmed.dropFirst(keyword.count)
                guard rest.first == " " || rest.first == "\t" else { continue }
                let afterBlanks = rest.drop { $0 == " " || $0 == "\t" }
                let name = afterBlanks.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                guard !name.isEmpty else { continue }
                let remainder = afterBlanks.dropFirst(name.count)
                let body = remainder.trimmingCharacters(in: .whitespaces)
                let parametric = remainder.first == "("
                definitions[String(name)] = parametric || body.hasSuffix("\\") ? .some(nil) : .some(body)
            }
            if inPreamble, let tag = SpecText.tagLine(line) {
                let name = tag.name.lowercased()
                if ["name", "version", "epoch"].contains(name), tags[name] == nil { tags[name] = String(tag.value) }
            }
        }
        for (name, value) in tags where definitions[name] == nil { definitions[name] = .some(value) }
    }

    /// The expansion of `text`, or nil when it uses anything not known here.
    func expand(_ text: String) -> String? {
        expand(Substring(text), depth: 0)
    }

    private func expand(_ text: Substring, depth: Int) -> String? {
        guard depth < 20 else { return nil }
        var result = ""
        var rest = text
        while let percent = rest.firstIndex(of: "%") {
            result += rest[..<percent]
            rest = rest[rest.index(after: percent)...]
            guard let next = rest.first else { return nil }
            if next == "%" {
                result += "%"
                rest = rest.dropFirst()
            } else if next == "{" {
                guard let close = matchingBrace(rest) else { return nil }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                guard let value = expandBraced(inner, depth: depth) else { return nil }
                result += value
            } else if next == "?" || next == "!" || next.isLetter || next == "_" {
                var conditional = false
                if next == "?" { conditional = true; rest = rest.dropFirst() }
                let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                guard !name.isEmpty else { return nil }
                rest = rest.dropFirst(name.count)
                guard let value = lookup(String(name), conditional: conditional, depth: depth) else { return nil }
                result += value
            } else {
                // %( shell ), %[ expression ] and the like need rpm itself.
                return nil
            }
        }
        return result + rest
    }

    /// Expands the inside of `%{…}`: `name`, `?name`, `?name:text`, `!?name:text`.
    private func expandBraced(_ inner: Substring, depth: Int) -> String? {
        var body = inner
        var negated = false
        var conditional = false
        if body.hasPrefix("!?") { negated = true; conditional = true; body = body.dropFirst(2) }
        else if body.hasPrefix("?!") { negated = true; conditional = true; body = body.dropFirst(2) }
        else if body.hasPrefix("?") { conditional = true; body = body.dropFirst() }
        let name = body.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        guard !name.isEmpty else { return nil }
        let afterName = body.dropFirst(name.count)
        if afterName.isEmpty {
            if negated { return "" }
            return lookup(String(name), conditional: conditional, depth: depth)
        }
        guard conditional, afterName.first == ":" else { return nil }
        let alternative = afterName.dropFirst()
        // Macros the spec does not define are taken as undefined; the caller checks the result
        // against the release rpm really built, which catches a build system that defines them.
        let defined = definitions[String(name)] != nil
        return defined != negated ? expand(alternative, depth: depth + 1) : ""
    }

    private func lookup(_ name: String, conditional: Bool, depth: Int) -> String? {
        guard let entry = definitions[name] else {
            // `%{?x}` is empty when the spec does not define x (see expandBraced on why that is safe).
            return conditional ? "" : nil
        }
        guard let body = entry else { return nil }
        return expand(Substring(body), depth: depth + 1)
    }

    private func matchingBrace(_ text: Substring) -> Substring.Index? {
        var level = 0
        var index = text.startIndex
        while index < text.endIndex {
            switch text[index] {
            case "{": level += 1
            case "}":
                level -= 1
                if level == 0 { return index }
            default: break
            }
            index = text.index(after: index)
        }
        return nil
    }
}
