import { describe, expect, it } from "vitest";
import { REVOCATION_REASONS, type RevocationReason, reasonCodeToEncode } from "./revocation-reason";

describe("revocation reasons", () => {
  it("carry RFC 5280's CRLReason codes under Infisical's names", () => {
    expect(REVOCATION_REASONS).toEqual({
      UNSPECIFIED: 0,
      KEY_COMPROMISE: 1,
      CA_COMPROMISE: 2,
      AFFILIATION_CHANGED: 3,
      SUPERSEDED: 4,
      CESSATION_OF_OPERATION: 5,
      CERTIFICATE_HOLD: 6,
      PRIVILEGE_WITHDRAWN: 9,
      A_A_COMPROMISE: 10,
    });
  });

  it("encode every reason but UNSPECIFIED, which is left out", () => {
    expect(reasonCodeToEncode("UNSPECIFIED", "reason")).toBeNull();
    expect(reasonCodeToEncode("A_A_COMPROMISE", "reason")).toBe(10);
    for (const reason of ["REMOVE_FROM_CRL", "constructor", "", 1]) {
      expect(() => reasonCodeToEncode(reason as RevocationReason, "reason")).toThrow(
        /unknown revocation reason/,
      );
    }
  });
});
