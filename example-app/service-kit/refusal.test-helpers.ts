import { InvalidOptionError } from '../../lib/1-ground/errors.js';

/** The InvalidOptionError `fn` throws; any other outcome fails the test. */
export function refusal(fn: () => unknown): InvalidOptionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidOptionError) return err;
    throw err;
  }
  throw new Error('expected an InvalidOptionError');
}
