/** The ar writer lives in src/debian (raptr builds keyring packages with it); the bench uses the same one. */
export {arArchive, type ArMemberData as ArMember} from '../src/debian/ar-writer.js'
