import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The tests check formatted numbers and dates: run them in one locale and time zone,
// whatever the machine's. Test workers are forked from this process and inherit these.
process.env.LC_ALL = 'en_US.UTF-8';
process.env.LANG = 'en_US.UTF-8';
process.env.TZ = 'UTC';

export default defineConfig({
  resolve: {
    alias: { '@': fileURLToPath(new URL('./', import.meta.url)) },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.{ts,tsx}'],
    setupFiles: ['tests/setup.ts'],
    // The machines have two cores.
    maxWorkers: 2,
  },
});
