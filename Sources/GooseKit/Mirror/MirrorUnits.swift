import Foundation

/// Parsing of the durations and rates mirror commands take on the command line.
public enum MirrorUnits {
    /// `90`, `90s`, `15m`, `2h`, `1d` → seconds.
    public static func duration(_ text: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            if let value = Double(trimmed.dropLast(suffix.count)), value >= 0 { return value * factor }
        }
        guard let value = Double(trimmed), value >= 0 else { throw GooseError.usage("invalid duration '\(text)' (examples: 30, 30s, 15m, 2h)") }
        return value
    }

    /// rsync's `--bwlimit` convention: a bare number is KiB/s; `k`, `m`, `g` suffixes are binary units → bytes/s.
    public static func rate(_ text: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("k", 1024), ("m", 1024 * 1024), ("g", 1024 * 1024 * 1024)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) || trimmed.hasSuffix(suffix + "b") {
            let number = trimmed.hasSuffix("b") ? trimmed.dropLast(2) : trimmed.dropLast(1)
            if let value = Double(number), value >= 0 { return Int(value * factor) }
        }
        guard let value = Double(trimmed), value >= 0 else { throw GooseError.usage("invalid rate '\(text)' (examples: 500, 800k, 10m)") }
        return Int(value * 1024)
    }
}
