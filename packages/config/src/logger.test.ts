import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";

function capture() {
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  return { log, lines };
}

const PEM =
  "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";

describe("logger redaction", () => {
  it("blanks authorization headers, tokens and private keys by name", () => {
    const { log, lines } = capture();
    log.info(
      {
        req: { headers: { authorization: "Bearer certq_secret" } },
        token: "certq_secret2",
        body: { privateKey: "k1" },
        privateKey: "k2",
      },
      "hello",
    );
    const out = lines.join("");
    expect(out).not.toContain("certq_secret");
    expect(out).not.toContain("k1");
    expect(out).not.toContain("k2");
    expect(out).toContain("[REDACTED]");
  });

  it("replaces any PEM private key, whatever it is called, and in messages too", () => {
    const { log, lines } = capture();
    log.info({ result: { pem: PEM } }, "issued");
    log.warn(`oops ${PEM}`);
    log.error({ nested: [{ deep: PEM }] }, "x");
    const out = lines.join("");
    expect(out).not.toContain("PRIVATE KEY-----");
    expect(out).not.toContain("MIGHAgEAMBMG");
    expect(lines).toHaveLength(3);
  });
});
