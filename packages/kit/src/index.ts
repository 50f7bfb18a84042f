export { systemClock, type Clock, type SleepOptions } from './clock';
export { linkSignals, type LinkedSignal } from './link-signals';
export { ListenerSet, logListenerError, type Listener } from './listener-set';
export { SerialQueue } from './serial-queue';
export { silentLogger, toLogger, type ConsoleLike, type LogContext, type Logger, type PinoLike } from './logger';
export { PolecatError, hasBrand, isPolecatError, type PolecatErrorOptions } from './polecat-error';
