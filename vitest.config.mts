import path from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC instead of esbuild: NestJS dependency injection needs emitted decorator metadata.
const swcPlugin = () =>
  swc.vite({
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'es6' },
  });

export default defineConfig({
  plugins: [swcPlugin()],
  test: {
    projects: [
      {
        plugins: [swcPlugin()],
        // The web app's own import aliases, for its unit tests (web/vite.config.mts).
        resolve: { alias: { $server: path.resolve(import.meta.dirname, 'server/src'), $lib: path.resolve(import.meta.dirname, 'web/src/lib') } },
        test: { name: 'unit', include: ['server/src/**/*.spec.ts', 'web/src/**/*.spec.ts', 'test/unit/**/*.test.ts'] },
      },
      {
        plugins: [swcPlugin()],
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        plugins: [swcPlugin()],
        test: {
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        plugins: [swcPlugin()],
        // Browser tests read the message catalogs (web/src/i18n/messages) to check what a page says.
        resolve: { alias: { $server: path.resolve(import.meta.dirname, 'server/src'), $lib: path.resolve(import.meta.dirname, 'web/src/lib') } },
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        plugins: [swcPlugin()],
        test: { name: 'kit', include: ['test/kit/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false },
      },
      {
        plugins: [swcPlugin()],
        test: { name: 'faults', include: ['test/faults/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false },
      },
    ],
  },
});
