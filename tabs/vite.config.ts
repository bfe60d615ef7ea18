import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The admin tab. Built to tabs/dist and served by the API server under /tab/ (api/src/http/static-tab.ts),
 * so every asset URL starts with /tab/ and the API stays on the same origin (no CORS).
 */
export default defineConfig({
  root,
  base: '/tab/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:3978' },
  },
});
