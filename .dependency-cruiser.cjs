/**
 * The layering VolGuard keeps (issue 17), checked by dependency-cruiser from test/architecture/layering.test.ts on
 * every `npm test`. Run it by hand with `npx depcruise actors runtime gateway test`.
 *
 *   wiring   runtime/main, runtime/cli, runtime/sea      knows everything: builds the tree, merges config, CLI
 *   gateway  gateway/                                    HTTP edge; imports the kernel, domain, actors' messages
 *   actors   actors/<name>/                              one folder per actor; others import only its index.ts or
 *                                                        messages.ts
 *   venues   actors/venues/                              adapters: import the domain and the kernel, never an actor
 *   domain   actors/domain/                              the shared model and pure maths: imports only itself
 *   kernel   runtime/ (not main, cli, sea)               owns its types; imports no actor, no gateway, no wiring
 *
 * Test files may reach across (fixtures, integration through internals); only the kernel and cycle rules bind them.
 */
const TEST = '\\.test\\.ts$';
const KERNEL = '^runtime/(?!(main|cli|sea)/)';

module.exports = {
  forbidden: [
    {
      name: 'kernel-imports-no-actor-or-gateway',
      comment: 'The runtime kernel owns its types and knows actors only as ActorSpec: it imports no actor and no gateway.',
      severity: 'error',
      from: { path: KERNEL },
      to: { path: '^(actors|gateway)/' },
    },
    {
      name: 'kernel-imports-no-wiring',
      comment: 'The wiring (runtime/main, runtime/cli, runtime/sea) builds on the kernel, never the other way round.',
      severity: 'error',
      from: { path: KERNEL },
      to: { path: '^runtime/(main|cli|sea)/' },
    },
    {
      name: 'domain-imports-only-domain',
      comment: 'actors/domain is the shared model: it imports nothing of ours outside itself (no runtime, no actor).',
      severity: 'error',
      from: { path: '^actors/domain/', pathNot: TEST },
      to: { path: '^(actors|runtime|gateway|test)/', pathNot: '^actors/domain/' },
    },
    {
      name: 'domain-is-pure',
      comment: 'No node:* in the domain: no I/O, no threads, no clock of its own.',
      severity: 'error',
      from: { path: '^actors/domain/', pathNot: TEST },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'venues-import-no-actor',
      comment: 'A venue adapter imports the domain and the kernel (errors, clock, config kit), never an actor.',
      severity: 'error',
      from: { path: '^actors/venues/', pathNot: TEST },
      to: { path: '^actors/', pathNot: '^actors/(domain|venues)/' },
    },
    {
      name: 'actor-imports-only-index-or-messages-of-another',
      comment: "An actor reaches another actor only through that actor's index.ts (spec, client) or messages.ts.",
      severity: 'error',
      from: { path: '^actors/([^/]+)/', pathNot: ['^actors/(domain|venues)/', TEST] },
      to: { path: '^actors/([^/]+)/', pathNot: ['^actors/$1/', '^actors/(domain|venues)/', '^actors/[^/]+/(index|messages)\\.ts$'] },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles (type-only ones included: a cycle of types is still two modules that cannot be read apart).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '^test/fixtures/layering/'] },
    moduleSystems: ['es6'],
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
