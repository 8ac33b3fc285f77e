import Testing

@testable import Server

@Suite struct ConstantTimeEqualsTests {
    @Test(arguments: [
        ("secret", "secret", true), ("secret", "secreT", false), ("", "secret", false), ("secretx", "secret", false),
        ("secre", "secret", false), ("", "", true), ("xecret", "secret", false),
    ])
    func comparesBytes(_ presented: String, _ expected: String, _ equal: Bool) {
        #expect(constantTimeEquals(Array(presented.utf8), Array(expected.utf8)) == equal)
    }
}
