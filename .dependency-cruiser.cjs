/**
 * The layer rules of ARCHITECTURE.md, checked on every `npm test` (scripts/check-deps.sh):
 * infrastructure below everything, pure domain logic, workflows that reach the world only
 * through their activities, contracts that carry no implementation, and no import cycles.
 */
const APP = '^(api|activities|config|db|domain|infra|services|temporal|workflows)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle makes load order matter and hides which module owns what.',
      severity: 'error',
      from: { path: APP },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-type-cycles-across-layers',
      comment: 'Even type-only cycles between folders mean two layers know each other.',
      severity: 'error',
      from: { path: APP },
      to: { circular: true, viaOnly: { path: '^(api|db|infra|config|domain)/' } },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ is deterministic logic shared by workflows (sandbox) and the API: no I/O, no other layer.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { path: '^(api|activities|config|db|infra|services|temporal|workflows|generated)/|^node:|^(fs|net|http|crypto|child_process)$' },
    },
    {
      name: 'infrastructure-below-everything',
      comment: 'ids, logging, tokens and configuration know no product layer.',
      severity: 'error',
      from: { path: '^(infra|config)/' },
      to: { path: '^(api|activities|db|services|temporal|workflows)/' },
    },
    {
      name: 'nothing-below-api-imports-api',
      comment: 'The HTTP layer is the top: nothing in db/, activities/, workflows/, temporal/, services/ imports it.',
      severity: 'error',
      from: { path: '^(activities|db|services|temporal|workflows|domain|infra|config)/' },
      to: { path: '^api/' },
    },
    {
      name: 'db-is-storage',
      comment: 'Stores hold SQL; they start no workflows and call no activities.',
      severity: 'error',
      from: { path: '^db/' },
      to: { path: '^(activities|services|temporal|workflows)/' },
    },
    {
      name: 'workflows-reach-the-world-through-activities',
      comment: 'Workflow code runs in the deterministic sandbox: activities are imported for their types only.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(api|config|db|infra|services|temporal|generated)/|^(activities)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'contracts-carry-no-implementation',
      comment: 'A contract is what callers import: message definitions and types, never a workflow body or kernel.',
      severity: 'error',
      from: { path: '^workflows/contracts/' },
      to: { path: '^workflows/(?!contracts/)|^(activities|db|temporal|services)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'callers-use-contracts',
      comment: 'API, activities, services and temporal/ talk to workflows through their contracts.',
      severity: 'error',
      from: { path: '^(api|activities|services|temporal)/' },
      to: { path: '^workflows/(?!contracts/)', pathNot: '^workflows/index\\.ts$' },
    },
    {
      name: 'api-does-not-run-activities',
      comment: 'Only workers run activities; the API commands workflows.',
      severity: 'error',
      from: { path: '^(api|services)/' },
      to: { path: '^activities/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules|^generated/' },
    exclude: { path: '^(node_modules|generated|test|bench|scripts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
