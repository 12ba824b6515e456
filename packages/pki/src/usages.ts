/** Key usages under the names Infisical's API uses, in RFC 5280 bit order. */
export const KEY_USAGES = [
  "digital_signature",
  "non_repudiation",
  "key_encipherment",
  "data_encipherment",
  "key_agreement",
  "key_cert_sign",
  "crl_sign",
  "encipher_only",
  "decipher_only",
] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

/** Extended key usages under the names Infisical's API uses, with their OIDs. */
export const EXTENDED_KEY_USAGE_OIDS = {
  server_auth: "1.3.6.1.5.5.7.3.1",
  client_auth: "1.3.6.1.5.5.7.3.2",
  code_signing: "1.3.6.1.5.5.7.3.3",
  email_protection: "1.3.6.1.5.5.7.3.4",
  time_stamping: "1.3.6.1.5.5.7.3.8",
  ocsp_signing: "1.3.6.1.5.5.7.3.9",
} as const;
export type ExtendedKeyUsage = keyof typeof EXTENDED_KEY_USAGE_OIDS;
export const EXTENDED_KEY_USAGES = Object.keys(EXTENDED_KEY_USAGE_OIDS) as ExtendedKeyUsage[];

/** Subject alternative name types under the names Infisical's API uses. */
export const ALT_NAME_TYPES = ["dns_name", "ip_address", "email", "uri"] as const;
export type AltNameType = (typeof ALT_NAME_TYPES)[number];
export interface AltName {
  type: AltNameType;
  value: string;
}
