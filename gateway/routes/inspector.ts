/**
 * @module The inspector: the live supervision tree, and one actor's own `inspect()` state.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors.ts';
import { ACTOR_TIMEOUT_MS, errorResponses, json, guard, type RouteCtx } from './common.ts';

export const ActorName = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'expected an actor name like "executor"').openapi({ param: { name: 'name', in: 'path' }, example: 'executor' });

const ExitInfo = z.object({ reason: z.string(), error: z.string().optional(), stack: z.string().optional(), at: z.number() });
export const ActorInfoSchema = z
  .object({
    name: z.string(),
    path: z.string(),
    status: z.enum(['starting', 'running', 'stopping', 'restarting', 'stopped', 'failed']),
    threadId: z.number().nullable(),
    incarnation: z.number(),
    restarts: z.number(),
    restartsInWindow: z.number(),
    lastExit: ExitInfo.nullable(),
    uptimeMs: z.number(),
    mailbox: z.number(),
    msgsIn: z.number(),
    msgsOut: z.number(),
    elu: z.number(),
    heapUsedBytes: z.number(),
  })
  .openapi('ActorInfo');
export const SupervisorInfoSchema = z
  .object({
    name: z.string(),
    path: z.string(),
    strategy: z.string(),
    intensity: z.number(),
    periodMs: z.number(),
    restartsInWindow: z.number(),
    status: z.enum(['running', 'stopped', 'failed']),
    children: z.array(z.string()),
  })
  .openapi('SupervisorInfo');

export function registerInspector(ctx: RouteCtx): void {
  const { app, deps } = ctx;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/actors',
      operationId: 'listActors',
      tags: ['inspector'],
      summary: 'the supervision tree: every actor and supervisor',
      ...guard('viewer'),
      responses: { 200: json(z.object({ actors: z.array(ActorInfoSchema), supervisors: z.array(SupervisorInfoSchema) })), ...errorResponses('viewer') },
    }),
    (c) => c.json({ actors: [...deps.actors()], supervisors: deps.supervisors().map((s) => ({ ...s, children: [...s.children] })) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/actors/{name}',
      operationId: 'getActor',
      tags: ['inspector'],
      summary: "one actor: tree info plus its own inspect() state (state is null when the actor can't answer)",
      ...guard('viewer'),
      request: { params: z.object({ name: ActorName }) },
      responses: {
        200: json(z.object({ actor: ActorInfoSchema, state: z.unknown(), stateError: z.string().optional() })),
        ...errorResponses('viewer', [404, 422]),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const info = deps.actors().find((a) => a.name === name);
      if (info === undefined) throw new ApiError(404, 'NOT_FOUND', `expected a known actor, was ${JSON.stringify(name)}`);
      try {
        return c.json({ actor: info, state: await deps.inspect(name, ACTOR_TIMEOUT_MS) }, 200);
      } catch (err) {
        // The tree info is still worth showing when the actor is restarting or hung.
        return c.json({ actor: info, state: null, stateError: (err as Error).message }, 200);
      }
    },
  );
}
