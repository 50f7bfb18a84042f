import { packageTestConfig } from '../../vitest.shared';

export default packageTestConfig('@polecat/app-lock-postgres');
