/** The dashboard's browser app (src/ui), built into dist/ui and served by `apprentice ui`. */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src/ui', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/ui', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    // `npm run ui:dev`: the app with hot reload, the API from a running `apprentice ui --port 4173`.
    proxy: { '/api': 'http://127.0.0.1:4173' },
  },
});
