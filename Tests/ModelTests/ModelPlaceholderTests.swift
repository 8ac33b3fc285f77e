import Testing
@testable import Model

@Test func moduleLinks() {
    #expect(Bool(true))
}
