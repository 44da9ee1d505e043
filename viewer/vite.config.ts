// Built by `npm run build` (vite build viewer) into dist/viewer/, which `medbank view` serves.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: '../dist/viewer',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
