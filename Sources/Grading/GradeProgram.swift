// GradeProgram: what `swift run grade [exercise]` does, as a testable function.
//
//     swift run grade            every exercise: one line each, then a count
//     swift run grade 5.1        one exercise, with the first wrong value and a hint on FAIL
//     swift run grade 5          every exercise of lesson 5
//     swift run grade --list     the exercises, where they are taught and where to write them
//
// Exit status: 0 when everything graded passed, 1 when something failed, 2 for a usage mistake.

/// The `grade` program, independent of whose implementations it grades.
public enum GradeProgram {
    /// Runs the program on `arguments` (without the program name), writing lines with `write`
    /// and a usage mistake with `writeError` (the program: stderr; by default `write`).
    /// Returns the exit status.
    public static func run(arguments: [String], implementations: ExerciseImplementations,
                           writeError: ((String) -> Void)? = nil, write: (String) -> Void) -> Int32 {
        switch arguments.first {
        case nil:
            var passed = 0, unsolved = 0
            for exercise in Catalog.exercises {
                let result = exercise.grade(implementations)
                if result.passed { passed += 1 }
                if result.isNotImplemented { unsolved += 1 }
                let status = result.passed ? "PASS" : result.isNotImplemented ? "todo" : "FAIL"
                write("\(status)  \(pad(exercise.id, 5)) \(pad(exercise.title, 30)) \(exercise.file)")
            }
            write("\(passed) of \(Catalog.exercises.count) exercises pass (\(unsolved) not started). "
                  + "Details: swift run grade <number>, e.g. swift run grade 5.1")
            return passed == Catalog.exercises.count ? 0 : 1
        case "--list", "-l":
            for exercise in Catalog.exercises {
                write("\(pad(exercise.id, 5)) \(pad(exercise.title, 30)) \(exercise.function)")
                write("      taught in \(exercise.lesson), write it in \(exercise.file)")
            }
            return 0
        case "--help", "-h":
            write(usage)
            return 0
        case let selector?:
            let chosen = Catalog.exercises(matching: selector)
            guard arguments.count == 1, !chosen.isEmpty else {
                for line in ["error: grade: unknown exercise \"\(arguments.joined(separator: " "))\"; the exercises are "
                             + Catalog.exercises.map(\.id).joined(separator: ", "), usage] {
                    if let writeError { writeError(line) } else { write(line) }
                }
                return 2
            }
            var allPassed = true
            for exercise in chosen {
                let result = exercise.grade(implementations)
                allPassed = allPassed && result.passed
                result.report.split(separator: "\n").forEach { write(String($0)) }
                if !result.passed { write("  (your code: \(exercise.file), \(exercise.function))") }
            }
            return allPassed ? 0 : 1
        }
    }

    static let usage = """
        usage: swift run grade [EXERCISE | LESSON | --list]
          swift run grade          grade every exercise, one line each
          swift run grade 5.1      grade exercise 5.1, showing the first wrong value and a hint
          swift run grade 5        grade the exercises of lesson 5
          swift run grade --list   list the exercises and the files to write them in
        """

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
