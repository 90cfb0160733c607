import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start Python kernels, Redis queues and Chroma servers: keep the
    // machine (2 cores) from thrashing.
    maxWorkers: 2,
  },
});
