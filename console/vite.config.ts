/// <reference types="vitest/config" />
// The console is served by the gateway at / (gateway/console.py): index.html no-store, the files
// of dist/assets/ (content-hashed names) with a long cache. Nothing comes from a CDN.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // Fonts and images as files, never data: URIs (the CSP allows data: images only).
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        // Every name starts with a letter ("_plugin-vue_export-helper" would not).
        chunkFileNames: (chunk) => `assets/${chunk.name.replace(/^[^A-Za-z0-9]+/, '')}-[hash].js`,
        // Element Plus and Vue change less often than the pages: their own long-cached chunk.
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          if (id.includes('node_modules')) return 'vendor'
        },
      },
    },
  },
  server: {
    // `npm run dev`: the API of a platform started by `make run`.
    proxy: { '/v1': 'http://127.0.0.1:8000' },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.spec.ts'],
  },
})
