import Testing
@testable import BarrierCore

@Test func fixturesArePresent() throws {
    #expect(try Fixture.bytes("server-to-client.bin").count == 257_816)
}
