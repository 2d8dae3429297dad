// TrainError: what can stop a run, as one line a person can act on.

/// A failure that ends a program with a one-line message. `exitCode` is 2 for misuse
/// (bad flags or input), 1 for other failures.
public struct TrainError: Error, CustomStringConvertible {
    public let description: String
    public let exitCode: Int32

    public init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}
