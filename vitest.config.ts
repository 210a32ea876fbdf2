import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Property tests print their seed; a fixed default keeps CI reproducible.
    testTimeout: 120_000,
  },
});
