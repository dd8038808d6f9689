import { describe, expect, it } from 'vitest';
import { importPeer } from './app.js';

describe('choosing a peer cache where it is not installed (the images)', () => {
  it('names CACHE_IMPL and what is accepted instead of a module-resolution stack', async () => {
    const missing = Object.assign(new Error("Cannot find module 'bentocache'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importPeer('bentocache', () => Promise.reject(missing))).rejects.toMatchObject({
      code: 'E_INVALID_OPTION',
      message: expect.stringMatching(/^expected environment variable CACHE_IMPL to be herdguard \(the peers .*got "bentocache"$/),
    });
  });

  it('passes other failures through unchanged', async () => {
    const boom = new Error('boom');
    await expect(importPeer('cachified', () => Promise.reject(boom))).rejects.toBe(boom);
  });
});
