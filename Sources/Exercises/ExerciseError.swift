// Exercises: YOUR code for the course in notebooks-md/.
//
// Every exercise is one function in this folder, one file per lesson. Each starts as a stub that
// throws `ExerciseError.notImplemented`. Replace the `throw` with your implementation, then run
// the grader, which checks this target's functions (never the reference solutions):
//
//     swift run grade 5.1        grade one exercise
//     swift run grade            list every exercise and grade them all
//
// The reference solutions live apart, in Sources/ExerciseSolutions. Try first; peek later.
// Nothing in .ci/run grades this folder, so an unsolved (or half-solved) exercise never breaks
// the build's tests. It must still compile.

/// What an unsolved exercise throws; the grader prints it as the reason for FAIL.
public enum ExerciseError: Error, CustomStringConvertible {
    /// The stub has not been replaced yet: `notImplemented("Exercise 5.1")`.
    case notImplemented(String)

    public var description: String {
        switch self {
        case .notImplemented(let exercise): "not implemented yet: \(exercise)"
        }
    }
}
