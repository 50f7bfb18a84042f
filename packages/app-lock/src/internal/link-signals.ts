// Signal linking lives in @polecat/kit; this path keeps app-lock's internal imports unchanged.
export { linkSignals, type LinkedSignal } from '@polecat/kit';
