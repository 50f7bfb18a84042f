import { packageTestConfig } from '../vitest.shared.ts';

// The README commands run examples and demos one after another: minutes, not seconds.
export default packageTestConfig('@polecat/docs-test', { testTimeout: 180_000 });
