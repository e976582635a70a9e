import {Flags} from '@oclif/core'

/**
 * The http(s) timeouts of the commands that read an upstream (import, mirror update):
 * one set of flags, each falling back to its RAPTR_HTTP_* variable, then its default.
 */
export const httpFlags = {
  'connect-timeout': Flags.string({summary: 'Seconds to wait for an http(s) connection (default 10, or RAPTR_HTTP_CONNECT_TIMEOUT).'}),
  'idle-timeout': Flags.string({summary: 'Seconds an http(s) server may send nothing before raptr gives up (default 30, or RAPTR_HTTP_IDLE_TIMEOUT).'}),
  timeout: Flags.string({summary: 'Seconds one file may take to download over http(s) (default 600, or RAPTR_HTTP_TIMEOUT).'}),
}

/** The timeouts the flags give, in seconds; undefined where a flag is absent (its variable or default applies). */
export async function httpTimeouts(flags: {'connect-timeout'?: string; 'idle-timeout'?: string; timeout?: string}): Promise<{connect?: number; idle?: number; total?: number}> {
  const {flagSeconds} = await import('../limits.js')
  return {
    connect: flagSeconds('--connect-timeout', flags['connect-timeout']),
    idle: flagSeconds('--idle-timeout', flags['idle-timeout']),
    total: flagSeconds('--timeout', flags.timeout),
  }
}
