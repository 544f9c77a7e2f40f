import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The dashboard is a static SPA served by the Vigil server at `/`; in `npm run dev` the API is
// proxied to a locally running server (VIGIL_URL, default http://127.0.0.1:4318).
const target = process.env.VIGIL_URL ?? 'http://127.0.0.1:4318';

export default defineConfig({
  plugins: [preact({ prerender: { enabled: false } })],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: {
      '/api': { target, changeOrigin: true },
      '/live': { target },
      '/ready': { target },
    },
  },
});
