import Testing
@testable import Stream

@Test func moduleLinks() {
    #expect(Bool(true))
}
