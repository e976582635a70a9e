/** The tar writer lives in src/debian (raptr builds keyring packages with it); the bench uses the same one. */
export {tarArchive, type TarMember} from '../src/debian/tar-writer.js'
