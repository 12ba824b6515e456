import { connect, createServer, type Server } from "node:tls";
import { openssl, scratchDir } from "@certq/core/testing";
import { opensslCsr } from "@certq/pki/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
let root: { id: string; certificate: string };
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  s = await scratchDir();
  await h.startWorker(2);
  root = await createRootCa(h, "RSA_2048");
  profileId = await createProfile(h, root.id, {
    defaults: {
      ttl: "30d",
      keyUsages: ["digital_signature", "key_encipherment"],
      extendedKeyUsages: ["server_auth"],
    },
  });
});
afterAll(async () => {
  await h.close();
  await s.cleanup();
});

describe("signing a client's CSR", () => {
  it("issues for the CSR's key and names; the key never reaches us", async () => {
    const csr = opensslCsr(s.file("client.key"), "/CN=csr.example.test", {
      extensions: ["subjectAltName=DNS:csr.example.test,IP:127.0.0.2"],
    });
    const res = await submit(h, { profileId, csr, ttl: "2d" });
    const request = await waitForRequest(h, res.body.certificateRequestId);
    expect(request.status, JSON.stringify(request)).toBe("issued");
    expect(request.privateKey).toBeNull();

    const leaf = await s.write("csr-leaf.pem", request.certificate ?? "");
    const fromCert = await openssl(["x509", "-in", leaf, "-noout", "-pubkey"]);
    const fromKey = await openssl(["pkey", "-in", s.file("client.key"), "-pubout"]);
    expect(fromCert.stdout).toBe(fromKey.stdout);
    const text = (await openssl(["x509", "-in", leaf, "-noout", "-text"])).stdout;
    expect(text).toContain("DNS:csr.example.test");
    expect(text).toContain("IP Address:127.0.0.2");
    const rootFile = await s.write("csr-root.pem", root.certificate);
    expect((await openssl(["verify", "-CAfile", rootFile, leaf])).code).toBe(0);

    const key = await h.request(
      "GET",
      `/api/v1/pki/certificates/${request.serialNumber}/private-key`,
    );
    expect(key.status, key.text).toBe(404);
  });

  it("refuses a CSR whose names the policy does not allow, or whose signature is broken", async () => {
    const evil = opensslCsr(s.file("evil.key"), "/CN=evil.example.com");
    const refused = await h.request<{ message: string }>(
      "POST",
      "/api/v1/cert-manager/certificates",
      { body: { profileId, csr: evil } },
    );
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.message).toContain("evil.example.com");

    const der = Buffer.from(evil.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff;
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    const bad = await h.request<{ message: string }>("POST", "/api/v1/cert-manager/certificates", {
      body: { profileId, csr: broken },
    });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.body.message).toMatch(/csr|signature/i);

    const both = await h.request("POST", "/api/v1/cert-manager/certificates", {
      body: { profileId, csr: evil, commonName: "x.example.test" },
    });
    expect(both.status).toBe(422);
  });
});

describe("a real TLS handshake", () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it("a client trusting only the root connects to localhost and 127.0.0.1 with verification on", async () => {
    const res = await submit(h, {
      profileId,
      commonName: "localhost",
      keyAlgorithm: "EC_prime256v1",
      altNames: [
        { type: "dns_name", value: "localhost" },
        { type: "ip_address", value: "127.0.0.1" },
      ],
    });
    const request = await waitForRequest(h, res.body.certificateRequestId);
    expect(request.status).toBe("issued");
    const chain = await h.request<{ certificateChain: string }>(
      "GET",
      `/api/v1/pki/certificates/${request.serialNumber}/certificate`,
    );

    server = createServer(
      {
        key: request.privateKey ?? "",
        cert: `${request.certificate}${chain.body.certificateChain}`,
      },
      (socket) => {
        socket.end("hello over verified TLS\n");
      },
    );
    const port = await new Promise<number>((resolve) => {
      server?.listen(0, "127.0.0.1", () => {
        const address = server?.address();
        resolve(typeof address === "object" && address ? address.port : 0);
      });
    });

    for (const host of ["localhost", "127.0.0.1"]) {
      const greeting = await new Promise<string>((resolve, reject) => {
        // No SNI for an IP address: node then checks the IP SAN against the host.
        const socket = connect(
          host === "localhost"
            ? { host: "127.0.0.1", port, ca: root.certificate, servername: "localhost" }
            : { host: "127.0.0.1", port, ca: root.certificate },
        );
        let data = "";
        socket.on("data", (d) => {
          data += d;
        });
        socket.on("end", () => resolve(data));
        socket.on("error", reject);
      });
      expect(greeting, host).toBe("hello over verified TLS\n");
    }

    const rootFile = await s.write("tls-root.pem", root.certificate);
    const client = await openssl([
      "s_client",
      "-connect",
      `127.0.0.1:${port}`,
      "-CAfile",
      rootFile,
      "-verify_return_error",
      "-verify_hostname",
      "localhost",
      "-servername",
      "localhost",
      "-brief",
    ]);
    // Our server ends the socket without close_notify, which openssl 3 reports as an error
    // after the handshake; the handshake itself (verify_return_error) is what is checked.
    const output = client.stderr + client.stdout;
    expect(output).toMatch(/Verification: OK/);
    expect(output).toMatch(/Verified peername: localhost/);
    expect(output).not.toMatch(/verify error/i);
  });
});
