/**
 * The layer rules of src/ (docs/architecture.md, "Floors and rooms"), checked in CI by
 * `npm run lint:layers`. From the bottom: config (a leaf) → platform (the floor: data layer,
 * error kinds, library overrides) → core (the request pipeline) → modules (the rooms, which meet
 * only through each other's faces: `src/modules/<name>/index.ts`) → the app (app.module.ts,
 * app.setup.ts, main.ts, cli.ts), which assembles them. `src/layers.spec.ts` breaks each rule in a
 * temporary file and expects this configuration to refuse it.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'config-is-a-leaf',
      comment: 'Configuration is read by everything and reads nothing of ours.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/' },
    },
    {
      name: 'platform-imports-nothing-above-it',
      comment: 'The floor (platform) knows no pipeline, no domain and no app: only config.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/', pathNot: ['^src/platform/', '^src/config/'] },
    },
    {
      name: 'core-imports-no-module',
      comment: 'Core is the pipeline every domain runs through; it knows none of them.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/platform/', '^src/config/'] },
    },
    {
      name: 'modules-meet-through-faces',
      comment:
        'A module reaches another only through its entry file (src/modules/<name>/index.ts): never its repository, entity, SQL or any other file.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'modules-stay-below-the-app',
      comment:
        'Only the app assembles: no module, core or platform file imports app.module, app.setup, main or cli.',
      severity: 'error',
      from: { path: '^src/(modules|core|platform|config)/' },
      to: { path: '^src/(app\\.module|app\\.setup|main|cli)\\.ts$' },
    },
    {
      name: 'admin-sits-on-top',
      comment: 'Admin routes use the other modules; no module uses admin.',
      severity: 'error',
      from: { path: '^src/modules/', pathNot: '^src/modules/admin/' },
      to: { path: '^src/modules/admin/' },
    },
    {
      name: 'access-sits-below-casefiles',
      comment: 'Access rules are what casefiles are checked with; access never reads casefiles.',
      severity: 'error',
      from: { path: '^src/modules/access/' },
      to: { path: '^src/modules/casefiles/' },
    },
    {
      name: 'no-cycles',
      comment: 'Files (and so modules) import each other in one direction only.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
