// Lint guards the architecture as well as style: floating promises are errors
// (every async task has an owner), and functions stay small enough to read.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noMessageBranching = {
  selector: "MemberExpression[object.name='e'][property.name='message'] BinaryExpression",
  message: 'Branch on error class or code, never on the message.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'lib/dist/**', '**/generated/**', 'dashboards/json/**', '.cache/**', 'charts/herdguard/**', 'images/*.mjs', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      complexity: ['warn', 15],
      'max-depth': ['error', 4],
      'no-restricted-syntax': ['error', noMessageBranching],
    },
  },
  {
    files: ['**/*.test.ts', 'e2e/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      complexity: 'off',
    },
  },
  {
    // Role changes have one author (never two primaries): only the promotion module sends them.
    files: ['**/*.ts'],
    ignores: ['operator/failover/redis-admin.ts', '**/*.test.ts', '**/*.test-helpers.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        noMessageBranching,
        {
          selector: 'Literal[value=/^(REPLICAOF|SLAVEOF|FAILOVER)$/]',
          message: 'Only operator/failover/redis-admin.ts may send REPLICAOF/SLAVEOF/FAILOVER.',
        },
        {
          selector: 'CallExpression[callee.property.name=/^(replicaof|slaveof)$/]',
          message: 'Only operator/failover/redis-admin.ts may send REPLICAOF/SLAVEOF/FAILOVER.',
        },
      ],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
