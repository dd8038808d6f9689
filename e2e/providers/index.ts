/** Every provider, by name. */
import { KindProvider } from './kind.js';
import { LocalProvider } from './local.js';
import type { Provider } from './provider.js';

export const providers: Record<string, () => Provider> = {
  local: () => new LocalProvider(),
  kind: () => new KindProvider(),
};

/** Names the CLI accepts; a known but not-yet-built provider gets a clear error. */
export const PROVIDER_NAMES = ['local', 'kind'] as const;
