import { packageTestConfig } from '../vitest.shared.ts';

export default packageTestConfig('@polecat/sim', { testTimeout: 120_000 });
