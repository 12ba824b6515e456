import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { openAIErrors, openAIValidationHook } from "../../middleware/openai-errors";
import { registerActivateOrganizationCertificates } from "./activate";
import { registerDeactivateOrganizationCertificates } from "./deactivate";
import { registerDeleteOrganizationCertificate } from "./delete";
import { registerGetOrganizationCertificate } from "./get";
import { registerListOrganizationCertificates } from "./list";
import { registerRenameOrganizationCertificate } from "./rename";
import { registerUploadOrganizationCertificate } from "./upload";

export const ORGANIZATION_CERTIFICATES_PATH = "/v1/organization/certificates";

/**
 * The OpenAI-style family as one sub-app: its validation hook and error envelope are set
 * here once, so its routes hold only their own definition. Mounted at the root, since the
 * routes spell out their full paths.
 */
export function createOrganizationCertificatesApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: openAIValidationHook });
  app.use(ORGANIZATION_CERTIFICATES_PATH, openAIErrors);
  app.use(`${ORGANIZATION_CERTIFICATES_PATH}/*`, openAIErrors);
  registerGetOrganizationCertificate(app);
  registerListOrganizationCertificates(app);
  registerUploadOrganizationCertificate(app);
  // Before rename: a POST to .../{certificate_id} would match these fixed paths too, and
  // hono answers with the first route registered.
  registerActivateOrganizationCertificates(app);
  registerDeactivateOrganizationCertificates(app);
  registerRenameOrganizationCertificate(app);
  registerDeleteOrganizationCertificate(app);
  return app;
}
