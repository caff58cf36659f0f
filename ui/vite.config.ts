// Vite builds the windows' pages into ui/dist, which the desktop app embeds
// at compile time (tauri.conf.json: build.frontendDist). Vitest reads the `test`
// section. Run through the scripts in package.json.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK 2.4x (Debian 12) and WebView2 both run this.
    target: "es2022",
    // The pages are served by the app itself: no module preload polyfill (an
    // inline script would need a CSP exception).
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        staff: fileURLToPath(new URL("staff.html", import.meta.url)),
        customer: fileURLToPath(new URL("customer.html", import.meta.url)),
        setup: fileURLToPath(new URL("setup.html", import.meta.url)),
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
