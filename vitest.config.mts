import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
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

// expect.poll waits for something to happen; its default second is wall time a busy machine stretches.
const EVENT_POLL = { timeout: 15_000, interval: 100 };
// The web app's own import aliases (web/vite.config.mts), for tests that import its modules (unit tests; browser tests read the message catalogs).
const WEB_ALIASES = { $server: path.resolve(import.meta.dirname, 'server/src'), $lib: path.resolve(import.meta.dirname, 'web/src/lib') };

export default defineConfig({
  plugins: [swcPlugin()],
  test: {
    projects: [
      {
        // Svelte compiles the web app's runes modules (*.svelte.ts: the reader's language) for the unit tests that import them.
        plugins: [swcPlugin(), svelte({ configFile: false })],
        resolve: { alias: WEB_ALIASES },
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
          expect: { poll: EVENT_POLL },
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
          expect: { poll: EVENT_POLL },
        },
      },
      {
        plugins: [swcPlugin()],
        resolve: { alias: WEB_ALIASES },
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          expect: { poll: EVENT_POLL },
        },
      },
      {
        plugins: [swcPlugin()],
        test: {
          name: 'kit',
          include: ['test/kit/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          expect: { poll: EVENT_POLL },
        },
      },
      {
        plugins: [swcPlugin()],
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          expect: { poll: EVENT_POLL },
        },
      },
      {
        plugins: [swcPlugin()],
        test: {
          // A real systemd booted with systemd-nspawn (test/systemd/): one container at a time, real apt and downloads.
          name: 'systemd',
          include: ['test/systemd/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          expect: { poll: EVENT_POLL },
        },
      },
    ],
  },
});
