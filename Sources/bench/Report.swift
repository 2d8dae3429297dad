// Report: where bench's results go. A table on standard output, or with --json one JSON object
// keyed by case name on standard output (the table then goes to standard error, for a human).
//
// JSON layout: {"train-step": {"ms_per_iter": 41.2, ...}, "gemm": {...}}. When a case runs at
// several thread counts, its object holds one object per count: {"1": {...}, "2": {...}}.

import Tapestry

/// Collects figures per case and thread count; prints table lines.
final class BenchReport {
    let json: Bool
    /// case → thread count → figure name → value, in insertion order.
    var figures: [(name: String, threads: [(count: Int, values: [(String, Double)])])] = []

    init(json: Bool) { self.json = json }

    /// One line of the human-readable table.
    func line(_ text: String) {
        if json { writeToStandardError(text + "\n") } else { print(text) }
    }

    /// Records `value` under `key` for `benchCase` at `threads` threads.
    func add(_ benchCase: String, threads: Int, _ key: String, _ value: Double) {
        // Looked up, not "the last one": gemm alternates 1 and 2 threads shape by shape, and
        // a key must appear once in its object.
        if !figures.contains(where: { $0.name == benchCase }) { figures.append((benchCase, [])) }
        let c = figures.firstIndex { $0.name == benchCase }!
        if !figures[c].threads.contains(where: { $0.count == threads }) { figures[c].threads.append((threads, [])) }
        let t = figures[c].threads.firstIndex { $0.count == threads }!
        figures[c].threads[t].values.append((key, value))
    }

    /// The JSON object of everything recorded.
    func jsonText() -> String {
        func object(_ values: [(String, Double)]) -> String {
            "{" + values.map { "\"\($0.0)\": \(number($0.1))" }.joined(separator: ", ") + "}"
        }
        let cases = figures.map { entry -> String in
            let body = entry.threads.count == 1
                ? object(entry.threads[0].values)
                : "{" + entry.threads.map { "\"\($0.count)\": \(object($0.values))" }.joined(separator: ", ") + "}"
            return "  \"\(entry.name)\": \(body)"
        }
        return "{\n" + cases.joined(separator: ",\n") + "\n}"
    }

    func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }
}
