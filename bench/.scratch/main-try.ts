import { generateKeyPairSync } from "node:crypto";
import {
  createCertificate,
  generateKeyPair,
  generateSerialNumber,
  privateKeyPem,
} from "@certq/pki";
import { createBoundIssuer } from "../lib/bound.ts";

const issuer = await createBoundIssuer();
const signer = { ...issuer, privateKeyPkcs8: Buffer.from(issuer.privateKeyPkcs8) };
let t = performance.now();
for (let i = 0; i < 50; i++) await generateKeyPair("EC_prime256v1");
console.log("ec keygen ms", (performance.now() - t) / 50);
t = performance.now();
for (let i = 0; i < 50; i++) generateKeyPairSync("ec", { namedCurve: "prime256v1" });
console.log("ec keygen sync ms", (performance.now() - t) / 50);
const kp = await generateKeyPair("EC_prime256v1");
for (let round = 0; round < 3; round++) {
  t = performance.now();
  for (let i = 0; i < 100; i++) {
    const now = Date.now();
    await createCertificate({
      subject: { commonName: "a.example.test" },
      publicKeySpki: kp.publicKeySpki,
      serialNumber: generateSerialNumber(),
      notBefore: new Date(now - 60000),
      notAfter: new Date(now + 86400000),
      signatureAlgorithm: "ECDSA-SHA256",
      issuer: signer,
      keyUsages: ["digital_signature"],
      extendedKeyUsages: ["server_auth"],
      altNames: [{ type: "dns_name", value: "a.example.test" }],
    });
  }
  console.log("createCertificate ms", (performance.now() - t) / 100);
}
t = performance.now();
for (let i = 0; i < 5; i++) await generateKeyPair("RSA_2048");
console.log("rsa keygen ms", (performance.now() - t) / 5);
