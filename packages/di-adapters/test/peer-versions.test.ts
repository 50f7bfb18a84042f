import nestCommon from '@nestjs/common/package.json' with { type: 'json' };
import nestCore from '@nestjs/core/package.json' with { type: 'json' };
import nestTerminus from '@nestjs/terminus/package.json' with { type: 'json' };
import awilix from 'awilix/package.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { spawnFixture } from './child-process';

// This suite runs twice: here against the newest majors, and from @polecat/di-adapters-compat against
// the previous ones (its vitest config aliases the frameworks and sets POLECAT_EXPECT_PEER_MAJORS).
const expected = JSON.parse(process.env.POLECAT_EXPECT_PEER_MAJORS ?? '{"@nestjs/core":12,"@nestjs/common":12,"@nestjs/terminus":12,"awilix":13}') as Record<
  string,
  number
>;
const major = (pkg: { version: string }): number => Number(pkg.version.split('.')[0]);

describe('framework majors under test', () => {
  it(`the suite imports NestJS ${expected['@nestjs/core']} and Awilix ${expected.awilix}`, () => {
    expect({ '@nestjs/core': major(nestCore), '@nestjs/common': major(nestCommon), '@nestjs/terminus': major(nestTerminus), awilix: major(awilix) }).toEqual(
      expected,
    );
  });

  it('child processes (the SIGTERM fixtures) resolve the same majors', async () => {
    const child = spawnFixture('peer-versions-child', {});
    expect((await child.exited).code).toBe(0);
    expect(JSON.parse(child.stdout().trim())).toEqual(expected);
  });
});
