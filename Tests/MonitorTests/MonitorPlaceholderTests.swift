import Testing
@testable import Monitor

@Test func moduleLinks() {
    #expect(Bool(true))
}
