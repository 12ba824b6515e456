import { ConfigError } from "@certq/config";
import { describe, expect, it } from "vitest";
import { refusedAddressClass } from "./address-classes";
import { createOutboundPolicy } from "./outbound-policy";

describe("refusedAddressClass", () => {
  it.each([
    ["127.0.0.1", "loopback address"],
    ["127.255.255.254", "loopback address"],
    ["::1", "loopback address"],
    ["0:0:0:0:0:0:0:1", "loopback address"],
    ["0.0.0.0", "unspecified address"],
    ["::", "unspecified address"],
    ["10.0.0.1", "private address"],
    ["172.16.0.1", "private address"],
    ["172.31.255.255", "private address"],
    ["192.168.1.1", "private address"],
    ["fc00::1", "private address"],
    ["fd12:3456::1", "private address"],
    ["100.64.0.1", "carrier-grade NAT address"],
    ["100.127.255.255", "carrier-grade NAT address"],
    ["169.254.169.254", "cloud metadata address"],
    ["fd00:ec2::254", "cloud metadata address"],
    ["169.254.1.1", "link-local address"],
    ["fe80::1", "link-local address"],
    ["224.0.0.1", "multicast address"],
    ["ff02::1", "multicast address"],
    ["255.255.255.255", "broadcast address"],
    ["240.0.0.1", "reserved address"],
    ["192.0.0.192", "reserved address"],
    // IPv6 spellings of IPv4 addresses are judged by the IPv4 address they reach.
    ["::ffff:127.0.0.1", "loopback address"],
    ["::ffff:7f00:1", "loopback address"],
    ["::ffff:169.254.169.254", "cloud metadata address"],
    ["::ffff:a9fe:a9fe", "cloud metadata address"],
    ["::ffff:10.0.0.1", "private address"],
    ["::ffff:0.0.0.0", "unspecified address"],
    ["64:ff9b::a00:1", "private address"],
    ["64:ff9b::127.0.0.1", "loopback address"],
    ["2002:7f00:1::", "loopback address"],
    ["2002:a9fe:a9fe::1", "cloud metadata address"],
    ["::127.0.0.1", "reserved address"],
    ["not-an-ip", "not an IP address"],
    ["fe80::1%eth0", "not an IP address"],
  ])("%s is refused as a %s", (address, reason) => {
    expect(refusedAddressClass(address)).toBe(reason);
  });

  it.each([
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "11.0.0.1",
    "172.32.0.1",
    "100.128.0.1",
    "169.255.0.1",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001::1",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
  ])("%s is public", (address) => {
    expect(refusedAddressClass(address)).toBeUndefined();
  });
});

describe("literalHostRefusal", () => {
  const policy = createOutboundPolicy({ allow: [] });
  // WHATWG URL parsing turns these spellings into the dotted address they stand for.
  it.each([
    ["http://127.0.0.1/hook", "loopback address"],
    ["http://2130706433/hook", "loopback address"],
    ["http://0x7f000001/hook", "loopback address"],
    ["http://0177.0.0.1/hook", "loopback address"],
    ["http://0x7f.1/hook", "loopback address"],
    ["http://127.1/hook", "loopback address"],
    ["https://[::1]:8443/hook", "loopback address"],
    ["http://[0:0:0:0:0:0:0:1]/hook", "loopback address"],
    ["http://[::ffff:127.0.0.1]/hook", "loopback address"],
    ["http://0xa9.0xfe.0xa9.0xfe/latest/meta-data", "cloud metadata address"],
    ["http://2852039166/latest/meta-data", "cloud metadata address"],
    ["http://012.0.0.1/hook", "private address"],
    ["http://0/hook", "unspecified address"],
    ["http://localhost:3000/hook", "loopback address"],
    ["http://LOCALHOST./hook", "loopback address"],
    ["http://api.localhost/hook", "loopback address"],
    ["https://hooks.example.com/hook", undefined],
    ["https://93.184.216.34/hook", undefined],
  ])("%s: %s", (url, reason) => {
    expect(policy.literalHostRefusal(url)).toBe(reason);
  });
});

describe("createOutboundPolicy", () => {
  it("lets the allowlist through, and an IPv4 entry covers its IPv4-mapped form", () => {
    const policy = createOutboundPolicy({ allow: ["127.0.0.1/32", "10.1.0.0/16", "::1"] });
    expect(policy.refusal("127.0.0.1")).toBeUndefined();
    expect(policy.refusal("::ffff:127.0.0.1")).toBeUndefined();
    expect(policy.refusal("::1")).toBeUndefined();
    expect(policy.refusal("10.1.200.3")).toBeUndefined();
    expect(policy.refusal("127.0.0.2")).toBe("loopback address");
    expect(policy.refusal("10.2.0.1")).toBe("private address");
    expect(policy.refusal("169.254.169.254")).toBe("cloud metadata address");
    expect(policy.literalHostRefusal("http://localhost/")).toBeUndefined();
  });

  it("refuses a bad allowlist with a ConfigError naming every bad entry", () => {
    let error: unknown;
    try {
      createOutboundPolicy({
        allow: ["127.0.0.1/32", "10.0.0.0/33", "hooks.example.com", "10.0.0.1/8"],
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^CERTQ_OUTBOUND_ALLOW: '10\.0\.0\.0\/33'/);
    expect(problems[1]).toMatch(/^CERTQ_OUTBOUND_ALLOW: 'hooks\.example\.com'/);
    expect(problems[2]).toMatch(/^CERTQ_OUTBOUND_ALLOW: '10\.0\.0\.1\/8'/);
  });
});
