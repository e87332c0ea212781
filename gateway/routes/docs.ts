/**
 * @module The OpenAPI 3.1 document (generated from the routes' zod schemas) and Swagger UI.
 */
import { swaggerUI } from '@hono/swagger-ui';
import type { RouteCtx } from './common.ts';

/** OpenAPI 3.1 `license` (the generator's type is 3.0's, which has no `identifier`; an SPDX LicenseRef names ours). */
const LICENSE = { name: 'Proprietary (UNLICENSED)', identifier: 'LicenseRef-VolGuard-Proprietary' };

export function registerDocs(ctx: RouteCtx): void {
  const { app } = ctx;
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'VOLGUARD_VIEWER_TOKEN < VOLGUARD_OPERATOR_TOKEN < VOLGUARD_ADMIN_TOKEN',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'VolGuard control plane',
      version: '1',
      description: 'Every /api/* route needs `Authorization: Bearer <token>`; `x-role` on each operation is the lowest role allowed. Errors are `{error: {code, message, details?}}`.',
      license: LICENSE,
    },
    // The document is served by the server it describes: paths are relative to wherever it was fetched from.
    servers: [{ url: '/', description: 'this VolGuard gateway (PORT, on VOLGUARD_HOST)' }],
  });
  // Swagger UI's script and styles come from this server (routes/assets.ts serves swagger-ui-dist), never a CDN:
  // the docs must work on a machine without internet access.
  app.get('/docs', swaggerUI({ url: '/openapi.json', title: 'VolGuard API', baseUrl: '/vendor' }));
}
