import { Logger as NestLogger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toModuleLogger } from '../src/nestjs/index';

describe("PolecatModule's logger", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("by default, logs info through Nest's Logger and drops debug lines (no VERBOSE line every cycle)", () => {
    const log = vi.spyOn(NestLogger.prototype, 'log').mockImplementation(() => undefined);
    const verbose = vi.spyOn(NestLogger.prototype, 'verbose').mockImplementation(() => undefined);
    const debug = vi.spyOn(NestLogger.prototype, 'debug').mockImplementation(() => undefined);
    const logger = toModuleLogger(undefined);
    logger.debug('cycle', { owned: 1 });
    logger.info('ownership changed', { owned: 1 });
    expect(verbose).not.toHaveBeenCalled();
    expect(debug).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith('ownership changed {"owned":1}');
  });

  it('passes debug lines as VERBOSE to a Nest Logger given explicitly', () => {
    const verbose = vi.spyOn(NestLogger.prototype, 'verbose').mockImplementation(() => undefined);
    toModuleLogger(new NestLogger('Polecat')).debug('cycle', { owned: 1 });
    expect(verbose).toHaveBeenCalledWith('cycle {"owned":1}');
  });
});
