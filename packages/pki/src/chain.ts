import {
  canSignCertificates,
  describeCertificate,
  issuedBy,
  type ParsedCertificate,
  parseCertificateDetails,
} from "./certificate-info";
import { PkiError } from "./errors";
import { encodePem } from "./pem";

/**
 * Whether `issuerPem` issued `certificatePem`: the issuer's subject matches the certificate's
 * issuer name and the issuer's key verifies the certificate's signature. Either PEM being
 * unparsable throws PkiError.
 */
export async function verifyIssuedBy(certificatePem: string, issuerPem: string): Promise<boolean> {
  const certificate = parseCertificateDetails(certificatePem, "certificate");
  const issuer = parseCertificateDetails(issuerPem, "issuer");
  return issuedBy(certificate.parts, issuer.parts);
}

// Real hierarchies are three or four deep; the bound stops pathological candidate sets.
const MAX_CHAIN_LENGTH = 10;

/**
 * The chain above `certificatePem`: [issuer, issuer's issuer, ..., self-signed root], chosen
 * from `candidatesPem` (order and extras do not matter; the certificate itself is not
 * included, so a self-signed certificate yields []). Every link's signature is verified, every
 * issuer must be a CA allowed to sign certificates within its pathLen, and the path must end
 * at a root whose self-signature verifies; otherwise PkiError(field "certificateChain").
 * Validity periods are not checked: that needs a clock, and callers check dates.
 */
export async function buildChain(
  certificatePem: string,
  candidatesPem: string[],
): Promise<string[]> {
  const certificate = parseCertificateDetails(certificatePem, "certificate");
  if (certificate.info.selfSigned) return [];

  const seen = new Set([certificate.info.fingerprintSha256]);
  const candidates: { pem: string; parsed: ParsedCertificate }[] = [];
  for (const pem of candidatesPem) {
    const parsed = parseCertificateDetails(pem, "certificateChain");
    if (seen.has(parsed.info.fingerprintSha256)) continue;
    seen.add(parsed.info.fingerprintSha256);
    candidates.push({ pem: encodePem("CERTIFICATE", parsed.parts.der), parsed });
  }

  const problems: string[] = [];
  const search = (
    current: ParsedCertificate,
    path: typeof candidates,
  ): typeof candidates | null => {
    if (path.length >= MAX_CHAIN_LENGTH) {
      problems.push(`the chain is longer than ${MAX_CHAIN_LENGTH} certificates`);
      return null;
    }
    let issuerFound = false;
    for (const candidate of candidates) {
      if (path.includes(candidate) || !issuedBy(current.parts, candidate.parsed.parts)) continue;
      issuerFound = true;
      const { info } = candidate.parsed;
      if (!canSignCertificates(candidate.parsed)) {
        problems.push(`${describeCertificate(info)} is not a CA allowed to sign certificates`);
        continue;
      }
      // Certificates below this one on the path, other than the end certificate.
      const intermediatesBelow = path.length;
      if (info.maxPathLength >= 0 && intermediatesBelow > info.maxPathLength) {
        problems.push(
          `${describeCertificate(info)} has pathLen ${info.maxPathLength} but ${intermediatesBelow} CA certificates below it`,
        );
        continue;
      }
      const extended = [...path, candidate];
      if (info.selfSigned) return extended;
      const found = search(candidate.parsed, extended);
      if (found) return found;
    }
    if (!issuerFound) {
      problems.push(`no certificate in the chain issued ${describeCertificate(current.info)}`);
    }
    return null;
  };

  const chain = search(certificate, []);
  if (!chain) {
    throw new PkiError(
      `the certificate chain does not lead to a self-signed root: ${problems.join("; ")}`,
      "certificateChain",
    );
  }
  return chain.map(({ pem }) => pem);
}
