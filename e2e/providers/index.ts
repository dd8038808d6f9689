/** Every provider, by name. The kind provider registers here when it lands. */
import { LocalProvider } from './local.js';
import type { Provider } from './provider.js';

export const providers: Record<string, () => Provider> = {
  local: () => new LocalProvider(),
};

/** Names the CLI accepts; a known but not-yet-built provider gets a clear error. */
export const PROVIDER_NAMES = ['local', 'kind'] as const;
