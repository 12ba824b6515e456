export * from "./algorithms";
export { validateAltName } from "./alt-names";
export { type CertificateInput, createCertificate, type SignerInput } from "./certificate";
export { type CertificateInfo, parseCertificate } from "./certificate-info";
export { buildChain, verifyIssuedBy } from "./chain";
export { type CsrInput, createCsr, type ParsedCsr, parseCsr } from "./csr";
export { PkiError } from "./errors";
export { openPrivateKey, sealPrivateKey } from "./key-envelope";
export {
  type GeneratedKeyPair,
  generateKeyPair,
  keyAlgorithmOfPrivateKey,
  keyAlgorithmOfSpki,
  privateKeyMatchesPublicKey,
  privateKeyPem,
} from "./keys";
export {
  type SubjectField,
  type SubjectInput,
  subjectIsEmpty,
  subjectToString,
  validateSubject,
} from "./names";
export { joinPem, splitPemBundle } from "./pem";
export { generateSerialNumber } from "./serial-number";
export * from "./usages";
