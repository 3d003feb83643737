import Testing
@testable import TesseraCore

@Suite struct NetworkAddressTests {
    @Test(arguments: [
        ("127.0.0.1", [127, 0, 0, 1]), ("0.0.0.0", [0, 0, 0, 0]), ("255.255.255.255", [255, 255, 255, 255]),
        ("8.8.4.4", [8, 8, 4, 4]),
    ] as [(String, [UInt8])])
    func dottedQuadsParse(text: String, bytes: [UInt8]) {
        #expect(NetworkAddress(text)?.bytes == bytes)
        #expect(NetworkAddress(text)?.description == text)
    }

    @Test(arguments: ["127.1", "0177.0.0.1", "127.0.0.01", "2130706433", "0x7f000001", "256.0.0.1", "1.2.3.4.5",
                      "1.2.3.", "", "1..2.3", "a.b.c.d", "127.0.0.1 ", "[::1]", "fe80::1%eth0", ":::", "1::2::3",
                      "1:2:3:4:5:6:7:8:9", "12345::", "::1.2.3", "1:2:3:4:5:6:7", "g::1", ":1::2", "1::2:"])
    func nonCanonicalFormsAreNotAddresses(text: String) {
        #expect(NetworkAddress(text) == nil)
    }

    @Test(arguments: [
        ("::1", "::1"), ("::", "::"), ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("fe80::1", "fe80::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"), ("64:ff9b::10.0.0.1", "64:ff9b::a00:1"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"), ("2606:4700:0:0:0:0:0:1111", "2606:4700::1111"),
    ])
    func ipv6TextParsesAndPrintsAsRFC5952(text: String, printed: String) throws {
        let address = try #require(NetworkAddress(text))
        #expect(address.bytes.count == 16)
        #expect(address.description == printed)
        #expect(NetworkAddress(printed) == address)
    }

    @Test(arguments: [
        ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("0", "0.0.0.0"), ("0x", "0.0.0.0"),
        ("10.0x10.1", "10.16.0.1"), ("3232235521", "192.168.0.1"), ("017700000001", "127.0.0.1"),
    ])
    func legacyForms(text: String, address: String) {
        #expect(NetworkAddress.legacyIPv4(text)?.description == address)
    }

    @Test(arguments: ["4294967296", "256.1", "1.256.1", "08", "0x1g", "1.2.3.4.5", "", "a", "1..1", "1."])
    func legacyFormsAResolverRefusesAreNoAddress(text: String) {
        #expect(NetworkAddress.legacyIPv4(text) == nil)
    }

    @Test(arguments: [
        ("127.0.0.1", .loopback), ("127.255.1.2", .loopback), ("10.1.2.3", .privateNetwork),
        ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork), ("192.168.1.1", .privateNetwork),
        ("100.64.0.1", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace), ("169.254.169.254", .linkLocal),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified),
        ("240.0.0.1", .reserved), ("255.255.255.255", .broadcast), ("192.0.0.8", .protocolAssignment),
        ("192.0.2.1", .documentation), ("198.18.0.1", .benchmarking), ("198.19.255.255", .benchmarking),
        ("198.51.100.7", .documentation), ("203.0.113.9", .documentation),
        ("::1", .loopback), ("::", .unspecified), ("fc00::1", .privateNetwork), ("fd12:3456::1", .privateNetwork),
        ("fe80::1", .linkLocal), ("febf::1", .linkLocal), ("ff02::1", .multicast), ("2001:db8::1", .documentation),
        ("::ffff:127.0.0.1", .loopback), ("::ffff:10.0.0.1", .privateNetwork), ("::ffff:169.254.169.254", .linkLocal),
        ("64:ff9b::127.0.0.1", .loopback), ("64:ff9b::192.168.0.1", .privateNetwork), ("::127.0.0.1", .reserved),
        ("2002:7f00:1::", .loopback), ("2001::1", .protocolAssignment), ("100::1", .reserved),
    ] as [(String, SpecialUse)])
    func specialRanges(text: String, use: SpecialUse) throws {
        #expect(try #require(NetworkAddress(text)).specialUse == use)
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
                      "192.0.1.1", "192.0.3.1", "198.17.255.255", "198.20.0.1", "223.255.255.255", "169.253.1.1",
                      "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
                      "2002:808:808::1"])
    func publicAddressesHaveNoSpecialUse(text: String) throws {
        #expect(try #require(NetworkAddress(text)).specialUse == nil)
    }
}

@Suite struct WebhookTargetPolicyTests {
    let strict = WebhookTargetPolicy()
    let lenient = WebhookTargetPolicy(allowsPrivateNetworks: true)

    func reason(_ policy: WebhookTargetPolicy, _ url: String) -> WebhookTargetRefusal.Reason? {
        do {
            _ = try policy.target(for: url)
            return nil
        } catch {
            return error.reason
        }
    }

    /// Every forbidden form the issue lists, refused by the default policy.
    static let forbiddenURLs = [
        "http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://LOCALHOST./x", "http://api.localhost:9000/x",
        "http://0x7f000001/x", "http://2130706433/x", "http://0177.0.0.1/x", "http://127.1/x", "http://127.0.1/x",
        "http://user:pw@127.0.0.1/x", "http://user@example.com/x", "http://@example.com/x",
        "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://172.16.3.4/", "http://192.168.0.10/",
        "http://100.64.1.1/", "http://224.0.0.1/", "http://0.0.0.0:8000/", "http://0/", "http://240.1.1.1/",
        "http://255.255.255.255/", "http://192.0.0.1/", "http://192.0.2.5/", "http://198.18.0.1/", "http://198.51.100.1/",
        "http://203.0.113.1/", "http://[::1]:8080/x", "http://[::]/", "http://[fc00::1]/", "http://[fd00::5]/",
        "http://[fe80::1]/", "http://[ff02::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
        "http://[64:ff9b::a9fe:a9fe]/", "http://[2001:db8::1]/", "http://[fe80::1%25eth0]/", "http://%31%32%37.0.0.1/",
        "http://127.0.0.1./", "http://1.2.3.4.5/", "http://example.0x10/", "ftp://example.com/", "file:///etc/passwd",
        "gopher://example.com/", "not a url", "http://", "/relative", "", "http://exa%20mple.com/",
        "http://example.com:0/",
    ]

    @Test(arguments: forbiddenURLs)
    func forbiddenURLsAreRefused(url: String) {
        #expect(reason(strict, url) != nil, "\(url) was accepted")
    }

    @Test func refusalsSayWhy() {
        #expect(reason(strict, "http://127.0.0.1/") == .forbiddenAddress(.loopback))
        #expect(reason(strict, "http://[::ffff:169.254.169.254]/") == .forbiddenAddress(.linkLocal))
        #expect(reason(strict, "http://localhost/") == .localhostName)
        #expect(reason(strict, "http://0x7f000001/") == .nonCanonicalNumber)
        #expect(reason(strict, "http://u:p@example.com/") == .userInfo)
        #expect(reason(strict, "ftp://example.com/") == .notHTTP)
        #expect(reason(strict, "http://[fe80::1%25eth0]/") == .invalidHost)
        do {
            _ = try strict.target(for: "http://0x7f000001:8000/")
        } catch {
            #expect(error.message.contains("127.0.0.1"))
        }
    }

    @Test(arguments: ["https://app.example.com/hooks/tessera", "http://example.com", "HTTPS://Example.COM:8443/x?y=1",
                      "http://8.8.8.8/", "http://[2606:4700:4700::1111]:8080/", "https://bücher.example/hook",
                      "https://hooks.example.com./in", "http://_dmarc.example.com/", "http://127.0.0.1.nip.io/"])
    func publicURLsAreAccepted(url: String) {
        #expect(reason(strict, url) == nil)
        #expect(reason(lenient, url) == nil)
    }

    @Test func theTargetNamesWhatToConnectTo() throws {
        let named = try strict.target(for: "https://Hooks.Example.com/in")
        #expect(named == WebhookTarget(isHTTPS: true, host: "Hooks.Example.com", kind: .name("Hooks.Example.com"), port: 443))
        let literal = try strict.target(for: "http://[2606:4700::1111]:8080/x")
        #expect(literal.kind == .address(try #require(NetworkAddress("2606:4700::1111"))))
        #expect(literal.port == 8080)
        #expect(literal.host == "2606:4700::1111")
    }

    @Test func allowingPrivateNetworksAcceptsThemButNotMalformedURLs() {
        for url in ["http://127.0.0.1:8080/hooks", "http://localhost:3000/x", "http://[::1]:8000/", "http://10.0.0.5/",
                    "http://169.254.169.254/"] {
            #expect(reason(lenient, url) == nil, "\(url)")
        }
        for url in ["http://0x7f000001/", "http://127.1/", "http://2130706433/", "http://user:pw@127.0.0.1/",
                    "ftp://127.0.0.1/", "http://[fe80::1%25eth0]/"] {
            #expect(reason(lenient, url) != nil, "\(url)")
        }
    }

    @Test func resolvedAddressesAreJudgedTogether() throws {
        let public1 = try #require(NetworkAddress("93.184.216.34"))
        let loopback = try #require(NetworkAddress("127.0.0.1"))
        let mapped = try #require(NetworkAddress("::ffff:10.0.0.1"))
        #expect(throws: Never.self) { try strict.check(resolved: [public1], of: "example.com") }
        // One bad address among good ones is enough: the client could connect to any of them.
        #expect(throws: WebhookTargetRefusal.self) { try strict.check(resolved: [public1, loopback], of: "rebind.example") }
        #expect(throws: WebhookTargetRefusal.self) { try strict.check(resolved: [mapped], of: "mapped.example") }
        #expect(throws: WebhookTargetRefusal.self) { try strict.check(resolved: [], of: "nothing.example") }
        #expect(throws: Never.self) { try lenient.check(resolved: [loopback], of: "localhost") }
        do {
            try strict.check(resolved: [loopback], of: "rebind.example")
        } catch {
            #expect(error.message == "rebind.example resolves to 127.0.0.1, a loopback address, not a public internet address")
        }
    }
}
