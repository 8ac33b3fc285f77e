import Testing
@testable import Learner

@Test func moduleLinks() {
    #expect(Bool(true))
}
