import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@polecat/emmett', { testTimeout: 90_000, hookTimeout: 60_000 });
