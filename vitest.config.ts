import { defineConfig } from 'vitest/config';

// Test ladder (DESIGN.md): unit tests are pure and fast; integration tests start real
// redis-server and PostgreSQL processes; operator tests run a real kube-apiserver.
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.unit.test.ts'],
          exclude: ['node_modules/**', 'lib/dist/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**', 'lib/dist/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'operator',
          include: ['**/*.kube.test.ts'],
          exclude: ['node_modules/**', 'lib/dist/**'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The real node (e2e/cluster/node): containerd, kubelet, CNI; builds its images once.
          name: 'node',
          include: ['**/*.node.test.ts'],
          exclude: ['node_modules/**', 'lib/dist/**'],
          testTimeout: 300_000,
          hookTimeout: 1_500_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
