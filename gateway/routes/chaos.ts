/**
 * @module Fault injection for tests and drills. Registered only with VOLGUARD_CHAOS=1, so otherwise the paths are
 * plain 404s and absent from the OpenAPI document.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors.ts';
import { ACTOR_TIMEOUT_MS, BODY_ERRORS, Num, OkSchema, audited, errorResponses, json, jsonBody, guard, type RouteCtx } from './common.ts';
import { ActorName } from './inspector.ts';

export function registerChaos(ctx: RouteCtx): void {
  const { app, deps } = ctx;
  const admin = guard('admin');

  const FaultBody = z.strictObject({ kind: z.enum(['crash', 'hang', 'oom', 'exit']) }).openapi('FaultBody');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/actors/{name}/fault',
      operationId: 'injectActorFault',
      tags: ['chaos'],
      summary: 'inject a fault into a running actor (VOLGUARD_CHAOS=1 only)',
      ...admin,
      request: { params: z.object({ name: ActorName }), body: jsonBody(FaultBody) },
      responses: { 200: json(OkSchema), ...errorResponses('admin', [...BODY_ERRORS, 404, 409]) },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const { kind } = c.req.valid('json');
      const info = deps.actors().find((a) => a.name === name);
      if (info === undefined) throw new ApiError(404, 'NOT_FOUND', `expected a known actor, was ${JSON.stringify(name)}`);
      if (info.status !== 'running') throw new ApiError(409, 'NOT_RUNNING', `expected ${name} to be running, was ${info.status}`);
      const out = await audited(ctx, c, 'chaos.fault', `inject ${kind}`, { actor: name, kind }, async () => {
        deps.fault(name, kind);
        return { actor: name, kind };
      });
      return c.json(out, 200);
    },
  );

  const FeedBody = z
    .strictObject({
      kind: z.enum(['silence', 'stale', 'crossed', 'locked', 'missing', 'gap', 'burst']),
      /** How long the fault lasts; the feed's default for the kind when absent. */
      seconds: Num().min(0.001).max(3600).optional(),
    })
    .openapi('FeedChaosBody');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/chaos/feed',
      operationId: 'injectFeedFault',
      tags: ['chaos'],
      summary: 'degrade the market feed for a while (VOLGUARD_CHAOS=1 only)',
      ...admin,
      request: { body: jsonBody(FeedBody) },
      responses: { 200: json(OkSchema), ...errorResponses('admin', BODY_ERRORS) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const out = await audited(ctx, c, 'chaos.feed', `feed ${body.kind}${body.seconds !== undefined ? ` for ${body.seconds} s` : ''}`, body, () => deps.request('feed', 'feed.injectFault', body, ACTOR_TIMEOUT_MS));
      return c.json(out, 200);
    },
  );
}
