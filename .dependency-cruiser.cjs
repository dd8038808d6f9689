// The layers of herdguard, read from the folder names (README "Layout"). `npm run lint:layers`
// fails on an import that points up a layer, on production code importing test helpers, and
// on any cycle, dynamic imports included (ADR 0013).
const INTERNAL = '^(lib|testkit|promql|example-app|operator|crds|charts|dashboards|alerts|e2e|bench|scripts|images)/';
const TEST_FILE = '(\\.(unit|int|kube|node)\\.test\\.ts|\\.test-helpers\\.ts)$';

/**
 * [name, folder, what its production code may import, what its tests may import besides].
 * The two top layers' integration tests drive each other (a service under a real promotion).
 */
const layers = [
  ['ground', '^lib/1-ground/', ['^lib/1-ground/']],
  ['kube client', '^lib/2-kube/', ['^lib/[12]-']],
  ['policy API', '^lib/3-policy/', ['^lib/[123]-']],
  ['cache library', '^lib/4-cache/', ['^lib/[1234]-']],
  ['package entry points', '^lib/[^/]+\\.ts$', ['^lib/']],
  ['service kit', '^example-app/service-kit/', ['^lib/', '^example-app/service-kit/']],
  ['services', '^example-app/(profile|market-data|feed-simulator)/', ['^lib/', '^example-app/'], ['^operator/']],
  ['operator', '^operator/', ['^lib/', '^operator/'], ['^example-app/']],
  ['test kit', '^testkit/', ['^lib/', '^testkit/']],
  ['PromQL', '^promql/', ['^lib/1-ground/', '^promql/']],
  ['alerts', '^alerts/', ['^lib/1-ground/', '^promql/', '^scripts/', '^alerts/']],
  ['dashboards', '^dashboards/', ['^lib/1-ground/', '^promql/', '^scripts/', '^dashboards/']],
  ['CRD generator', '^crds/', ['^lib/', '^scripts/', '^crds/']],
  ['scripts', '^scripts/', ['^scripts/']],
  ['bench', '^bench/', ['^lib/', '^testkit/', '^example-app/', '^operator/', '^bench/']],
];
const either = (res) => res.map((r) => `(${r})`).join('|');

/** Production code may not import tests; tests may import the test kit and their own layer's. */
const rules = layers.flatMap(([name, from, allowed, alsoInTests = []]) => [
  {
    name: `layer: ${name}`,
    comment: `${name} (${from}) may import only ${allowed.join(', ')}`,
    severity: 'error',
    from: { path: from, pathNot: `${TEST_FILE}|/testing/` },
    to: { path: INTERNAL, pathNot: either(allowed) },
  },
  {
    name: `layer: ${name} (tests)`,
    comment: `tests of ${name} may also import testkit/, the generated CRD and ${alsoInTests.join(', ') || 'nothing else'}`,
    severity: 'error',
    from: { path: `(${from}).*${TEST_FILE}` },
    to: { path: INTERNAL, pathNot: either([...allowed, '^testkit/', '^crds/', ...alsoInTests]) },
  },
]);

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'The layers form a DAG: no module may reach itself, through static or dynamic imports.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'A relative import that resolves to nothing cannot be checked against the layers.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^[.]' },
    },
    {
      name: 'no-test-code-in-production',
      comment: 'Test hooks live in test entry points: production code never imports a test or a test helper.',
      severity: 'error',
      from: { path: INTERNAL, pathNot: `${TEST_FILE}|^(testkit|e2e|bench|charts/tests)/|/testing/` },
      to: { path: `${TEST_FILE}|^testkit/|/testing/` },
    },
    ...rules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|reports|\\.cache|lib/dist)/|/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
