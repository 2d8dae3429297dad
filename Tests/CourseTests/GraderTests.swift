// GraderTests: every grader passes the reference solution, fails the untouched stub, and fails
// at least one plausible wrong answer (see GraderTests+WrongAnswers.swift), naming the first
// wrong value. Nothing here expects the learner's own code (Sources/Exercises) to pass.

import Exercises
import Grading
import TapestryTestSupport
import Testing

@Suite struct GraderTests {
    @Test(arguments: Catalog.exercises.map(\.id))
    func referenceSolutionPasses(_ id: String) throws {
        let exercise = try #require(Catalog.exercises(matching: id).first)
        let result = exercise.grade(CourseImplementations.reference)
        #expect(result.passed, "\(result.report)")
        #expect(result.checksPassed >= 3, "a grader should check several cases: \(result.report)")
    }

    @Test(arguments: Catalog.exercises.map(\.id))
    func untouchedStubFails(_ id: String) throws {
        let exercise = try #require(Catalog.exercises(matching: id).first)
        let result = exercise.grade(CourseImplementations.stubs)
        #expect(!result.passed)
        #expect(result.isNotImplemented, "\(result.report)")
        #expect(result.report.contains("not implemented yet: Exercise \(id)"), "\(result.report)")
        #expect(result.checksPassed == 0)
    }

    /// The real stubs in Sources/Exercises fail too, as long as they are untouched. (Once the
    /// learner writes an answer, this test has nothing to say about it: grading is `grade`'s job.)
    @Test(arguments: Catalog.exercises.map(\.id))
    func sourcesExercisesStubFailsWhileUnsolved(_ id: String) throws {
        let exercise = try #require(Catalog.exercises(matching: id).first)
        let result = exercise.grade(CourseImplementations.learner)
        if result.isNotImplemented {
            #expect(!result.passed)
            #expect(result.report.contains("Exercise \(id)"), "the stub of \(id) names another exercise: \(result.report)")
        }
    }

    @Test func catalogIsInCourseOrderWithUniqueIdsAndEveryLessonFrom4To11() {
        let ids = Catalog.exercises.map(\.id)
        #expect(Set(ids).count == ids.count)
        let lessons = ids.map { Int($0.split(separator: ".")[0])! }
        #expect(lessons == lessons.sorted())
        #expect(Set(4...11).isSubset(of: Set(lessons)))
        for exercise in Catalog.exercises {
            #expect(exercise.file.hasPrefix("Sources/Exercises/Lesson"))
            #expect(exercise.lesson.hasPrefix("notebooks-md/"))
        }
    }

    @Test func gradeProgramListsAndGradesEverything() {
        var lines: [String] = []
        let stubStatus = GradeProgram.run(arguments: [], implementations: CourseImplementations.stubs) { lines.append($0) }
        #expect(stubStatus == 1)
        #expect(lines.count == Catalog.exercises.count + 1)
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("todo ") })
        #expect(lines.last?.hasPrefix("0 of \(Catalog.exercises.count) exercises pass") == true)

        lines = []
        let referenceStatus = GradeProgram.run(arguments: [], implementations: CourseImplementations.reference) { lines.append($0) }
        #expect(referenceStatus == 0)
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("PASS ") })
    }

    @Test func gradeProgramGradesOneExerciseOrOneLesson() {
        var lines: [String] = []
        #expect(GradeProgram.run(arguments: ["5.1"], implementations: CourseImplementations.reference) { lines.append($0) } == 0)
        #expect(lines.count == 1 && lines[0].hasPrefix("PASS 5.1 stable softmax ("))

        lines = []
        #expect(GradeProgram.run(arguments: ["5.1"], implementations: CourseImplementations.stubs) { lines.append($0) } == 1)
        #expect(lines == ["FAIL 5.1 stable softmax",
                          "  stableSoftmax([1, 2, 3]) threw: not implemented yet: Exercise 5.1",
                          "  hint: replace the `throw ExerciseError.notImplemented(...)` line with your code",
                          "  (your code: Sources/Exercises/Lesson05Attention.swift, stableSoftmax(_:))"])

        lines = []
        #expect(GradeProgram.run(arguments: ["9"], implementations: CourseImplementations.reference) { lines.append($0) } == 0)
        #expect(lines.map { $0.prefix(8) } == ["PASS 9.1", "PASS 9.2", "PASS 9.3"])
    }

    @Test func gradeProgramRejectsUnknownExercises() {
        var lines: [String] = []
        #expect(GradeProgram.run(arguments: ["13.1"], implementations: CourseImplementations.reference) { lines.append($0) } == 2)
        #expect(lines.first?.hasPrefix("error: grade: unknown exercise \"13.1\"") == true)
        lines = []
        #expect(GradeProgram.run(arguments: ["1"], implementations: CourseImplementations.reference) { lines.append($0) } == 0)
        #expect(lines.count == 1, "lesson 1 must not also select 10.x, 11.x, 12.x: \(lines)")
    }
}

/// The built `grade` program itself: wired to the learner's target, with the documented exit
/// statuses. (It is run on whatever Sources/Exercises holds, so only the shape of its output is
/// checked, never whether an exercise passes.)
@Suite struct GradeProgramTests {
    @Test func listsEveryExercise() {
        let result = runProgram("grade", arguments: ["--list"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2 * Catalog.exercises.count)
        #expect(lines.first?.hasPrefix("1.1   BPE merge step") == true)
    }

    @Test func gradesOneExerciseAndRejectsAnUnknownOne() {
        let one = runProgram("grade", arguments: ["5.1"])
        #expect(one.exitCode == 0 || one.exitCode == 1, "\(one.stderr)")
        #expect(one.stdout.hasPrefix("PASS 5.1 stable softmax") || one.stdout.hasPrefix("FAIL 5.1 stable softmax"), "\(one.stdout)")
        let unknown = runProgram("grade", arguments: ["99.9"])
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.hasPrefix("error: grade: unknown exercise \"99.9\""), "stderr: \(unknown.stderr)")
        #expect(unknown.stdout.isEmpty)
    }
}
