// Clock lives in @polecat/kit (shared by every package); re-exported here, part of app-lock's public API.
export { systemClock, type Clock, type SleepOptions } from '@polecat/kit';
