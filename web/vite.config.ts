import { fileURLToPath } from "node:url";

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const webRoot = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

// The app lives in web/ and imports the SDK (../sdk) and typechain-types (../typechain-types) from the repo.
// `base: "./"` keeps every asset URL relative, so the gateway may serve the app under any path.
export default defineConfig({
  root: webRoot,
  base: "./",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { fs: { allow: [repoRoot] } },
});
