import {defineConfig} from 'vitest/config'

// Two projects: everything that needs no S3 server, and the S3 tests, which share one
// Ceph RADOS Gateway started by test/s3/global-setup.ts (a failure to start fails the
// run; nothing is skipped).
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Most test time is spent waiting on real processes (raptr, apt, dpkg, the gateway),
    // so more files than cores run well side by side.
    maxWorkers: 3,
    // The JSON report lets .ci/run print a one-line "N passed, N failed" summary.
    reporters: ['default', ['json', {outputFile: '.vitest-results.json'}]],
    projects: [
      {
        extends: true,
        test: {name: 'local', include: ['test/**/*.test.ts'], exclude: ['test/s3/**']},
      },
      {
        extends: true,
        test: {name: 's3', include: ['test/s3/**/*.test.ts'], globalSetup: ['test/s3/global-setup.ts']},
      },
    ],
  },
})
