import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));

export default defineConfig({
  root: webDir,
  base: '/',
  // No @vitejs/plugin-react: esbuild's automatic runtime compiles JSX (no fast refresh).
  esbuild: { jsx: 'automatic' },
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    // The MapLibre chunk (~1.1 MB, ~300 KB gzipped) loads only on a layer page (decision 0013).
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      onwarn(warning, warn) {
        // TanStack Query marks modules "use client" for React Server Components; meaningless in an SPA.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'SOURCEMAP_ERROR') return;
        // zod's bundled regexes carry a /* @__PURE__ */ comment Rollup cannot place; harmless.
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
  server: { proxy: { '/api': 'http://localhost:8080' } },
});
