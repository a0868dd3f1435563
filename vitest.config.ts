import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// One config for the whole monorepo: packages resolve to their sources so tests need no build.
// Dawn is a native addon, so test files run in forked processes, one at a time on this 2-core kind.
export default defineConfig({
  resolve: {
    alias: {
      '@mmada/tensor': pkg('tensor'),
      // Sub-path entries first: an alias also matches the paths under its name.
      '@mmada/image/node': fileURLToPath(new URL('./packages/image/src/node.ts', import.meta.url)),
      '@mmada/image': pkg('image'),
      '@mmada/charts/png': fileURLToPath(new URL('./packages/charts/src/png.ts', import.meta.url)),
      '@mmada/charts': pkg('charts'),
      '@mmada/autograd': pkg('autograd'),
      '@mmada/diffusion': pkg('diffusion'),
      '@mmada/mmada': pkg('mmada'),
      '@mmada/eval': pkg('eval'),
      '@mmada/rl': pkg('rl'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    // Shader compilation on a software driver with a cold cache can take tens of seconds per kernel.
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
