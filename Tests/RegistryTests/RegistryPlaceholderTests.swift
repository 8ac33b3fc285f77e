import Testing
@testable import Registry

@Test func moduleLinks() {
    #expect(Bool(true))
}
