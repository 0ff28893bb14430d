import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The same build runs inside the Tauri webview and in a browser against `aidas serve`.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
