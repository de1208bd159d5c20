import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: __dirname,
  plugins: [svelte()],
  resolve: { alias: { $server: path.resolve(__dirname, '../server/src'), $lib: path.resolve(__dirname, 'src/lib') } },
  build: { outDir: path.resolve(__dirname, '../dist/web'), emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: {
      '/api': 'http://localhost:8080',
      '/auth': 'http://localhost:8080',
      '/a/': 'http://localhost:8080',
      '/socket.io': { target: 'ws://localhost:8080', ws: true },
    },
  },
});
