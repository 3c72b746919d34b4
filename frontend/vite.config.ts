/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

// The PWA's service worker (pwa/sw.js), written after the build with the app shell to precache:
// index.html, the scripts and styles it loads, the manifest and icons. Hand-made rather than
// vite-plugin-pwa (Workbox): a few lines, no dependency to fetch, and it can be told plainly
// never to cache an API answer.
function sluiceServiceWorker(): Plugin {
  let outDir = '';
  let root = '';
  return {
    name: 'sluice-service-worker',
    apply: 'build',
    configResolved(c) {
      root = c.root;
      outDir = resolve(c.root, c.build.outDir);
    },
    writeBundle() {
      const index = readFileSync(resolve(outDir, 'index.html'), 'utf8');
      const assets = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      const shell = ['/index.html', '/manifest.json', '/favicon.svg', '/icon-192.png', '/icon-512.png', ...new Set(assets)];
      const version = createHash('sha256').update(index).digest('hex').slice(0, 12);
      const sw = readFileSync(resolve(root, 'pwa/sw.js'), 'utf8')
        .replace('__VERSION__', version)
        .replace('__SHELL__', JSON.stringify(shell));
      writeFileSync(resolve(outDir, 'sw.js'), sw);
    },
  };
}

// The Go binary embeds dist/app (see embed.go); only that folder is emptied on build,
// so dist/README.md (kept in git for the embed) survives.
export default defineConfig({
  base: '/',
  plugins: [react(), sluiceServiceWorker()],
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        // stable vendor chunks, so an app change does not invalidate the big libraries in browser caches
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|scheduler)[\\/]/, priority: 30 },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/, priority: 25 },
            { name: 'rjsf', test: /node_modules[\\/](@rjsf|ajv|ajv-formats)[\\/]/, priority: 10 },
            // loaded only when a definition text is edited (zh-CN made from zh-TW)
            { name: 'opencc', test: /node_modules[\\/]opencc-js[\\/]/, priority: 15 },
            { name: 'antd', test: /node_modules[\\/](antd|@ant-design|@rc-component|rc-[^\\/]+|dayjs|@babel[\\/]runtime)[\\/]/, priority: 20 },
            { name: 'vendor', test: /node_modules/, priority: 0 },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      // ws: the live websocket (/api/v1/live) goes through the proxy too
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false, ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    css: false,
    testTimeout: 60_000, // antd-heavy page tests on a 2-core CI machine
  },
});
