// Import rules of the layers drawn in docs/architecture.md. `npm run lint:deps` (and .ci/run) fails on any violation.
//
//   functions/ -> lib/edge (transport plumbing: HTTP, SQS, schedules) -> lib/app (composition root)
//              -> domains (issuance, redemption, voiding, expiry, rotation, reconciliation)
//              -> ports and adapters (offers, sparkfly, ledger, events, aws, webhooks, config, ...)
const DOMAINS = '^lib/(issuance|redemption|voiding|expiry|rotation|reconciliation)/'
const ADAPTERS = '^lib/(offers|sparkfly|ledger|events|aws|webhooks|config|validation|observability|errors)/'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make the load order (and cold starts) fragile; type-only imports vanish at build time.',
      from: { path: '^(lib|functions|local)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'functions-are-thin',
      severity: 'error',
      comment: 'A function file wires a trigger to its edge: it imports only lib/edge, lib/app and lib/observability.',
      from: { path: '^functions/' },
      to: { path: '^lib/', pathNot: '^lib/(edge|app|observability)/' },
    },
    {
      name: 'domains-know-no-transport',
      severity: 'error',
      comment:
        'Domains return outcomes; HTTP answers, SQS classification and wiring live in lib/edge and lib/app. ' +
        'They reach Sparkfly through the offers port, never lib/sparkfly, and read no configuration themselves.',
      from: { path: DOMAINS },
      to: { path: '^lib/(edge|app|aws|sparkfly|webhooks|config)/' },
    },
    {
      name: 'domains-use-no-sdk-or-middleware',
      severity: 'error',
      comment: 'No AWS SDK, Lambda event types, middy or Powertools utilities inside a domain.',
      from: { path: DOMAINS },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-peer', 'npm-optional', 'npm-no-pkg', 'npm-unknown', 'type-only'],
        path: '(^|/)node_modules/(@aws-sdk|@smithy|@middy|@aws-lambda-powertools|@types/aws-lambda|aws-lambda)',
      },
    },
    {
      name: 'domains-are-independent',
      severity: 'error',
      comment: 'One domain does not reach into another; what they share lives in a port or adapter.',
      from: { path: '^lib/([^/]+)/', pathNot: '^lib/(edge|app)/' },
      to: { path: DOMAINS, pathNot: '^lib/$1/' },
    },
    {
      name: 'adapters-below-domains',
      severity: 'error',
      comment: 'Ports and adapters know nothing of the domains, the edge or the composition root.',
      from: { path: ADAPTERS },
      to: { path: '^lib/(edge|app|issuance|redemption|voiding|expiry|rotation|reconciliation)/' },
    },
    {
      name: 'app-below-edge',
      severity: 'error',
      comment: 'The composition root builds adapters and domain dependencies; it does not reach up into the edge.',
      from: { path: '^lib/app/' },
      to: { path: '^lib/edge/' },
    },
    {
      name: 'lib-stands-alone',
      severity: 'error',
      comment: 'Production code never imports the local system, tests, benches or scripts.',
      from: { path: '^(lib|functions)/' },
      to: { path: '^(local|test|bench|scripts)/' },
    },
    {
      name: 'local-system-uses-no-tests',
      severity: 'error',
      from: { path: '^local/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
}
