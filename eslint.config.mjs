import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The server's layers, lowest first: a folder may import from its own layer and the ones below,
 * never from above, so the loop reads one way (workshop → probes → progress → board → web).
 */
const LAYERS = [
  ['contract'],
  ['config', 'common', 'prisma', 'generated', 'logging'],
  ['auth', 'metrics', 'health', 'api-docs'],
  ['workshops', 'kit'],
  ['ssh'],
  ['tunnel'],
  ['progress'],
  ['probes'],
  ['attendees', 'help', 'helpers', 'discussion', 'exports', 'retrospective'],
  ['board'],
];

function layerRules() {
  return LAYERS.slice(0, -1)
    .map((layer, index) => {
      const above = LAYERS.slice(index + 1).flat();
      return {
        files: layer.map((folder) => `server/src/${folder}/**/*.ts`),
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  group: above.map((folder) => `**/${folder}/*`),
                  message: `${layer.join('/')} is below ${above.join(', ')}: import downward only (README: Layout).`,
                },
              ],
            },
          ],
        },
      };
    })
    .concat([
      {
        files: ['web/src/**/*.ts', 'web/src/**/*.svelte'],
        rules: {
          'no-restricted-imports': [
            'error',
            { patterns: [{ regex: '^\\$server/(?!contract/)', message: 'the web app imports only the contract from the server (server/src/contract).' }] },
          ],
        },
      },
    ]);
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'server/src/generated/', 'bench-results/', 'test-results/', '**/*.bpf.c', 'php-sample/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['server/**/*.ts', 'test/**/*.ts', 'bpf/**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  ...layerRules(),
  {
    files: ['web/**/*.svelte', 'web/**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
);
