import { packageBuild } from '../../tsup.package.js';

// main.ts is the `mmada` binary (it carries its own shebang).
export default packageBuild(['src/index.ts', 'src/main.ts']);
