import {describe, expect, it} from 'vitest'
import {InternalError, RaptrError, asRaptrError, exitCodeFor, isEnvironmentError} from '../../src/errors.js'
import {terminalSafe} from '../../src/cli/report-error.js'

describe('coded errors', () => {
  it('keeps raptr errors as they are', () => {
    const e = new RaptrError('BAD_NAME', 'invalid distribution name "x y"', 'use letters')
    expect(asRaptrError(e)).toBe(e)
  })

  it('reports a bug as a bug: INTERNAL, exit 70, a request to report it, never a backend error', () => {
    for (const bug of [new TypeError("Cannot read properties of undefined (reading 'oid')"), new RangeError('Invalid array length'), 'a thrown string']) {
      const e = asRaptrError(bug, 'BACKEND_ERROR')
      expect(e).toBeInstanceOf(InternalError)
      expect(e.code).toBe('INTERNAL')
      expect(exitCodeFor(e.code)).toBe(70)
      expect(e.message).toMatch(/^internal error: /)
      expect(e.hint).toMatch(/report/)
    }
  })

  it('reports a failing system call or service as the environment, in one line', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write\n    at somewhere'), {code: 'ENOSPC'})
    expect(isEnvironmentError(enospc)).toBe(true)
    const io = asRaptrError(enospc)
    expect(io.code).toBe('IO_ERROR')
    expect(exitCodeFor(io.code)).toBe(1)
    expect(io.message).toBe('ENOSPC: no space left on device, write')
    const s3 = Object.assign(new Error('Service Unavailable'), {$metadata: {httpStatusCode: 503}})
    expect(asRaptrError(s3, 'BACKEND_ERROR').code).toBe('BACKEND_ERROR')
    expect(exitCodeFor('BACKEND_ERROR')).toBe(4)
    expect(isEnvironmentError(new TypeError('x'))).toBe(false)
    expect(isEnvironmentError(Object.assign(new Error('x'), {code: 'ERR_INVALID_ARG_TYPE'}))).toBe(false)
    expect(isEnvironmentError(Object.assign(new Error('x'), {code: 'EAI_AGAIN'}))).toBe(true)
  })

  it('shows text from others (commit subjects, authors) with control characters escaped, line breaks kept', () => {
    expect(terminalSafe('title\u001b]0;PWNED\u0007 and\u001b[2J\nnext\u202eline')).toBe('title\\u001b]0;PWNED\\u0007 and\\u001b[2J\nnext\\u202eline')
    expect(terminalSafe('plain text, ünïcode')).toBe('plain text, ünïcode')
  })
})
