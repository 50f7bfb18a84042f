export { systemClock, type Clock, type SleepOptions } from './clock';
export { linkSignals, type LinkedSignal } from './link-signals';
export { ListenerSet, logListenerError, type Listener } from './listener-set';
export { plainError } from './log-errors';
export { isLoggerLike, silentLogger, toLogger, type ConsoleLike, type LogContext, type Logger, type PinoLike } from './logger';
export { loggerOrStderr, maskSecrets, stderrLogger, type StderrLoggerOptions } from './stderr-logger';
export { SerialQueue } from './serial-queue';
export { SIGNAL_ECHO_WINDOW_MS, signalEcho } from './signal-echo';
export { PolecatError, hasBrand, isPolecatError, type PolecatErrorOptions } from './polecat-error';
