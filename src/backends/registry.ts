import {FileBackend} from './file.js'
import type {Backend, BackendOptions} from './interface.js'
import {RetryBackend, retryBudgetMs} from './retry.js'
import {parseBackendUrl} from './url.js'

export {parseBackendUrl, type BackendLocation} from './url.js'
export type {BackendOptions} from './interface.js'

/**
 * Opens the backend a URL names. The one place that maps URL schemes to backends, and
 * where every backend gets its retries (a decorator with a time budget).
 *
 * @example
 *   const backend = await openBackend('s3://my-apt/debian', {region: 'eu-west-1'})
 */
export async function openBackend(url: string, opts: BackendOptions = {}): Promise<Backend> {
  const location = parseBackendUrl(url)
  switch (location.scheme) {
    case 'file':
      return new RetryBackend(new FileBackend(location.path, {url, publicUrl: opts.publicUrl, name: opts.name}), {budgetMs: retryBudgetMs(opts.retrySeconds)})
    case 's3': {
      // Loaded on demand so only S3 users load the AWS SDK.
      const {createS3Backend} = await import('./s3.js')
      return new RetryBackend(await createS3Backend(url, opts), {budgetMs: retryBudgetMs(opts.retrySeconds)})
    }
  }
}

