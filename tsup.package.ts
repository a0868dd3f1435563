import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM + .d.ts into dist/. Other @mmada packages and the native
 * `webgpu` addon stay external (tsup also keeps each package.json dependency external).
 */
export function packageBuild(entry: string[] = ['src/index.ts']): ReturnType<typeof defineConfig> {
  const options: Options = {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    external: ['webgpu', /^@mmada\//],
  };
  return defineConfig(options);
}
