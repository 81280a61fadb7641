/// <reference types="vitest/config" />
// Vite: dev server (proxying /api to a local API), production build, and the Vitest setup.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const devApi = process.env.MASTERMIND_DEV_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    // Same-origin in development: no CORS needed unless VITE_API_BASE_URL points elsewhere.
    proxy: { "/api": { target: devApi, changeOrigin: false } },
  },
  // The manifest lets scripts/bundle-size.mjs find the catalogs the first screen loads.
  build: { sourcemap: false, chunkSizeWarningLimit: 1500, manifest: true },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    include: ["src/**/*.test.{ts,tsx}"],
    // Page tests render whole screens; on a shared, loaded machine one can take over 5 s.
    testTimeout: 15_000,
  },
});
