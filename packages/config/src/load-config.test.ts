import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./load-config";

describe("parseConfig", () => {
  it("gives every variable its documented default", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      databaseUrl: "postgres://postgres@127.0.0.1:5432/certq",
      redis: { topology: "single", url: "redis://127.0.0.1:6379" },
      port: 8080,
      logLevel: "info",
      kekBase64: undefined,
      adminToken: undefined,
      queuePrefix: "{certq}",
      workerConcurrency: 32,
      syncWaitMs: 30_000,
      publicUrl: "http://localhost:8080",
    });
  });

  it("reads and coerces values", () => {
    const kek = Buffer.alloc(32, 7).toString("base64");
    const config = parseConfig({
      PORT: "9000",
      CERTQ_KEK: kek,
      CERTQ_WORKER_CONCURRENCY: "3",
      CERTQ_PUBLIC_URL: "https://ca.example.com/",
    });
    expect(config.port).toBe(9000);
    expect(config.kekBase64).toBe(kek);
    expect(config.workerConcurrency).toBe(3);
    expect(config.publicUrl).toBe("https://ca.example.com");
  });

  it("treats an empty variable as unset", () => {
    expect(parseConfig({ PORT: "", CERTQ_ADMIN_TOKEN: "" }).port).toBe(8080);
  });

  it("reads the key pool: sizes per algorithm, none, or the default when empty", () => {
    expect(parseConfig({ CERTQ_KEY_POOL: "RSA_2048=5,RSA_4096=1" }).keyPool).toEqual({
      RSA_2048: 5,
      RSA_4096: 1,
    });
    expect(parseConfig({ CERTQ_KEY_POOL: "none" }).keyPool).toEqual({});
    expect(parseConfig({ CERTQ_KEY_POOL: "" }).keyPool).toEqual({ RSA_2048: 20 });
    expect(() => parseConfig({ CERTQ_KEY_POOL: "RSA_2048" })).toThrow(ConfigError);
  });

  it("reads earlier key-encryption keys, each of which must be 32 bytes", () => {
    const a = Buffer.alloc(32, 1).toString("base64");
    const b = Buffer.alloc(32, 2).toString("base64");
    expect(parseConfig({}).kekPreviousBase64).toEqual([]);
    expect(parseConfig({ CERTQ_KEK_PREVIOUS: `${a}, ${b}` }).kekPreviousBase64).toEqual([a, b]);
    expect(() => parseConfig({ CERTQ_KEK_PREVIOUS: `${a},c2hvcnQ=` })).toThrow(
      /CERTQ_KEK_PREVIOUS/,
    );
  });

  it("lists every bad variable at once", () => {
    let caught: unknown;
    try {
      parseConfig({
        PORT: "http",
        DATABASE_URL: "mysql://x",
        CERTQ_KEK: "c2hvcnQ=",
        CERTQ_QUEUE_PREFIX: "certq",
        LOG_LEVEL: "loud",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join("\n");
    for (const name of ["PORT", "DATABASE_URL", "CERTQ_KEK", "CERTQ_QUEUE_PREFIX", "LOG_LEVEL"]) {
      expect(problems).toContain(name);
    }
  });

  it("reads the API's TLS source: files (both), or a profile whose names default to the public URL's host", () => {
    const profileId = "0b9c5c57-8f1c-4a55-9d6b-7d1f0c7a2c11";
    expect(parseConfig({}).tlsProfile).toBeUndefined();
    expect(
      parseConfig({ CERTQ_TLS_PROFILE: profileId, CERTQ_PUBLIC_URL: "https://ca.example.com:8443" })
        .tlsProfile,
    ).toEqual({ profileId, names: ["ca.example.com"] });
    expect(
      parseConfig({ CERTQ_TLS_PROFILE: profileId, CERTQ_TLS_NAMES: "localhost, 127.0.0.1" })
        .tlsProfile,
    ).toEqual({ profileId, names: ["localhost", "127.0.0.1"] });
    expect(() => parseConfig({ CERTQ_TLS_CERT: "/etc/certq/tls.pem" })).toThrow(/CERTQ_TLS_KEY/);
    expect(() =>
      parseConfig({
        CERTQ_TLS_PROFILE: profileId,
        CERTQ_TLS_CERT: "/etc/certq/tls.pem",
        CERTQ_TLS_KEY: "/etc/certq/tls.key",
      }),
    ).toThrow(/CERTQ_TLS_PROFILE or CERTQ_TLS_CERT/);
    expect(() => parseConfig({ CERTQ_TLS_PROFILE: "web-servers" })).toThrow(/CERTQ_TLS_PROFILE/);
  });

  it("reads the PKCS#11 token settings, and refuses a module without a PIN or a token", () => {
    const module = { CERTQ_PKCS11_MODULE: "/usr/lib/softhsm/libsofthsm2.so" };
    expect(parseConfig({}).pkcs11).toBeUndefined();
    expect(
      parseConfig({ ...module, CERTQ_PKCS11_TOKEN_LABEL: "certq", CERTQ_PKCS11_PIN: "1234" })
        .pkcs11,
    ).toEqual({
      modulePath: "/usr/lib/softhsm/libsofthsm2.so",
      tokenLabel: "certq",
      slot: undefined,
      pin: "1234",
    });
    expect(
      parseConfig({ ...module, CERTQ_PKCS11_SLOT: "7", CERTQ_PKCS11_PIN: "1" }).pkcs11?.slot,
    ).toBe(7);
    const problems = (env: Record<string, string>) => {
      try {
        parseConfig(env);
      } catch (error) {
        return (error as ConfigError).problems.join("\n");
      }
      return "";
    };
    expect(problems(module)).toMatch(/CERTQ_PKCS11_PIN: is needed/);
    expect(problems(module)).toMatch(/CERTQ_PKCS11_TOKEN_LABEL: set exactly one/);
    expect(
      problems({
        ...module,
        CERTQ_PKCS11_PIN: "1",
        CERTQ_PKCS11_SLOT: "1",
        CERTQ_PKCS11_TOKEN_LABEL: "x",
      }),
    ).toMatch(/set exactly one/);
    expect(
      problems({ ...module, CERTQ_PKCS11_PIN: "secret-pin", CERTQ_PKCS11_SLOT: "x" }),
    ).not.toContain("secret-pin");
  });
});
