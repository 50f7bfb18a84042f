import { describe, expect, it } from 'vitest';
import { DiAdapterError } from '../src/index';
import { assertSupportedNode, isSupportedNode } from '../src/internal/supported-node';

describe('supported Node.js versions (>= 20.19)', () => {
  it.each([
    ['18.20.4', false],
    ['20.18.3', false],
    ['20.19.0', true],
    ['21.0.0', true],
    ['22.1.0', true],
    ['24.11.1', true],
  ])('Node %s supported: %s', (version, supported) => {
    expect(isSupportedNode(version)).toBe(supported);
  });

  it('refuses an older Node with one line naming both versions', () => {
    const error = (() => {
      try {
        assertSupportedNode('18.20.4');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(DiAdapterError.is(error)).toBe(true);
    expect((error as Error).message).toContain('>= 20.19.0');
    expect((error as Error).message).toContain('18.20.4');
  });

  it('accepts the Node running this test', () => {
    expect(() => assertSupportedNode()).not.toThrow();
  });
});
