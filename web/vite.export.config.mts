import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/**
 * The retrospective report as one script and one stylesheet (dist/web/export/), which the server inlines
 * into the self-contained HTML export. Built after the web app (that build empties dist/web).
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [svelte()],
  resolve: { alias: { $server: path.resolve(import.meta.dirname, '../server/src'), $lib: path.resolve(import.meta.dirname, 'src/lib') } },
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/web/export'),
    emptyOutDir: true,
    target: 'es2022',
    lib: {
      entry: path.resolve(import.meta.dirname, 'src/retro/export.ts'),
      formats: ['iife'],
      name: 'NavigatorRetrospective',
      fileName: () => 'retrospective.js',
      cssFileName: 'retrospective',
    },
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
