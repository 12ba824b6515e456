export {
  type AcmeCertId,
  acmeCertIdOf,
  formatAcmeCertId,
  parseAcmeCertId,
} from "./acme-cert-id";
export {
  ACME_IDENTIFIER_OID,
  readTlsAlpnCertificate,
  type TlsAlpnCertificate,
} from "./acme-identifier";
export * from "./algorithms";
export { validateAltName } from "./alt-names";
export { type CertificateInput, createCertificate } from "./certificate";
export {
  type CertificateInfo,
  parseCertificate,
  readCertificateNameConstraints,
} from "./certificate-info";
export { buildChain, verifyIssuedBy } from "./chain";
export { type CrlEntry, type CrlInput, createCrl } from "./crl";
export { type CsrInput, createCsr, type ParsedCsr, parseCsr } from "./csr";
export { ecdsaSignatureToDer } from "./ecdsa-signature";
export { PkiError } from "./errors";
export { ipFromBytes, ipToBytes } from "./ip-address";
export {
  openPrivateKey,
  rewrapPrivateKey,
  sealedKekId,
  sealPrivateKey,
  UnknownKekError,
} from "./key-envelope";
export { createKeyRing, KEK_ID_BYTES, type KeyRing, kekId } from "./key-ring";
export {
  type GeneratedKeyPair,
  generateKeyPair,
  keyAlgorithmOfPrivateKey,
  keyAlgorithmOfSpki,
  privateKeyMatchesPublicKey,
  privateKeyPem,
} from "./keys";
export {
  canonicalNameConstraints,
  type DecodedSubtrees,
  hasNameConstraints,
  NAME_SUBTREE_TYPES,
  type NameConstraints,
  type NameConstraintsInput,
  type NameSubtrees,
  type NameSubtreeType,
  nameSubtreeProblem,
} from "./name-constraints";
export {
  type SubjectField,
  type SubjectInput,
  subjectIsEmpty,
  subjectToString,
  validateSubject,
} from "./names";
export {
  createIssuerMatcher,
  createOcspResponse,
  issuerMatches,
  type OcspCertificateStatus,
  type OcspErrorStatus,
  type OcspHashAlgorithm,
  type OcspRequestEntry,
  type OcspResponseInput,
  type OcspSingleResponse,
  ocspErrorResponse,
  type ParsedOcspRequest,
  parseOcspRequest,
} from "./ocsp";
export { decodePem, encodePem, joinPem, splitPemBundle } from "./pem";
export { REVOCATION_REASONS, type RevocationReason } from "./revocation-reason";
export { generateSerialNumber } from "./serial-number";
export {
  type ExternalSignerInput,
  type PreparedSigner,
  prepareSigner,
  type SignerInput,
  type SignerSource,
} from "./signer";
export { type ExternalSigningKey, type SigningKey, signatureDigest } from "./signing-key";
export { certificateTime } from "./time";
export * from "./usages";
