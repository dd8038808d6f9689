/** What a factory returns when the key does not exist at the origin; cached negatively for negativeTTL. */
export const NOT_FOUND: unique symbol = Symbol.for('herdguard.NOT_FOUND');
export type NotFound = typeof NOT_FOUND;
