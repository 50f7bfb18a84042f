// The private cluster moved to @polecat/test-utils (shared with the bench); chaos keeps its import path.
export { PrivateCluster, findPostgresBin } from '@polecat/test-utils';
