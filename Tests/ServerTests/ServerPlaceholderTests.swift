import Testing
@testable import Server

@Test func moduleLinks() {
    #expect(Bool(true))
}
