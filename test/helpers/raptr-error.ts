import {RaptrError} from '../../src/errors.js'

/** The RaptrError `fn` throws; fails the test when it throws nothing or something else. */
export function raptrErrorOf(fn: () => unknown): RaptrError {
  try {
    fn()
  } catch (e) {
    if (e instanceof RaptrError) return e
    throw e
  }
  throw new Error('expected a RaptrError')
}
