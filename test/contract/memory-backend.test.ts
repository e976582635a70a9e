import {MemoryBackend} from '../../src/backends/memory.js'
import {backendContract} from './backend-contract.js'

backendContract('memory', async () => {
  const backend = new MemoryBackend('contract')
  return {backend, cleanup: async () => {}, crash: () => backend.crash()}
})
