import { packageBuild } from '../../tsup.package.js';

// browser.ts: the entry bundlers take under the `browser` export condition (no Node-only imports).
export default packageBuild(['src/index.ts', 'src/browser.ts']);
